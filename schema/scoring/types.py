"""Scoring in the API: the types queries and mutations return."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any

import strawberry

import models
from resolvers.common import revision_of
from resolvers.scoring import coverage as cov
from resolvers.scoring import effectiveness as eff
from resolvers.scoring import priority as prio
from resolvers.scoring import recommendations as rec
from schema.customers import Customer, Tier
from schema.errors import MutationError
from schema.reps import Rep
from schema.scoring.descriptions import (
    DEMAND_POINTS,
    LIFECYCLE,
    SETTINGS,
    TARGETS,
    WEIGHTS,
)


@strawberry.enum(description="What effectiveness is grouped by.")
class EffectivenessGroupBy(enum.Enum):
    _value_: str  # enum_value hides from mypy that values are strings

    ALL = strawberry.enum_value("all", description="One group of all visits.")
    REP = strawberry.enum_value("rep", description="One group per rep.")
    TEAM = strawberry.enum_value(
        "team",
        description="One group per manager's team; a rep without a manager is "
        "their own team.",
    )
    CUSTOMER = strawberry.enum_value("customer", description="One group per customer.")
    TIER = strawberry.enum_value("tier", description="One group per customer tier.")
    PURPOSE = strawberry.enum_value("purpose", description="One group per purpose.")


@strawberry.enum(description="How coverage is grouped.")
class CoverageGroupBy(enum.Enum):
    _value_: str  # enum_value hides from mypy that values are strings

    REP = strawberry.enum_value("rep", description="One row per owner rep.")
    TEAM = strawberry.enum_value(
        "team", description="One row per team (the owner reps' manager)."
    )


@strawberry.enum(description="The length of one period (UTC days, ISO weeks, months).")
class PeriodUnit(enum.Enum):
    _value_: str  # enum_value hides from mypy that values are strings

    DAY = strawberry.enum_value("day", description="A calendar day, UTC.")
    WEEK = strawberry.enum_value(
        "week", description="An ISO week, from Monday 00:00 UTC."
    )
    MONTH = strawberry.enum_value("month", description="A calendar month, UTC.")
    CUSTOM = strawberry.enum_value(
        "custom", description="From start to end, both included, at most 366 days."
    )


@strawberry.type(description="E = ΣR / ΣT of a group in one period, with its counts.")
class EffectivenessValue:
    start: datetime = strawberry.field(description="Period start, UTC.")
    end: datetime = strawberry.field(description="Period end (excluded), UTC.")
    effectiveness: float | None = strawberry.field(
        description="Result points per hour; null without scored visits."
    )
    visits: int = strawberry.field(description="Completed visits with R and T.")
    unscored_visits: int = strawberry.field(
        description="Completed visits left out: no result or no duration."
    )
    unverified_check_ins: int = strawberry.field(
        description="Of `visits`, those whose check-in was not VERIFIED "
        "(OUTSIDE_RADIUS, NO_LOCATION, or recorded before geofencing); they "
        "count in E all the same."
    )
    hours: float = strawberry.field(
        description="T in hours (travel included if asked)."
    )
    visit_hours: float = strawberry.field(
        description="Time at the customers, hours, each visit counted at least "
        "minCountedMinutes."
    )
    travel_hours: float = strawberry.field(
        description="Estimated travel to the visits, hours (0 unless includeTravel)."
    )
    result_sum: float = strawberry.field(description="ΣR.")
    average_result: float | None = strawberry.field(description="ΣR / visits.")
    average_minutes: float | None = strawberry.field(
        description="Average counted visit duration, minutes."
    )

    @classmethod
    def of(cls, t: eff.Tally, span: tuple[datetime, datetime], travel: bool) -> Any:
        """Convert a tally."""
        e = t.effectiveness(travel)
        return cls(
            start=span[0],
            end=span[1],
            effectiveness=None if e is None else round(e, 4),
            visits=t.visits,
            unscored_visits=t.unscored,
            unverified_check_ins=t.unverified,
            hours=round(t.hours(travel), 4),
            visit_hours=round(t.minutes / 60, 4),
            travel_hours=round(t.travel_minutes / 60, 4) if travel else 0.0,
            result_sum=round(t.results, 4),
            average_result=round(t.results / t.visits, 4) if t.visits else None,
            average_minutes=round(t.minutes / t.visits, 2) if t.visits else None,
        )


@strawberry.type(
    description="Effectiveness of one rep, team, customer, tier or purpose."
)
class EffectivenessGroup:
    key: str | None = strawberry.field(
        description="Rep/customer/manager id, tier or purpose; null for all."
    )
    label: str = strawberry.field(description="A name to show.")
    total: EffectivenessValue = strawberry.field(description="Over all periods.")
    periods: list[EffectivenessValue] = strawberry.field(description="Oldest first.")
    trend: float | None = strawberry.field(
        description="Least-squares change of E per period over periods with visits; "
        "null with fewer than two."
    )
    rep: Rep | None = strawberry.field(description="The rep (REP) or manager (TEAM).")
    customer: Customer | None = strawberry.field(description="The customer (CUSTOMER).")

    @classmethod
    def of(cls, g: eff.Group, r: eff.Report) -> Any:
        """Convert a group."""
        whole = (r.periods[0][0], r.periods[-1][1])
        ref = g.ref
        return cls(
            key=g.key,
            label=g.label,
            total=EffectivenessValue.of(g.total, whole, r.include_travel),
            periods=[
                EffectivenessValue.of(t, p, r.include_travel)
                for t, p in zip(g.series, r.periods, strict=True)
            ],
            trend=None if (t := g.trend(r.include_travel)) is None else round(t, 4),
            rep=Rep.from_document(ref) if isinstance(ref, models.Rep) else None,
            customer=Customer.from_document(ref)
            if isinstance(ref, models.Customer)
            else None,
        )


@strawberry.type(description="Effectiveness grouped one way over consecutive periods.")
class EffectivenessReport:
    group_by: EffectivenessGroupBy = strawberry.field(
        description="What the groups are, as asked."
    )
    include_travel: bool = strawberry.field(
        description="Whether T holds estimated travel, as asked."
    )
    groups: list[EffectivenessGroup] = strawberry.field(
        description="Highest E first (at most `limit`)."
    )
    overall: EffectivenessGroup = strawberry.field(description="All visits together.")


@strawberry.type(description="One part of a priority score.")
class ScoreComponent:
    name: str = strawberry.field(
        description="One of overdue, demands, trend, lifecycle, strategic or "
        "effectiveness."
    )
    value: float = strawberry.field(description="0 to 1.")
    weight: float = strawberry.field(description="Its weight in the settings.")
    points: float = strawberry.field(description="100 x weight x value / Σweights.")
    detail: str = strawberry.field(description="In plain words.")
    raw: float | None = strawberry.field(
        description="The measure behind it: days since the last visit, demand "
        "points, result change, or effectiveness relative to the usual."
    )


@strawberry.type(description="A customer's priority score (0-100) and its parts.")
class CustomerPriority:
    customer: Customer = strawberry.field(description="The customer scored.")
    score: float = strawberry.field(description="0 to 100; 0 when churned/archived.")
    components: list[ScoreComponent] = strawberry.field(
        description="The six parts: overdue, demands, trend, lifecycle, strategic "
        "and effectiveness."
    )
    reasons: list[str] = strawberry.field(
        description="What stands out, in plain words."
    )
    target_days: int = strawberry.field(description="Target visit interval, days.")
    days_since_last_visit: float | None = strawberry.field(
        description="Days since the last completed visit; null if never visited."
    )
    effectiveness: float | None = strawberry.field(
        description="E of the visits here in the settings' window (points/hour)."
    )
    reference_effectiveness: float | None = strawberry.field(
        description="Mean of the owner rep's and the tier's E in that window."
    )
    suggested_target_days: int = strawberry.field(
        description="Visit interval suggested by the effectiveness here."
    )

    @classmethod
    def of(cls, p: prio.CustomerPriority) -> CustomerPriority:
        """Convert a priority."""
        return cls(
            customer=Customer.from_document(p.customer),
            score=p.score,
            components=[
                ScoreComponent(
                    name=c.name,
                    value=c.value,
                    weight=c.weight,
                    points=c.points,
                    detail=c.detail,
                    raw=c.raw,
                )
                for c in p.components
            ],
            reasons=list(p.reasons),
            target_days=p.target_days,
            days_since_last_visit=p.days_since,
            effectiveness=None
            if p.effectiveness is None
            else round(p.effectiveness, 4),
            reference_effectiveness=None
            if p.reference is None
            else round(p.reference, 4),
            suggested_target_days=p.suggested_days,
        )


@strawberry.type(description="A free time in the rep's day for the visit.")
class Slot:
    start: datetime = strawberry.field(description="UTC.")
    end: datetime = strawberry.field(description="UTC.")
    travel_minutes: float = strawberry.field(description="Travel to get there.")
    detour_minutes: float = strawberry.field(
        description="Travel added to the day compared with skipping the visit."
    )


@strawberry.type(description="A customer the rep should visit, and why.")
class Recommendation:
    customer: Customer = strawberry.field(description="The customer to visit.")
    rank: float = strawberry.field(
        description="Priority score less the distance penalty; the list's order."
    )
    score: float = strawberry.field(description="The customer's priority, 0 to 100.")
    reasons: list[str] = strawberry.field(description="In plain words.")
    distance_km: float | None = strawberry.field(
        description="Great-circle km from `near`, the nearest visit that day, or home."
    )
    slot: Slot | None = strawberry.field(
        description="Best free slot within the opening hours; null if none fits."
    )
    priority: CustomerPriority = strawberry.field(
        description="The customer's priority score and its parts."
    )

    @classmethod
    def of(cls, r: rec.Recommendation) -> Recommendation:
        """Convert a recommendation."""
        s = r.slot
        return cls(
            customer=Customer.from_document(r.priority.customer),
            rank=r.rank,
            score=r.priority.score,
            reasons=list(r.reasons),
            distance_km=rec.rounded_km(r.distance_km),
            slot=None
            if s is None
            else Slot(
                start=s.start,
                end=s.end,
                travel_minutes=s.travel_in,
                detour_minutes=s.detour,
            ),
            priority=CustomerPriority.of(r.priority),
        )


@strawberry.type(description="Customers of a tier and how many were covered.")
class TierCoverage:
    tier: Tier | None = strawberry.field(description="Null for all tiers together.")
    customers: int = strawberry.field(
        description="Lead, active and dormant customers counted."
    )
    covered: int = strawberry.field(
        description="Never more than their target interval without a completed visit."
    )
    share: float | None = strawberry.field(
        description="Share covered: covered / customers; null if 0."
    )

    @classmethod
    def of(cls, t: cov.TierCoverage) -> TierCoverage:
        """Convert a tier's coverage."""
        share = t.share
        return cls(
            tier=t.tier,
            customers=t.customers,
            covered=t.covered,
            share=None if share is None else round(share, 4),
        )


@strawberry.type(description="Coverage of one rep's or team's customers.")
class Coverage:
    key: str | None = strawberry.field(description="The rep's or manager's id.")
    label: str = strawberry.field(description="A name to show.")
    tiers: list[TierCoverage] = strawberry.field(description="A, B and C.")
    total: TierCoverage = strawberry.field(description="All tiers together.")
    unverified_check_ins: int = strawberry.field(
        description="Completed visits in the period, of these customers, whose "
        "check-in was not VERIFIED; they count towards coverage all the same."
    )


@strawberry.type(description="Weights of the priority components (any scale, ≥ 0).")
class PriorityWeights:
    overdue: float = strawberry.field(description=WEIGHTS["overdue"])
    demands: float = strawberry.field(description=WEIGHTS["demands"])
    trend: float = strawberry.field(description=WEIGHTS["trend"])
    lifecycle: float = strawberry.field(description=WEIGHTS["lifecycle"])
    strategic: float = strawberry.field(description=WEIGHTS["strategic"])
    effectiveness: float = strawberry.field(description=WEIGHTS["effectiveness"])


@strawberry.type(description="Target visit interval per tier, days (1 to 3650).")
class TierTargets:
    a: int = strawberry.field(description=TARGETS["a"])
    b: int = strawberry.field(description=TARGETS["b"])
    c: int = strawberry.field(description=TARGETS["c"])


@strawberry.type(description="Points of one open demand by priority (0 to 1000).")
class DemandPoints:
    urgent: float = strawberry.field(description=DEMAND_POINTS["urgent"])
    high: float = strawberry.field(description=DEMAND_POINTS["high"])
    normal: float = strawberry.field(description=DEMAND_POINTS["normal"])
    low: float = strawberry.field(description=DEMAND_POINTS["low"])


@strawberry.type(description="Lifecycle component per status, 0 to 1.")
class LifecycleFactors:
    lead: float = strawberry.field(description=LIFECYCLE["lead"])
    active: float = strawberry.field(description=LIFECYCLE["active"])
    dormant: float = strawberry.field(description=LIFECYCLE["dormant"])


@strawberry.type(
    description="Everything the scores are computed with (docs/scoring.md)."
)
class ScoringSettings:
    revision: str = strawberry.field(description="Send back with updates.")
    weights: PriorityWeights = strawberry.field(description=SETTINGS["weights"])
    target_days: TierTargets = strawberry.field(description=SETTINGS["target_days"])
    overdue_cap: float = strawberry.field(description=SETTINGS["overdue_cap"])
    never_visited: float = strawberry.field(description=SETTINGS["never_visited"])
    demand_points: DemandPoints = strawberry.field(
        description=SETTINGS["demand_points"]
    )
    demand_age_days: int = strawberry.field(description=SETTINGS["demand_age_days"])
    demand_cap: float = strawberry.field(description=SETTINGS["demand_cap"])
    trend_visits: int = strawberry.field(description=SETTINGS["trend_visits"])
    lifecycle: LifecycleFactors = strawberry.field(description=SETTINGS["lifecycle"])
    strategic_tags: list[str] = strawberry.field(description=SETTINGS["strategic_tags"])
    effectiveness_days: int = strawberry.field(
        description=SETTINGS["effectiveness_days"]
    )
    faster_ratio: float = strawberry.field(description=SETTINGS["faster_ratio"])
    slower_ratio: float = strawberry.field(description=SETTINGS["slower_ratio"])
    speed_kmh: float = strawberry.field(description=SETTINGS["speed_kmh"])
    road_factor: float = strawberry.field(description=SETTINGS["road_factor"])
    visit_minutes: float = strawberry.field(description=SETTINGS["visit_minutes"])
    km_penalty: float = strawberry.field(description=SETTINGS["km_penalty"])
    max_km_penalty: float = strawberry.field(description=SETTINGS["max_km_penalty"])
    check_in_radius_m: float = strawberry.field(
        description=SETTINGS["check_in_radius_m"]
    )
    check_in_early_minutes: int = strawberry.field(
        description=SETTINGS["check_in_early_minutes"]
    )
    max_visit_minutes: int = strawberry.field(description=SETTINGS["max_visit_minutes"])
    min_counted_minutes: float = strawberry.field(
        description=SETTINGS["min_counted_minutes"]
    )

    @classmethod
    def from_document(cls, doc: models.ScoringSettings) -> ScoringSettings:
        """Convert the stored settings."""
        return cls(
            revision=revision_of(doc),
            weights=PriorityWeights(**doc.weights.model_dump()),
            target_days=TierTargets(**doc.target_days.model_dump()),
            overdue_cap=doc.overdue_cap,
            never_visited=doc.never_visited,
            demand_points=DemandPoints(**doc.demand_points.model_dump()),
            demand_age_days=doc.demand_age_days,
            demand_cap=doc.demand_cap,
            trend_visits=doc.trend_visits,
            lifecycle=LifecycleFactors(**doc.lifecycle.model_dump()),
            strategic_tags=list(doc.strategic_tags),
            effectiveness_days=doc.effectiveness_days,
            faster_ratio=doc.faster_ratio,
            slower_ratio=doc.slower_ratio,
            speed_kmh=doc.speed_kmh,
            road_factor=doc.road_factor,
            visit_minutes=doc.visit_minutes,
            km_penalty=doc.km_penalty,
            max_km_penalty=doc.max_km_penalty,
            check_in_radius_m=doc.check_in_radius_m,
            check_in_early_minutes=doc.check_in_early_minutes,
            max_visit_minutes=doc.max_visit_minutes,
            min_counted_minutes=doc.min_counted_minutes,
        )


@strawberry.type(description="The settings after the change.")
class ScoringSettingsPayload:
    settings: ScoringSettings = strawberry.field(
        description="The settings as now stored."
    )


UpdateScoringSettingsResult = Annotated[
    ScoringSettingsPayload | MutationError,
    strawberry.union(
        "UpdateScoringSettingsResult", description="The new settings, or why not."
    ),
]
