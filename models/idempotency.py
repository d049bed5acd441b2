"""The IdempotencyRecord document: the first result of a creating request, by key."""

from __future__ import annotations

from datetime import datetime

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field

from models.common import utc_now

#: How long a key is remembered (Stripe keeps them at least 24 hours).
KEEP_SECONDS = 24 * 3600


class IdempotencyRecord(Document):
    """A client's idempotency key: the request it came with and what it created."""

    owner: str
    key: str = Field(min_length=1, max_length=255)
    operation: str
    fingerprint: str
    result_id: PydanticObjectId | None = None
    #: The id the request's new document gets, known before it is stored.
    planned_id: PydanticObjectId | None = None
    created_at: datetime = Field(default_factory=utc_now)

    class Settings:
        name = "idempotency_keys"
        indexes = [
            pymongo.IndexModel([("owner", 1), ("key", 1)], unique=True),
            pymongo.IndexModel([("created_at", 1)], expireAfterSeconds=KEEP_SECONDS),
        ]
