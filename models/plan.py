"""The VisitPlan document: a planner result waiting to be accepted or discarded."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field

from models.common import Stamp


class PlanStatus(StrEnum):
    """running → draft (or failed); draft → accepted (visits created) or discarded."""

    RUNNING = "running"
    FAILED = "failed"
    DRAFT = "draft"
    ACCEPTED = "accepted"
    DISCARDED = "discarded"


class PlannedStop(BaseModel):
    """One visit on a planned route; times are UTC."""

    customer_id: PydanticObjectId
    arrive: datetime
    start: datetime
    end: datetime
    value: float
    reason: str
    travel_minutes: float = 0.0
    visit_id: PydanticObjectId | None = None
    fixed: bool = False


class PlannedBreak(BaseModel):
    """A pause on a planned route; times are UTC."""

    start: datetime
    end: datetime


class PlannedRoute(BaseModel):
    """A rep's route on one working day."""

    rep_id: PydanticObjectId
    day: date
    depart: datetime
    back: datetime
    travel_minutes: float
    stops: list[PlannedStop] = Field(default_factory=list)
    breaks: list[PlannedBreak] = Field(default_factory=list)


class UnservedCustomer(BaseModel):
    """A candidate the plan leaves out, and why."""

    customer_id: PydanticObjectId
    value: float
    reason: str


class PlanTotals(BaseModel):
    """The objective and what it is made of."""

    objective: float
    value: float
    travel_minutes: float
    travel_cost: float
    visits: int
    candidates: int


class SolverStats(BaseModel):
    """How the plan was computed."""

    name: str
    seconds: float
    seed: int
    time_limit: float


class PlanProgress(BaseModel):
    """The best objective a running plan has found so far, and when (seconds
    into the search)."""

    objective: float
    seconds: float


class PlanChange(BaseModel):
    """What a re-plan did to an existing visit or customer."""

    kind: str  # moved, added, dropped, kept
    customer_id: PydanticObjectId
    visit_id: PydanticObjectId | None = None
    before: datetime | None = None
    after: datetime | None = None
    #: after - before in minutes, for kept and moved visits.
    moved_minutes: float | None = None


class VisitPlan(Document):
    """A proposed set of routes for some reps over some days."""

    status: PlanStatus = PlanStatus.DRAFT
    kind: str = "plan"  # plan, or replan for an in-day re-plan
    rep_ids: list[PydanticObjectId]
    first_day: date
    last_day: date
    routes: list[PlannedRoute] = Field(default_factory=list)
    unserved: list[UnservedCustomer] = Field(default_factory=list)
    infeasible_visit_ids: list[PydanticObjectId] = Field(default_factory=list)
    totals: PlanTotals
    solver: SolverStats
    settings: dict[str, float] = Field(default_factory=dict)
    changes: list[PlanChange] = Field(default_factory=list)
    created_visit_ids: list[PydanticObjectId] = Field(default_factory=list)
    error: str | None = None
    progress: PlanProgress | None = None
    stamp: Stamp = Field(default_factory=Stamp)
    rev: int = 0

    class Settings:
        name = "visit_plans"
        validate_on_save = True
        indexes = [
            pymongo.IndexModel([("rep_ids", 1), ("stamp.created_at", -1)]),
            pymongo.IndexModel([("status", 1), ("stamp.created_at", -1)]),
            pymongo.IndexModel([("stamp.created_at", -1), ("_id", 1)]),
        ]
