"""Scoring in the API: inputs and settings changes."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from schema.base import REVISION
from schema.scoring.descriptions import (
    DEMAND_POINTS,
    LIFECYCLE,
    SETTINGS,
    TARGETS,
    WEIGHTS,
)
from schema.scoring.types import PeriodUnit
from schema.visits import Purpose


@strawberry.input(
    description="Consecutive periods: `count` of `unit` from the one holding "
    "`start`. A CUSTOM period runs from `start` to `end` (both included, at most "
    "366 days) and further ones follow it with the same length. UTC."
)
class PeriodInput:
    unit: PeriodUnit = strawberry.field(description="The length of one period.")
    start: date = strawberry.field(description="A day in the first period.")
    end: date | None = strawberry.field(
        default=None, description="Last day of a CUSTOM period (included)."
    )
    count: int = strawberry.field(default=1, description="1 to 60 periods.")


@strawberry.input(description="Which completed visits count; every set one must hold.")
class EffectivenessFilterInput:
    rep_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Made by one of these reps."
    )
    customer_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="To one of these customers."
    )
    purposes: list[Purpose] | None = strawberry.field(
        default=None, description="With one of these purposes."
    )


U = strawberry.UNSET


@strawberry.input(description="Weights to change (each ≥ 0, not all 0).")
class PriorityWeightsInput:
    overdue: float | None = strawberry.field(default=U, description=WEIGHTS["overdue"])
    demands: float | None = strawberry.field(default=U, description=WEIGHTS["demands"])
    trend: float | None = strawberry.field(default=U, description=WEIGHTS["trend"])
    lifecycle: float | None = strawberry.field(
        default=U, description=WEIGHTS["lifecycle"]
    )
    strategic: float | None = strawberry.field(
        default=U, description=WEIGHTS["strategic"]
    )
    effectiveness: float | None = strawberry.field(
        default=U, description=WEIGHTS["effectiveness"]
    )


@strawberry.input(description="Target intervals to change, days (1 to 3650).")
class TierTargetsInput:
    a: int | None = strawberry.field(default=U, description=TARGETS["a"])
    b: int | None = strawberry.field(default=U, description=TARGETS["b"])
    c: int | None = strawberry.field(default=U, description=TARGETS["c"])


@strawberry.input(description="Demand points to change (0 to 1000).")
class DemandPointsInput:
    urgent: float | None = strawberry.field(
        default=U, description=DEMAND_POINTS["urgent"]
    )
    high: float | None = strawberry.field(default=U, description=DEMAND_POINTS["high"])
    normal: float | None = strawberry.field(
        default=U, description=DEMAND_POINTS["normal"]
    )
    low: float | None = strawberry.field(default=U, description=DEMAND_POINTS["low"])


@strawberry.input(description="Lifecycle factors to change (0 to 1).")
class LifecycleFactorsInput:
    lead: float | None = strawberry.field(default=U, description=LIFECYCLE["lead"])
    active: float | None = strawberry.field(default=U, description=LIFECYCLE["active"])
    dormant: float | None = strawberry.field(
        default=U, description=LIFECYCLE["dormant"]
    )


@strawberry.input(description="The settings to change; the rest keep their values.")
class UpdateScoringSettingsInput:
    revision: str | None = strawberry.field(default=None, description=REVISION)
    weights: PriorityWeightsInput | None = strawberry.field(
        default=U, description=SETTINGS["weights"]
    )
    target_days: TierTargetsInput | None = strawberry.field(
        default=U, description=SETTINGS["target_days"]
    )
    overdue_cap: float | None = strawberry.field(
        default=U, description=SETTINGS["overdue_cap"]
    )
    never_visited: float | None = strawberry.field(
        default=U, description=SETTINGS["never_visited"]
    )
    demand_points: DemandPointsInput | None = strawberry.field(
        default=U, description=SETTINGS["demand_points"]
    )
    demand_age_days: int | None = strawberry.field(
        default=U, description=SETTINGS["demand_age_days"]
    )
    demand_cap: float | None = strawberry.field(
        default=U, description=SETTINGS["demand_cap"]
    )
    trend_visits: int | None = strawberry.field(
        default=U, description=SETTINGS["trend_visits"]
    )
    lifecycle: LifecycleFactorsInput | None = strawberry.field(
        default=U, description=SETTINGS["lifecycle"]
    )
    strategic_tags: list[str] | None = strawberry.field(
        default=U, description=SETTINGS["strategic_tags"]
    )
    effectiveness_days: int | None = strawberry.field(
        default=U, description=SETTINGS["effectiveness_days"]
    )
    faster_ratio: float | None = strawberry.field(
        default=U, description=SETTINGS["faster_ratio"]
    )
    slower_ratio: float | None = strawberry.field(
        default=U, description=SETTINGS["slower_ratio"]
    )
    speed_kmh: float | None = strawberry.field(
        default=U, description=SETTINGS["speed_kmh"]
    )
    road_factor: float | None = strawberry.field(
        default=U, description=SETTINGS["road_factor"]
    )
    visit_minutes: float | None = strawberry.field(
        default=U, description=SETTINGS["visit_minutes"]
    )
    km_penalty: float | None = strawberry.field(
        default=U, description=SETTINGS["km_penalty"]
    )
    max_km_penalty: float | None = strawberry.field(
        default=U, description=SETTINGS["max_km_penalty"]
    )
    check_in_radius_m: float | None = strawberry.field(
        default=U, description=SETTINGS["check_in_radius_m"]
    )
    check_in_early_minutes: int | None = strawberry.field(
        default=U, description=SETTINGS["check_in_early_minutes"]
    )
    max_visit_minutes: int | None = strawberry.field(
        default=U, description=SETTINGS["max_visit_minutes"]
    )
    min_counted_minutes: float | None = strawberry.field(
        default=U, description=SETTINGS["min_counted_minutes"]
    )
