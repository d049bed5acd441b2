"""The ScoringSettings document: weights and targets of the scores (docs/scoring.md)."""

from __future__ import annotations

from typing import Annotated

import pymongo
from beanie import Document
from pydantic import BaseModel, Field, field_validator, model_validator

from models.common import Stamp

#: The one settings document is stored under this key.
SETTINGS_KEY = "default"

Weight = Annotated[float, Field(ge=0, le=1000)]
Days = Annotated[int, Field(ge=1, le=3650)]
Points = Annotated[float, Field(ge=0, le=1000)]
Factor = Annotated[float, Field(ge=0, le=1)]


class PriorityWeights(BaseModel):
    """How much each component counts; the score divides by their sum."""

    overdue: Weight = 35.0
    demands: Weight = 25.0
    trend: Weight = 10.0
    lifecycle: Weight = 10.0
    strategic: Weight = 10.0
    effectiveness: Weight = 10.0

    @model_validator(mode="after")
    def _some_weight(self) -> PriorityWeights:
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("at least one weight must be above 0")
        return self


class TierTargets(BaseModel):
    """The target visit interval per tier, in days."""

    a: Days = 14
    b: Days = 30
    c: Days = 90


class DemandPoints(BaseModel):
    """Points of one open demand by priority, before its age factor."""

    urgent: Points = 8.0
    high: Points = 4.0
    normal: Points = 2.0
    low: Points = 1.0


class LifecycleFactors(BaseModel):
    """The lifecycle component per status (churned and archived score 0)."""

    lead: Factor = 0.8
    active: Factor = 1.0
    dormant: Factor = 0.4


class ScoringSettings(Document):
    """One document holding every knob of the priority, effectiveness and
    recommendations (see docs/scoring.md)."""

    key: str = SETTINGS_KEY
    weights: PriorityWeights = Field(default_factory=PriorityWeights)
    target_days: TierTargets = Field(default_factory=TierTargets)
    overdue_cap: float = Field(default=2.0, ge=1.0, le=10.0)
    never_visited: Factor = 1.0
    demand_points: DemandPoints = Field(default_factory=DemandPoints)
    demand_age_days: Days = 30
    demand_cap: float = Field(default=16.0, gt=0, le=1000)
    trend_visits: int = Field(default=3, ge=1, le=20)
    lifecycle: LifecycleFactors = Field(default_factory=LifecycleFactors)
    strategic_tags: list[str] = Field(
        default_factory=lambda: ["strategic", "key_account"], max_length=50
    )
    effectiveness_days: Days = 180
    faster_ratio: float = Field(default=1.25, ge=1.0, le=10.0)
    slower_ratio: float = Field(default=0.75, gt=0.0, le=1.0)
    speed_kmh: float = Field(default=30.0, ge=1.0, le=200.0)
    road_factor: float = Field(default=1.3, ge=1.0, le=3.0)
    visit_minutes: float = Field(default=45.0, ge=5.0, le=480.0)
    km_penalty: float = Field(default=2.0, ge=0.0, le=100.0)
    max_km_penalty: float = Field(default=40.0, ge=0.0, le=100.0)
    #: Check-ins farther than this from every customer address are OUTSIDE_RADIUS.
    check_in_radius_m: float = Field(default=500.0, ge=10.0, le=100_000.0)
    #: How long before its planned start a visit may be checked in.
    check_in_early_minutes: int = Field(default=720, ge=0, le=1440)
    #: The longest a visit may last, check-in to check-out.
    max_visit_minutes: int = Field(default=720, ge=15, le=1440)
    #: A shorter visit counts this many minutes in T (effectiveness).
    min_counted_minutes: float = Field(default=15.0, ge=0.0, le=240.0)
    stamp: Stamp = Field(default_factory=Stamp)
    rev: int = 0

    @field_validator("strategic_tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        tags = [t.strip().lower() for t in value]
        if any(not t or len(t) > 100 for t in tags):
            raise ValueError("tags must be 1 to 100 characters long")
        return sorted(set(tags))

    class Settings:
        name = "scoring_settings"
        validate_on_save = True
        indexes = [pymongo.IndexModel([("key", 1)], unique=True)]
