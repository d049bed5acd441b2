"""Visit effectiveness E = sum(R) / sum(T), per group and period, in the database.

R is the result score of a completed visit (0-10), T its actual duration in hours
and, with ``include_travel``, the travel time to it (see docs/scoring.md).
Periods are UTC calendar days, ISO weeks (Monday first) and calendar months.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any

from models import Customer, Rep, Visit
from models.visit import VisitStatus
from resolvers.common import any_of, object_id
from resolvers.errors import Invalid
from resolvers.scoring.common import (
    Rules,
    narrowed,
    scored,
    when_ok,
)
from resolvers.scoring.settings import load_settings
from resolvers.scoring.travel import visit_travel

MAX_PERIODS = 60
MAX_CUSTOM_DAYS = 366
MAX_GROUPS = 100


class Dimension(StrEnum):
    """What E is grouped by."""

    ALL = "all"
    REP = "rep"
    TEAM = "team"
    CUSTOMER = "customer"
    TIER = "tier"
    PURPOSE = "purpose"


class Unit(StrEnum):
    """The length of one period."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    CUSTOM = "custom"


@dataclass(frozen=True)
class PeriodSpec:
    """Consecutive periods: ``count`` of ``unit`` from the one holding ``start``.

    A custom period runs from ``start`` to ``end`` (both included); further
    periods follow it with the same length.
    """

    unit: Unit
    start: date
    end: date | None = None
    count: int = 1


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_bounds(spec: PeriodSpec) -> list[tuple[datetime, datetime]]:
    """The UTC ``[start, end)`` of each period, oldest first."""
    if not 1 <= spec.count <= MAX_PERIODS:
        raise Invalid(f"count must be 1 to {MAX_PERIODS}", field="period.count")
    if spec.unit is Unit.CUSTOM:
        if spec.end is None or spec.end < spec.start:
            raise Invalid(
                "a custom period needs an end on or after its start", "period.end"
            )
        length = (spec.end - spec.start).days + 1
        if length > MAX_CUSTOM_DAYS:
            raise Invalid(
                f"a custom period spans at most {MAX_CUSTOM_DAYS} days", "period.end"
            )
        firsts = [
            spec.start + timedelta(days=length * n) for n in range(spec.count + 1)
        ]
    elif spec.unit is Unit.MONTH:
        firsts = [_add_months(spec.start, n) for n in range(spec.count + 1)]
    else:
        step = 7 if spec.unit is Unit.WEEK else 1
        first = spec.start - timedelta(days=spec.start.weekday() if step == 7 else 0)
        firsts = [first + timedelta(days=step * n) for n in range(spec.count + 1)]
    edges = [datetime.combine(d, time(0), tzinfo=UTC) for d in firsts]
    return list(pairwise(edges))


@dataclass
class Tally:
    """What the visits of one group in one period add up to."""

    visits: int = 0
    unscored: int = 0
    #: Scored visits whose check-in was not VERIFIED (counted all the same).
    unverified: int = 0
    minutes: float = 0.0
    results: float = 0.0
    travel_minutes: float = 0.0

    def add(self, other: Tally) -> None:
        """Add ``other``'s counts to these."""
        self.visits += other.visits
        self.unscored += other.unscored
        self.unverified += other.unverified
        self.minutes += other.minutes
        self.results += other.results
        self.travel_minutes += other.travel_minutes

    def hours(self, include_travel: bool) -> float:
        """T in hours: visit time, and travel time when included."""
        extra = self.travel_minutes if include_travel else 0.0
        return (self.minutes + extra) / 60

    def effectiveness(self, include_travel: bool) -> float | None:
        """E = results per hour, or ``None`` without any scored visit."""
        hours = self.hours(include_travel)
        return None if self.visits == 0 or hours <= 0 else self.results / hours


@dataclass
class Group:
    """E of one rep, team, customer, tier or purpose, overall and per period."""

    key: str | None
    label: str
    series: list[Tally]
    total: Tally = field(default_factory=Tally)
    ref: Any = None

    def trend(self, include_travel: bool) -> float | None:
        """Least-squares slope of E per period, over the periods with visits."""
        points = [
            (n, e)
            for n, t in enumerate(self.series)
            if (e := t.effectiveness(include_travel)) is not None
        ]
        if len(points) < 2:
            return None
        mx = sum(n for n, _ in points) / len(points)
        my = sum(e for _, e in points) / len(points)
        var = sum((n - mx) ** 2 for n, _ in points)
        return sum((n - mx) * (e - my) for n, e in points) / var


@dataclass
class Report:
    """E grouped one way over consecutive periods."""

    dimension: Dimension
    include_travel: bool
    periods: list[tuple[datetime, datetime]]
    groups: list[Group]
    overall: Group


@dataclass(frozen=True)
class Scope:
    """Which completed visits count."""

    rep_ids: list[str] | None = None
    customer_ids: list[str] | None = None
    purposes: list[str] | None = None


def _match(
    scope: Scope, lo: datetime, hi: datetime, rule: dict[str, Any], narrow: bool = True
) -> dict[str, Any]:
    query: dict[str, Any] = {"status": VisitStatus.COMPLETED.value}
    if scope.rep_ids:
        query["rep_id"] = any_of([object_id(r, "repIds") for r in scope.rep_ids])
    if narrow and scope.customer_ids:
        ids = [object_id(c, "customerIds") for c in scope.customer_ids]
        query["customer_id"] = any_of(ids)
    if narrow and scope.purposes:
        query["purpose"] = any_of(scope.purposes)
    query["planned_start"] = {"$gte": lo, "$lt": hi}
    return narrowed(query, rule)


def bucket(bounds: list[tuple[datetime, datetime]]) -> Any:
    """An expression giving the index of the period a visit starts in."""
    if len(bounds) == 1:
        return {"$literal": 0}
    branches = [
        {"case": {"$lt": ["$planned_start", end]}, "then": n}
        for n, (_, end) in enumerate(bounds[:-1])
    ]
    return {"$switch": {"branches": branches, "default": len(bounds) - 1}}


KEYS = {
    Dimension.ALL: None,
    Dimension.REP: "$rep_id",
    Dimension.TEAM: "$rep_id",
    Dimension.CUSTOMER: "$customer_id",
    Dimension.TIER: "$customer_id",
    Dimension.PURPOSE: "$purpose",
}


def tally_pipeline(
    match: dict[str, Any],
    key: Any,
    bounds: list[tuple[datetime, datetime]],
    min_minutes: float = 0.0,
) -> list[dict[str, Any]]:
    """Sum R and T of scored visits per key and period; T counts each visit at
    least ``min_minutes``."""
    fields = scored(min_minutes)
    return [
        {"$match": match},
        {"$project": {"k": key or {"$literal": None}, "b": bucket(bounds), **fields}},
        {
            "$group": {
                "_id": {"k": "$k", "b": "$b"},
                "visits": {"$sum": when_ok(1)},
                "unscored": {"$sum": {"$cond": ["$ok", 0, 1]}},
                "unverified": {"$sum": when_ok("$u")},
                "minutes": {"$sum": when_ok("$t")},
                "results": {"$sum": when_ok("$r")},
            }
        },
    ]


async def _labels(
    dimension: Dimension, keys: set[Any], rules: Rules
) -> tuple[dict[Any, Any], dict[Any, str], dict[Any, Any]]:
    """For each raw key: its group key, the group's label, and its document."""
    if dimension in (Dimension.ALL, Dimension.PURPOSE):
        return {k: k for k in keys}, {k: k or "all visits" for k in keys}, {}
    ids = [k for k in keys if k is not None]
    if not ids:
        return {k: k for k in keys}, dict.fromkeys(keys, "unknown"), {}
    # Keys the caller may not see (a rep, a manager, a customer) go to one group
    # without an id, so a report names no one a direct read would not.
    if dimension in (Dimension.REP, Dimension.TEAM):
        reps = await Rep.find(narrowed({"_id": {"$in": ids}}, rules.reps)).to_list()
        by_id = {r.id: r for r in reps}
        if dimension is Dimension.REP:
            group = {k: k if k in by_id else None for k in keys}
            labels = {k: by_id[k].name for k in keys if k in by_id}
            return group, {**labels, None: "other reps"}, by_id
        heads = {k: (by_id[k].manager_id or k) if k in by_id else None for k in keys}
        managers = await Rep.find(
            narrowed({"_id": {"$in": [h for h in heads.values() if h]}}, rules.reps)
        ).to_list()
        names = {m.id: m.name for m in managers}
        heads = {k: h if h in names else None for k, h in heads.items()}
        labels = {h: f"team of {names[h]}" for h in heads.values() if h is not None}
        return heads, {**labels, None: "other teams"}, {m.id: m for m in managers}
    found = await Customer.find(
        narrowed({"_id": {"$in": ids}}, rules.customers)
    ).to_list()
    by_id = {c.id: c for c in found}
    if dimension is Dimension.CUSTOMER:
        group = {k: k if k in by_id else None for k in keys}
        labels = {k: by_id[k].name for k in keys if k in by_id}
        return group, {**labels, None: "other customers"}, by_id
    tiers = {k: by_id[k].tier.value if k in by_id else None for k in keys}
    return tiers, {t: f"tier {t}" if t else "unknown tier" for t in tiers.values()}, {}


async def effectiveness_report(
    rules: Rules,
    dimension: Dimension,
    spec: PeriodSpec,
    scope: Scope | None = None,
    include_travel: bool = False,
    limit: int = 50,
) -> Report:
    """E per group and period, computed by aggregation pipelines.

    Groups are ordered by their overall E, highest first (groups without scored
    visits last); at most ``limit`` are returned, ``overall`` covers them all.
    """
    if not 1 <= limit <= MAX_GROUPS:
        raise Invalid(f"limit must be 1 to {MAX_GROUPS}", field="limit")
    scope = scope or Scope()
    bounds = period_bounds(spec)
    lo, hi = bounds[0][0], bounds[-1][1]
    match = _match(scope, lo, hi, rules.visits)
    floor = (await load_settings()).min_counted_minutes
    rows = await Visit.aggregate(
        tally_pipeline(match, KEYS[dimension], bounds, floor)
    ).to_list()
    raw: dict[tuple[Any, int], Tally] = defaultdict(Tally)
    for row in rows:
        raw[(row["_id"]["k"], row["_id"]["b"])].add(
            Tally(
                visits=row["visits"],
                unscored=row["unscored"],
                unverified=row["unverified"],
                minutes=float(row["minutes"]),
                results=float(row["results"]),
            )
        )
    if include_travel:
        wanted = {object_id(c, "customerIds") for c in scope.customer_ids or []}
        travel = await visit_travel(
            _match(scope, lo, hi, rules.visits, narrow=False), rules
        )
        for rep_id, customer_id, purpose, start, minutes in travel:
            if (wanted and customer_id not in wanted) or (
                scope.purposes and purpose not in scope.purposes
            ):
                continue
            key = {
                Dimension.ALL: None,
                Dimension.REP: rep_id,
                Dimension.TEAM: rep_id,
                Dimension.PURPOSE: purpose,
            }.get(dimension, customer_id)
            n = next(i for i, (_, end) in enumerate(bounds) if start < end)
            raw[(key, n)].travel_minutes += minutes
    group_of, labels, docs = await _labels(dimension, {k for k, _ in raw}, rules)
    groups: dict[Any, Group] = {}
    overall = Group(key=None, label="all visits", series=[Tally() for _ in bounds])
    for (k, n), tally in raw.items():
        g = group_of[k]
        if g not in groups:
            groups[g] = Group(
                key=None if g is None else str(g),
                label=labels[g],
                series=[Tally() for _ in bounds],
                ref=docs.get(g),
            )
        groups[g].series[n].add(tally)
        groups[g].total.add(tally)
        overall.series[n].add(tally)
        overall.total.add(tally)
    ordered = sorted(
        groups.values(),
        key=lambda g: (-(g.total.effectiveness(include_travel) or -1.0), g.label),
    )
    return Report(dimension, include_travel, bounds, ordered[:limit], overall)
