"""The PersistedQuery document: a query text registered by its SHA-256 hash (APQ)."""

from __future__ import annotations

from datetime import datetime

import pymongo
from beanie import Document
from pydantic import Field

from models.common import utc_now

#: How long an entry is kept after it was last used; the TTL index deletes it.
KEEP_SECONDS = 7 * 24 * 3600


class PersistedQuery(Document):
    """A document an Apollo client registered with automatic persisted queries.

    Kept in the store, so every server process on it shares the cache; bounded
    by the TTL index on ``used_at`` and by the count ``resolvers.persisted``
    trims it to.
    """

    hash: str = Field(min_length=64, max_length=64)
    query: str
    used_at: datetime = Field(default_factory=utc_now)

    class Settings:
        name = "persisted_queries"
        indexes = [
            pymongo.IndexModel([("hash", 1)], unique=True),
            pymongo.IndexModel([("used_at", 1)], expireAfterSeconds=KEEP_SECONDS),
        ]
