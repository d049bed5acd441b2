"""Scoring in the API: inputs and settings changes."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from schema.scoring.types import PeriodUnit
from schema.visits import Purpose


@strawberry.input(
    description="Consecutive periods: `count` of `unit` from the one holding "
    "`start`. A CUSTOM period runs from `start` to `end` (both included, at most "
    "366 days) and further ones follow it with the same length. UTC."
)
class PeriodInput:
    unit: PeriodUnit
    start: date = strawberry.field(description="A day in the first period.")
    end: date | None = strawberry.field(
        default=None, description="Last day of a CUSTOM period (included)."
    )
    count: int = strawberry.field(default=1, description="1 to 60 periods.")


@strawberry.input(description="Which completed visits count; every set one must hold.")
class EffectivenessFilterInput:
    rep_ids: list[relay.GlobalID] | None = None
    customer_ids: list[relay.GlobalID] | None = None
    purposes: list[Purpose] | None = None


U = strawberry.UNSET


@strawberry.input(description="Weights to change (each ≥ 0, not all 0).")
class PriorityWeightsInput:
    overdue: float | None = U
    demands: float | None = U
    trend: float | None = U
    lifecycle: float | None = U
    strategic: float | None = U
    effectiveness: float | None = U


@strawberry.input(description="Target intervals to change, days (1 to 3650).")
class TierTargetsInput:
    a: int | None = U
    b: int | None = U
    c: int | None = U


@strawberry.input(description="Demand points to change (0 to 1000).")
class DemandPointsInput:
    urgent: float | None = U
    high: float | None = U
    normal: float | None = U
    low: float | None = U


@strawberry.input(description="Lifecycle factors to change (0 to 1).")
class LifecycleFactorsInput:
    lead: float | None = U
    active: float | None = U
    dormant: float | None = U


@strawberry.input(description="The settings to change; the rest keep their values.")
class UpdateScoringSettingsInput:
    revision: str | None = strawberry.field(
        default=None, description="The revision read; a newer one gives CONFLICT."
    )
    weights: PriorityWeightsInput | None = U
    target_days: TierTargetsInput | None = U
    overdue_cap: float | None = U
    never_visited: float | None = U
    demand_points: DemandPointsInput | None = U
    demand_age_days: int | None = U
    demand_cap: float | None = U
    trend_visits: int | None = U
    lifecycle: LifecycleFactorsInput | None = U
    strategic_tags: list[str] | None = U
    effectiveness_days: int | None = U
    faster_ratio: float | None = U
    slower_ratio: float | None = U
    speed_kmh: float | None = U
    road_factor: float | None = U
    visit_minutes: float | None = U
    km_penalty: float | None = U
    max_km_penalty: float | None = U
    check_in_radius_m: float | None = U
    check_in_early_minutes: int | None = U
    max_visit_minutes: int | None = U
    min_counted_minutes: float | None = U
