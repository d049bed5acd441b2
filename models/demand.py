"""The Demand document: what a customer needs, with a validated status workflow."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field, field_validator, model_validator

from models.common import (
    ExternalIds,
    Stamp,
    access_keys,
    as_utc,
    external_key_index,
    external_keys,
    utc_now,
)


class DemandType(StrEnum):
    """The kind of need."""

    PRODUCT_INQUIRY = "product_inquiry"
    COMPLAINT = "complaint"
    SERVICE_REQUEST = "service_request"
    RENEWAL = "renewal"
    TRAINING = "training"
    OTHER = "other"


class Priority(StrEnum):
    """How soon the demand needs attention."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class DemandStatus(StrEnum):
    """Workflow states of a demand."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


S = DemandStatus
#: The allowed moves: open → in_progress → waiting_on_customer → resolved → closed,
#: resolving straight from in_progress, resuming work when the customer answers, and
#: reopening from resolved or closed. Everything else is refused.
DEMAND_TRANSITIONS: dict[DemandStatus, frozenset[DemandStatus]] = {
    S.OPEN: frozenset({S.IN_PROGRESS}),
    S.IN_PROGRESS: frozenset({S.WAITING_ON_CUSTOMER, S.RESOLVED}),
    S.WAITING_ON_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.OPEN}),
    S.CLOSED: frozenset({S.OPEN}),
}
OPEN_DEMAND_STATUSES = (S.OPEN, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER)


class Transition(BaseModel):
    """One recorded status change."""

    from_status: DemandStatus | None
    to_status: DemandStatus
    at: datetime = Field(default_factory=utc_now)
    by: PydanticObjectId | None = None
    comment: str | None = Field(default=None, max_length=2000)


class Demand(Document):
    """A customer's need, tracked to resolution."""

    customer_id: PydanticObjectId
    #: Copies of the customer's owner and territory, kept in step by the customer
    #: updates, so that access rules filter demands without a join.
    customer_owner_id: PydanticObjectId | None = None
    customer_territory: str | None = None
    access: list[str] = Field(default_factory=list)
    type: DemandType
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    priority: Priority = Priority.NORMAL
    due: datetime | None = None
    assignee_id: PydanticObjectId | None = None
    status: DemandStatus = DemandStatus.OPEN
    history: list[Transition] = Field(default_factory=list)
    source_visit_id: PydanticObjectId | None = None
    open: bool = True
    external_ids: ExternalIds = Field(default_factory=list)
    #: ``system:id`` of ``external_ids``, under a unique index.
    external_keys: list[str] = Field(default_factory=list)
    stamp: Stamp = Field(default_factory=Stamp)
    rev: int = 0

    @field_validator("due")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    @model_validator(mode="after")
    def _derive(self) -> Demand:
        # A plain flag, so "open demands of these customers" is one equality and
        # one $in: a shape every query planner serves from one compound index.
        self.open = self.status in OPEN_DEMAND_STATUSES
        self.access = access_keys(self.customer_owner_id, self.customer_territory)
        self.external_keys = external_keys(self.external_ids)
        return self

    class Settings:
        name = "demands"
        validate_on_save = True
        indexes = [
            pymongo.IndexModel([("customer_id", 1), ("status", 1), ("_id", 1)]),
            pymongo.IndexModel([("open", 1), ("customer_id", 1), ("_id", 1)]),
            pymongo.IndexModel([("access", 1), ("stamp.created_at", -1)]),
            pymongo.IndexModel([("open", 1), ("access", 1)]),
            pymongo.IndexModel([("assignee_id", 1), ("status", 1), ("due", 1)]),
            pymongo.IndexModel([("status", 1), ("priority", 1), ("due", 1)]),
            pymongo.IndexModel([("due", 1), ("_id", 1)]),
            pymongo.IndexModel([("stamp.created_at", -1), ("_id", 1)]),
            pymongo.IndexModel([("source_visit_id", 1)]),
            external_key_index(),
        ]
