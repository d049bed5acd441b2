"""The Visit document: a planned visit and, once made, its record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field, model_validator

from models.common import (
    ExternalIds,
    GeoPoint,
    Stamp,
    external_key_index,
    external_keys,
)


class Purpose(StrEnum):
    """Why the rep goes."""

    INTRO = "intro"
    FOLLOW_UP = "follow_up"
    DEMO = "demo"
    NEGOTIATION = "negotiation"
    SERVICE = "service"
    RELATIONSHIP = "relationship"
    COLLECTION = "collection"
    OTHER = "other"


class VisitStatus(StrEnum):
    """Lifecycle states of a visit."""

    PLANNED = "planned"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    MISSED = "missed"


V = VisitStatus
#: planned → confirmed → checked_in → completed; cancelled or missed before check-in.
VISIT_TRANSITIONS: dict[VisitStatus, frozenset[VisitStatus]] = {
    V.PLANNED: frozenset({V.CONFIRMED, V.CHECKED_IN, V.CANCELLED, V.MISSED}),
    V.CONFIRMED: frozenset({V.CHECKED_IN, V.CANCELLED, V.MISSED}),
    V.CHECKED_IN: frozenset({V.COMPLETED}),
    V.COMPLETED: frozenset(),
    V.CANCELLED: frozenset(),
    V.MISSED: frozenset(),
}
#: A visit in one of these states still takes up the rep's time.
ACTIVE_VISIT_STATUSES = (V.PLANNED, V.CONFIRMED, V.CHECKED_IN)

#: The result score R of a completed visit, 0 to 10 (see docs/visits.md).
RESULT_MIN, RESULT_MAX = 0.0, 10.0


class Geofence(StrEnum):
    """Whether a check-in was made near the customer (see docs/api.md)."""

    #: Within the check-in radius of one of the customer's addresses.
    VERIFIED = "verified"
    #: Farther than the radius from every address of the customer.
    OUTSIDE_RADIUS = "outside_radius"
    #: No location was sent, or the customer has no address to compare with.
    NO_LOCATION = "no_location"


class Presence(BaseModel):
    """A check-in or check-out: when, where, and how far from the customer."""

    at: datetime
    location: GeoPoint | None = None
    distance_m: float | None = None
    #: Set on check-ins recorded since geofencing; older ones have none.
    geofence: Geofence | None = None


class Outcome(BaseModel):
    """What a completed visit produced."""

    notes: str = Field(default="", max_length=10_000)
    result: float = Field(ge=RESULT_MIN, le=RESULT_MAX)
    follow_up_demand_ids: list[PydanticObjectId] = Field(default_factory=list)
    recorded_at: datetime


class Visit(Document):
    """One visit of a rep to a customer."""

    customer_id: PydanticObjectId
    rep_id: PydanticObjectId
    purpose: Purpose
    purpose_text: str | None = Field(default=None, max_length=500)
    agenda: str = Field(default="", max_length=10_000)
    planned_start: datetime
    planned_end: datetime
    status: VisitStatus = VisitStatus.PLANNED
    cancel_reason: str | None = Field(default=None, max_length=2000)
    check_in: Presence | None = None
    check_out: Presence | None = None
    duration_min: float | None = None
    outcome: Outcome | None = None
    demand_ids: list[PydanticObjectId] = Field(default_factory=list)
    plan_id: PydanticObjectId | None = None
    #: Kept at its exact time by planVisits and replanDay, like a confirmed visit.
    pinned: bool = False
    external_ids: ExternalIds = Field(default_factory=list)
    #: ``system:id`` of ``external_ids``, under a unique index.
    external_keys: list[str] = Field(default_factory=list)
    stamp: Stamp = Field(default_factory=Stamp)
    rev: int = 0

    @model_validator(mode="after")
    def _consistent(self) -> Visit:
        if self.planned_end <= self.planned_start:
            raise ValueError("planned_end must be after planned_start")
        if self.duration_min is not None and self.duration_min < 0:
            raise ValueError("duration_min cannot be negative")
        self.external_keys = external_keys(self.external_ids)
        return self

    class Settings:
        name = "visits"
        validate_on_save = True
        indexes = [
            pymongo.IndexModel([("rep_id", 1), ("planned_start", 1), ("_id", 1)]),
            # A rep's or a team's latest visits per customer (rep rule + customers).
            pymongo.IndexModel(
                [("rep_id", 1), ("customer_id", 1), ("planned_start", -1)]
            ),
            pymongo.IndexModel([("customer_id", 1), ("planned_start", -1), ("_id", 1)]),
            pymongo.IndexModel([("status", 1), ("planned_start", 1), ("_id", 1)]),
            # Scoring: completed visits of one rep or customer in a period.
            pymongo.IndexModel([("status", 1), ("rep_id", 1), ("planned_start", 1)]),
            pymongo.IndexModel(
                [("status", 1), ("rep_id", 1), ("customer_id", 1), ("planned_start", 1)]
            ),
            pymongo.IndexModel(
                [("status", 1), ("customer_id", 1), ("planned_start", 1)]
            ),
            pymongo.IndexModel([("planned_start", 1), ("_id", 1)]),
            pymongo.IndexModel([("demand_ids", 1)]),
            pymongo.IndexModel([("plan_id", 1)]),
            external_key_index(),
        ]


class RepCalendar(Document):
    """One per rep: the document every writer of the rep's calendar updates.

    Planning, rescheduling and accepting a plan update it in the same
    transaction as their overlap check and their visit writes. Two writers of
    one rep's calendar therefore always touch one document, so the store lets
    only one of them commit; the other retries and sees the first one's visits.
    """

    #: Its id is the rep's. How many changes were made; only the write matters.
    changes: int = 0

    class Settings:
        name = "rep_calendars"
