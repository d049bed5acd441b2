"""The AuditRecord document: who changed what, when (personal values redacted)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field

from models.common import utc_now


class FieldChange(BaseModel):
    """One changed field of one document; personal values are ``"[redacted]"``."""

    collection: str
    document_id: PydanticObjectId | None
    action: str  # created, updated, erased
    field: str
    before: Any = None
    after: Any = None


class AuditRecord(Document):
    """One mutation request: who, when, which operations, with what outcome."""

    at: datetime = Field(default_factory=utc_now)
    actor_id: PydanticObjectId | None = None
    key_id: PydanticObjectId | None = None
    address: str | None = None
    operations: list[str] = Field(default_factory=list)
    outcomes: list[str] = Field(default_factory=list)
    document_ids: list[PydanticObjectId] = Field(default_factory=list)
    changes: list[FieldChange] = Field(default_factory=list)

    class Settings:
        name = "audit_records"
        indexes = [
            pymongo.IndexModel([("at", -1), ("_id", 1)]),
            pymongo.IndexModel([("actor_id", 1), ("at", -1)]),
            pymongo.IndexModel([("document_ids", 1), ("at", -1)]),
        ]
