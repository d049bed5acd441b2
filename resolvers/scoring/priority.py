"""Customer priority: a 0-100 score from overdue days, demands, result trend,
lifecycle, strategic tags and the customer's own effectiveness (docs/scoring.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from beanie import PydanticObjectId
from pydantic import BaseModel, Field

from models import Customer, Demand, Visit
from models.common import as_utc, utc_now
from models.customer import LifecycleStatus, Tier
from models.demand import Priority
from models.scoring import ScoringSettings
from models.visit import VisitStatus
from resolvers.common import object_id
from resolvers.errors import Invalid
from resolvers.scoring.common import (
    VISITABLE,
    Rules,
    days_between,
    mean,
    narrowed,
    ratio,
    scored,
    when_ok,
)
from resolvers.scoring.settings import customer_target_days, load_settings

#: One component's ``(value 0..1, raw measure or None, words)``.
Part = tuple[float, float | None, str]

COMPONENTS = ("overdue", "demands", "trend", "lifecycle", "strategic", "effectiveness")
_PRIORITY_WORDS = {
    Priority.URGENT: "urgent",
    Priority.HIGH: "high-priority",
    Priority.NORMAL: "normal",
    Priority.LOW: "low-priority",
}


@dataclass(frozen=True)
class Component:
    """One part of the score: its value 0-1, weight, and points out of 100."""

    name: str
    value: float
    weight: float
    points: float
    detail: str
    raw: float | None = None


@dataclass(frozen=True)
class History:
    """What a customer's visits and demands say, as of one moment."""

    last_visit: datetime | None = None
    results: tuple[float, ...] = ()  # newest first
    results_sum: float = 0.0
    minutes: float = 0.0
    reference: float | None = None  # E of the owner rep and tier
    demands: tuple[tuple[Priority, float], ...] = ()  # (priority, age in days)


@dataclass(frozen=True)
class CustomerPriority:
    """A customer's score, its parts, and what it suggests."""

    customer: Customer
    score: float
    components: tuple[Component, ...]
    target_days: int
    days_since: float | None
    effectiveness: float | None
    reference: float | None
    suggested_days: int
    reasons: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        """The parts that add points, in a few words."""
        parts = [f"{c.name} {c.points:g}" for c in self.components if c.points]
        return ", ".join(parts) or "no points"


def _overdue(h: History, target: int, now: datetime, s: ScoringSettings) -> Part:
    if h.last_visit is None:
        return s.never_visited, None, "never visited"
    since = max(0.0, days_between(h.last_visit, now))
    value = min(since / target / s.overdue_cap, 1.0)
    late = since - target
    if late >= 1:
        words = f"overdue by {int(late)} days"
    elif late > -1:
        words = "due now"
    else:
        words = f"due in {int(-late)} days"
    return value, round(since, 2), words


def _demands(h: History, s: ScoringSettings) -> Part:
    points = sum(
        getattr(s.demand_points, p.value) * (1 + min(age / s.demand_age_days, 1.0))
        for p, age in h.demands
    )
    counts: dict[Priority, int] = defaultdict(int)
    for p, _ in h.demands:
        counts[p] += 1
    words = ", ".join(
        f"{n} {_PRIORITY_WORDS[p]} demand{'s' if n > 1 else ''}"
        for p in _PRIORITY_WORDS
        if (n := counts.get(p, 0))
    )
    return min(points / s.demand_cap, 1.0), round(points, 2), words or "no open demands"


def _trend(h: History, s: ScoringSettings) -> Part:
    recent = h.results[: s.trend_visits]
    before = h.results[s.trend_visits : 2 * s.trend_visits]
    if not recent or not before:
        return 0.5, None, "too few results for a trend"
    change = (mean(recent) or 0) - (mean(before) or 0)
    word = "rising" if change > 0 else "falling" if change < 0 else "steady"
    words = f"results {word} ({mean(before):.1f} → {mean(recent):.1f})"
    return 0.5 + change / 20, round(change, 2), words


def _effectiveness(h: History, s: ScoringSettings) -> Part:
    own = ratio(h.results_sum, h.minutes / 60)
    rel = None if own is None or not h.reference else own / h.reference
    if rel is None:
        return 0.5, None, "no effectiveness to compare yet"
    words = f"visits here yield {rel:.1f}x the usual results per hour"
    return min(rel / 2, 1.0), round(rel, 2), words


def suggested_days(target: int, relative: float | None, s: ScoringSettings) -> int:
    """A visit interval that follows what visits here produce.

    Customers whose visits yield more than ``faster_ratio`` times the usual
    results per hour are suggested more often (target / ratio, at least half the
    target); below ``slower_ratio``, less often (at most twice the target).
    """
    if relative is None or s.slower_ratio < relative < s.faster_ratio:
        return target
    if relative <= 0:
        return target * 2
    return max(1, round(min(max(target / relative, target / 2), target * 2)))


def score(
    customer: Customer, history: History, now: datetime, s: ScoringSettings
) -> CustomerPriority:
    """The priority of ``customer`` as of ``now`` (pure: no database)."""
    target = customer_target_days(s, customer)
    strategic = {t.lower() for t in customer.tags} & set(s.strategic_tags)
    status = customer.status
    lifecycle = getattr(s.lifecycle, status.value, 0.0) if status in VISITABLE else 0.0
    parts: dict[str, Part] = {
        "overdue": _overdue(history, target, now, s),
        "demands": _demands(history, s),
        "trend": _trend(history, s),
        "lifecycle": (lifecycle, None, f"{status.value} customer"),
        "strategic": (
            1.0 if strategic else 0.0,
            None,
            f"strategic ({', '.join(sorted(strategic))})"
            if strategic
            else "not tagged strategic",
        ),
        "effectiveness": _effectiveness(history, s),
    }
    weights = s.weights.model_dump()
    total_weight = sum(weights.values())
    eligible = status in VISITABLE
    components = []
    for name in COMPONENTS:
        value, raw, words = parts[name]
        value = max(0.0, min(1.0, value))
        points = 100 * weights[name] * value / total_weight if eligible else 0.0
        components.append(
            Component(
                name, round(value, 4), weights[name], round(points, 2), words, raw
            )
        )
    total = round(sum(c.points for c in components), 2) if eligible else 0.0
    rel = parts["effectiveness"][1]
    return CustomerPriority(
        customer=customer,
        score=total,
        components=tuple(components),
        target_days=target,
        days_since=parts["overdue"][1],
        effectiveness=ratio(history.results_sum, history.minutes / 60),
        reference=history.reference,
        suggested_days=suggested_days(target, rel, s),
        reasons=reasons_of(components, eligible, rel, s),
    )


def reasons_of(
    components: Sequence[Component],
    eligible: bool,
    rel: float | None,
    s: ScoringSettings,
) -> tuple[str, ...]:
    """The components worth mentioning, in plain words."""
    if not eligible:
        return ("churned or archived: not to be visited",)
    by = {c.name: c for c in components}
    out = []
    if by["overdue"].detail.startswith(("overdue", "never", "due now")):
        out.append(by["overdue"].detail)
    if by["demands"].raw:
        out.append(by["demands"].detail)
    if by["trend"].raw:
        out.append(by["trend"].detail)
    if by["strategic"].value:
        out.append(by["strategic"].detail)
    if rel is not None and not s.slower_ratio < rel < s.faster_ratio:
        out.append(by["effectiveness"].detail)
    return tuple(out)


async def _visit_history(
    ids: list[PydanticObjectId],
    since: datetime,
    keep: int,
    rules: Rules,
    min_minutes: float = 0.0,
) -> dict[Any, dict[str, Any]]:
    """Last completed visit, newest results and recent sums per customer."""
    recent = {"$gte": ["$planned_start", since]}
    pipeline: list[dict[str, Any]] = [
        {
            "$match": narrowed(
                {"status": VisitStatus.COMPLETED.value, "customer_id": {"$in": ids}},
                rules.visits,
            )
        },
        {
            "$project": {
                "customer_id": 1,
                "planned_start": 1,
                **scored(min_minutes),
            }
        },
        {"$sort": {"customer_id": 1, "planned_start": -1}},
        {
            "$group": {
                "_id": "$customer_id",
                "last": {"$max": "$planned_start"},
                "results": {"$push": "$r"},
                "r": {"$sum": when_ok({"$cond": [recent, "$r", 0]})},
                "t": {"$sum": when_ok({"$cond": [recent, "$t", 0]})},
            }
        },
        {
            "$project": {
                "last": 1,
                "r": 1,
                "t": 1,
                "results": {"$slice": ["$results", keep]},
            }
        },
    ]
    return {row["_id"]: row for row in await Visit.aggregate(pipeline).to_list()}


async def references(
    since: datetime, rules: Rules, min_minutes: float = 0.0
) -> tuple[dict[Any, float], dict[Tier | None, float]]:
    """E of every rep and every tier since ``since``, from one aggregation.

    The tier ``None`` sums the visits to customers that ``rules`` hide. A visit
    counts at least ``min_minutes``.
    """
    match = narrowed(
        {"status": VisitStatus.COMPLETED.value, "planned_start": {"$gte": since}},
        rules.visits,
    )
    rows = await Visit.aggregate(
        [
            {"$match": match},
            {"$project": {"rep_id": 1, "customer_id": 1, **scored(min_minutes)}},
            {
                "$group": {
                    "_id": {"rep": "$rep_id", "customer": "$customer_id"},
                    "r": {"$sum": when_ok("$r")},
                    "t": {"$sum": when_ok("$t")},
                }
            },
        ]
    ).to_list()
    ids = list({row["_id"]["customer"] for row in rows})
    tiers = (
        {}
        if not ids
        else {
            c.id: c.tier
            for c in await Customer.find(
                narrowed({"_id": {"$in": ids}}, rules.customers)
            )
            .project(_TierOnly)
            .to_list()
        }
    )
    reps: dict[Any, list[float]] = defaultdict(lambda: [0.0, 0.0])
    by_tier: dict[Tier | None, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in rows:
        for sums in (
            reps[row["_id"]["rep"]],
            by_tier[tiers.get(row["_id"]["customer"])],
        ):
            sums[0] += row["r"]
            sums[1] += row["t"]

    def e(sums: dict[Any, list[float]]) -> dict[Any, float]:
        return {k: v[0] / (v[1] / 60) for k, v in sums.items() if v[1] > 0}

    return e(reps), e(by_tier)


class _TierOnly(BaseModel):
    """A customer's id and tier, read without the rest of the document."""

    id: PydanticObjectId = Field(alias="_id")
    tier: Tier


async def score_customers(
    customers: Sequence[Customer], now: datetime, s: ScoringSettings, rules: Rules
) -> dict[Any, CustomerPriority]:
    """The priority of each customer, with a fixed number of database reads."""
    ids = [c.id for c in customers if c.id is not None]
    if not ids:
        return {}
    since = now - timedelta(days=s.effectiveness_days)
    floor = s.min_counted_minutes
    visits = await _visit_history(ids, since, 4 * s.trend_visits, rules, floor)
    rep_e, tier_e = await references(since, rules, floor)
    demands: dict[Any, list[tuple[Priority, float]]] = defaultdict(list)
    query = narrowed({"open": True, "customer_id": {"$in": ids}}, rules.demands)
    for d in await Demand.find(query).to_list():
        age = max(0.0, days_between(as_utc(d.stamp.created_at), now))
        demands[d.customer_id].append((d.priority, age))
    out = {}
    for c in customers:
        row = visits.get(c.id, {})
        refs = [e for e in (rep_e.get(c.owner_id), tier_e.get(c.tier)) if e is not None]
        history = History(
            last_visit=as_utc(row["last"]) if row.get("last") else None,
            results=tuple(r for r in row.get("results", []) if r >= 0),
            results_sum=float(row.get("r", 0.0)),
            minutes=float(row.get("t", 0.0)),
            reference=mean(refs),
            demands=tuple(demands.get(c.id, [])),
        )
        out[c.id] = score(c, history, now, s)
    return out


def churned(customer: Customer) -> bool:
    """Whether the customer is out of the running (churned or archived)."""
    return customer.status in (LifecycleStatus.CHURNED, LifecycleStatus.ARCHIVED)


MAX_RANKED = 100
MAX_SCORED = 5_000


async def priority_of(rules: Rules, customer_id: str) -> CustomerPriority | None:
    """One customer's priority now, or ``None`` when it is not visible."""
    cid = object_id(customer_id, "customerId")
    found = await Customer.find_one(narrowed({"_id": cid}, rules.customers))
    if found is None:
        return None
    scores = await score_customers([found], utc_now(), await load_settings(), rules)
    return scores[found.id]


async def ranked(
    rules: Rules, owner_id: str | None, tier: str | None, limit: int
) -> list[CustomerPriority]:
    """Visible customers that may be visited, highest priority first."""
    if not 1 <= limit <= MAX_RANKED:
        raise Invalid(f"limit must be 1 to {MAX_RANKED}", field="limit")
    query: dict[str, Any] = {}
    if owner_id is not None:
        owner = object_id(owner_id, "ownerId")
        if not rules.seen(owner):  # like a made-up id: nothing of theirs
            return []
        query["owner_id"] = owner
    query["status"] = {"$in": [s.value for s in VISITABLE]}
    if tier is not None:
        query["tier"] = tier
    customers = (
        await Customer.find(narrowed(query, rules.customers))
        .limit(MAX_SCORED)
        .to_list()
    )
    scores = await score_customers(customers, utc_now(), await load_settings(), rules)
    ordered = sorted(scores.values(), key=lambda p: (-p.score, p.customer.name))
    return ordered[:limit]
