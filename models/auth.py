"""Credentials: refresh-token sessions, partners' API keys and users' calendar feed
tokens, all stored hashed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import pymongo
from beanie import Document, Indexed, PydanticObjectId
from pydantic import Field

from models.common import utc_now


class Session(Document):
    """A signed-in user's refresh-token chain.

    Each refresh replaces ``token_hash`` (rotation); a refresh with an older token of
    the same session means the token leaked, and revokes the session. Every used
    hash stays in ``previous_hashes`` for the session's life (at most 30 days).
    """

    user_id: PydanticObjectId
    token_hash: Annotated[str, Indexed(unique=True)]
    previous_hashes: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utc_now)
    expires_at: datetime
    revoked_at: datetime | None = None
    address: str | None = None

    class Settings:
        name = "sessions"
        indexes = [
            pymongo.IndexModel([("previous_hashes", 1)]),
            pymongo.IndexModel([("user_id", 1), ("revoked_at", 1)]),
        ]


class ApiKey(Document):
    """A partner's key: shown once, stored as a hash, scoped, expiring, revocable."""

    name: str = Field(min_length=1, max_length=200)
    prefix: Annotated[str, Indexed(unique=True)]
    secret_hash: str
    scopes: list[str]
    created_by: PydanticObjectId
    created_at: datetime = Field(default_factory=utc_now)
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    class Settings:
        name = "api_keys"
        indexes = [pymongo.IndexModel([("created_by", 1), ("created_at", -1)])]


class CalendarToken(Document):
    """A user's calendar feed secret: one per user, shown once, stored as a hash.

    Creating a token again replaces the hash (rotation), so the old feed address
    stops at once; revoking sets ``revoked_at`` and keeps the hash, which then
    matches no feed.
    """

    user_id: Annotated[PydanticObjectId, Indexed(unique=True)]
    token_hash: Annotated[str, Indexed(unique=True)]
    created_at: datetime = Field(default_factory=utc_now)
    revoked_at: datetime | None = None
    rev: int = 0

    class Settings:
        name = "calendar_tokens"
        validate_on_save = True


SIGN_IN_WINDOW_S = 15 * 60
"""How long a failed sign-in counts (seconds)."""


class SignInFailure(Document):
    """One failed sign-in, counted against an account and against an address.

    Kept in the store, so that every server process on it counts the same
    failures. ``key`` is a SHA-256 digest of the account's e-mail or the address,
    never the value itself; records expire after :data:`SIGN_IN_WINDOW_S`.
    """

    key: str
    at: datetime = Field(default_factory=utc_now)

    class Settings:
        name = "sign_in_failures"
        indexes = [
            pymongo.IndexModel([("key", 1), ("at", 1)]),
            pymongo.IndexModel([("at", 1)], expireAfterSeconds=SIGN_IN_WINDOW_S),
        ]
