"""Documents in, planner problem out: shifts, opening windows, visit values.

Times in the problem are minutes after ``origin`` (a UTC moment); places are
``(lat, lng)`` with great-circle distances; travel time is that distance times
the road factor, at the configured speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from beanie import PydanticObjectId

import planner
from models import Customer, Demand, Rep, Visit
from models.common import as_utc
from models.visit import ACTIVE_VISIT_STATUSES, VisitStatus
from resolvers.plans.bookings import BOOKED, Bookings, free_windows, min_gap
from resolvers.plans.breaks import shift_breaks
from resolvers.plans.calendar import days, intervals_on
from resolvers.plans.values import ValueParts
from resolvers.scoring.common import Rules
from resolvers.scoring.priority import score_customers
from resolvers.scoring.settings import load_settings

FIXED = "fixed:"
CUSTOMER = "customer:"
#: At most this many further visits of customers (second, third ...) per problem.
MAX_FURTHER_VISITS = 2_500


@dataclass(frozen=True)
class Travel:
    """How travel is costed: speed, detour over the straight line, cost per minute."""

    speed_kmh: float = 30.0
    road_factor: float = 1.3
    cost_per_minute: float = 0.5


@dataclass
class Candidate:
    """A customer the planner may choose, with its value and windows."""

    customer: Customer
    value: ValueParts
    windows: list[tuple[float, float]]
    reps: tuple[str, ...] | None
    demand_ids: list[PydanticObjectId] = field(default_factory=list)
    #: Least minutes between the starts of two visits of the customer; 0 for
    #: one visit at most.
    min_gap: float = 0.0


@dataclass
class Built:
    """A problem and what is needed to read its plan back."""

    problem: planner.Problem
    origin: datetime
    shift_days: dict[tuple[str, int], date]
    candidates: dict[str, Candidate]
    fixed: dict[str, Visit]
    skipped: list[tuple[Customer, ValueParts, str]]


def minutes(moment: datetime, origin: datetime) -> float:
    """Minutes from ``origin`` to ``moment``."""
    return (as_utc(moment) - origin).total_seconds() / 60


def moment(value: float, origin: datetime) -> datetime:
    """The UTC moment ``value`` minutes after ``origin``."""
    return origin + timedelta(minutes=value)


def rep_shifts(
    rep: Rep, first: date, last: date, origin: datetime, not_before: datetime
) -> list[tuple[date, float, float]]:
    """The rep's working days in the range as (day, open, close) minutes.

    A day's shift runs from its first working interval's start to its last one's
    end; a shift already under way starts at ``not_before`` instead. The gaps
    between intervals and the rep's flexible break are breaks inside the shift
    (``resolvers.plans.breaks``, added by :func:`build_problem`).
    """
    shifts = []
    for day in days(first, last):
        spans = intervals_on(day, rep.working_hours, rep.time_zone)
        if not spans:
            continue
        start, end = max(spans[0][0], not_before), spans[-1][1]
        if end - start >= timedelta(minutes=15):
            shifts.append((day, minutes(start, origin), minutes(end, origin)))
    return shifts


def end_of(last: date) -> datetime:
    """A UTC moment after every time zone's end of ``last``."""
    return datetime.combine(last + timedelta(days=2), time(0), tzinfo=UTC)


def customer_windows(
    customer: Customer, first: date, last: date, origin: datetime, duration: float
) -> list[tuple[float, float]]:
    """Start windows on the range's days such that the visit ends before closing."""
    windows = []
    for day in days(first, last):
        for start, end in intervals_on(day, customer.opening_hours, customer.time_zone):
            a, b = minutes(start, origin), minutes(end, origin) - duration
            if b >= a:
                windows.append((a, b))
    return windows


async def last_completed(
    customer_ids: Sequence[PydanticObjectId],
) -> dict[PydanticObjectId, datetime]:
    """The start of each customer's latest completed visit, in one aggregation."""
    rows = await Visit.aggregate(
        [
            {
                "$match": {
                    "customer_id": {"$in": list(customer_ids)},
                    "status": VisitStatus.COMPLETED.value,
                }
            },
            {"$group": {"_id": "$customer_id", "last": {"$max": "$planned_start"}}},
        ]
    ).to_list()
    return {row["_id"]: as_utc(row["last"]) for row in rows}


async def open_demands(
    customer_ids: Sequence[PydanticObjectId],
) -> dict[PydanticObjectId, list[Demand]]:
    """Each customer's open demands, in one query."""
    found: dict[PydanticObjectId, list[Demand]] = {}
    query = {
        "open": True,
        "customer_id": {"$in": list(customer_ids)},
    }
    for demand in await Demand.find(query).to_list():
        found.setdefault(demand.customer_id, []).append(demand)
    return found


async def active_visits(
    rep_ids: Sequence[PydanticObjectId], start: datetime, end: datetime
) -> list[Visit]:
    """Visits of these reps in the period that still take up their time."""
    return await Visit.find(
        {
            "rep_id": {"$in": list(rep_ids)},
            "planned_start": {"$gte": start, "$lt": end},
            "status": {"$in": [s.value for s in ACTIVE_VISIT_STATUSES]},
        }
    ).to_list()


def point(place: object) -> tuple[float, float]:
    """``(lat, lng)`` of a stored GeoJSON point."""
    return (place.lat, place.lng)  # type: ignore[attr-defined]


async def candidates_for(
    customers: Sequence[Customer],
    reps: Sequence[Rep],
    first: date,
    last: date,
    origin: datetime,
    now: datetime,
    visit_minutes: float,
    booked: Bookings | None = None,
) -> tuple[list[Candidate], list[tuple[Customer, ValueParts, str]]]:
    """Value and windows of each customer; those that cannot be visited are skipped.

    A customer's value is its priority score (docs/scoring.md). Its windows leave
    out the times within its minimum gap of a visit in ``booked``.
    """
    ids = [c.id for c in customers if c.id is not None]
    demands = await open_demands(ids)
    settings = await load_settings()
    scores = await score_customers(customers, now, settings, Rules())
    rep_ids = {str(r.id) for r in reps}
    chosen, skipped = [], []
    for customer in customers:
        customer_demands = demands.get(customer.id, [])  # type: ignore[arg-type]
        priority = scores[customer.id]
        value = ValueParts(score=priority.score, summary=priority.summary())
        if customer.location is None:
            skipped.append((customer, value, "no address with a location"))
            continue
        windows = customer_windows(customer, first, last, origin, visit_minutes)
        if customer.opening_hours and not windows:
            skipped.append((customer, value, "closed on every day of the period"))
            continue
        if booked is not None and customer.id in booked:
            # No opening hours means any time: the whole period, then cut.
            whole = [(0.0, minutes(end_of(last), origin))]
            blocked = booked.blocked(customer.id, origin)  # type: ignore[arg-type]
            windows = free_windows(windows or whole, blocked)
            if not windows:
                skipped.append((customer, value, BOOKED))
                continue
        owner = str(customer.owner_id) if customer.owner_id else None
        chosen.append(
            Candidate(
                customer=customer,
                value=value,
                windows=windows,
                reps=(owner,) if owner in rep_ids else None,
                demand_ids=[d.id for d in customer_demands if d.id],
                min_gap=min_gap(customer, settings).total_seconds() / 60,
            )
        )
    return chosen, skipped


def occurrences(
    candidates: Sequence[Candidate], period: tuple[float, float]
) -> list[tuple[str, Candidate]]:
    """Planner visit ids and candidates: each customer once, then again as often
    as its minimum gap fits in its windows (or the period's shifts).

    The first visit of a customer is ``customer:<id>``; the k-th is
    ``customer:<id>:<k>``, worth less (``ValueParts.repeat``) and carrying the
    gap. At most ``MAX_FURTHER_VISITS`` further visits are added, the most
    valuable first. A customer visited once carries no gap (``min_gap`` 0).
    """
    first, extra = [], []
    for cand in candidates:
        lo, hi = period
        if cand.windows:
            lo = max(lo, min(a for a, _ in cand.windows))
            hi = min(hi, max(b for _, b in cand.windows))
        times = 1 + max(0, int((hi - lo) // cand.min_gap)) if cand.min_gap > 0 else 1
        base = f"{CUSTOMER}{cand.customer.id}"
        if times == 1:
            first.append((base, replace(cand, min_gap=0.0)))
            continue
        first.append((base, cand))
        for k in range(2, times + 1):
            again = replace(cand, value=replace(cand.value, repeat=k))
            extra.append((f"{base}:{k}", again))
    extra.sort(key=lambda e: (-e[1].value.total, e[1].value.repeat, e[0]))
    return first + extra[:MAX_FURTHER_VISITS]


def build_problem(
    *,
    name: str,
    reps: Sequence[Rep],
    shifts: dict[str, list[tuple[date, float, float]]],
    candidates: Sequence[Candidate],
    fixed: Sequence[tuple[Visit, tuple[float, float]]],
    origin: datetime,
    travel: Travel,
    visit_minutes: float,
    starts: dict[str, tuple[float, float]] | None = None,
) -> Built:
    """The planner problem for these reps, candidates and fixed visits."""
    planner_reps, shift_days = [], {}
    for rep in reps:
        rid = str(rep.id)
        home = (starts or {}).get(rid) or point(rep.home)
        breaks = []
        for n, (day, a, b) in enumerate(shifts[rid]):
            shift_days[(rid, n)] = day
            breaks += shift_breaks(rep, day, (a, b), origin)
        planner_reps.append(
            planner.Rep(
                id=rid,
                start=home,
                end=point(rep.home),
                shifts=tuple((a, b) for _, a, b in shifts[rid]),
                breaks=tuple(breaks),
            )
        )
    visits, by_id, fixed_by_id = [], {}, {}
    for visit, place in fixed:
        vid = f"{FIXED}{visit.id}"
        fixed_by_id[vid] = visit
        start = minutes(visit.planned_start, origin)
        visits.append(
            planner.Visit(
                id=vid,
                location=place,
                duration=minutes(visit.planned_end, origin) - start,
                windows=((start, start),),
                value=0.0,
                required=True,
                reps=(str(visit.rep_id),),
            )
        )
    opens = [s for spans in shifts.values() for s in spans]
    period = (
        min((a for _, a, _ in opens), default=0.0),
        max((b for _, _, b in opens), default=0.0),
    )
    for vid, cand in occurrences(candidates, period):
        by_id[vid] = cand
        repeated = cand.min_gap > 0
        visits.append(
            planner.Visit(
                id=vid,
                location=point(cand.customer.location),
                duration=visit_minutes,
                windows=tuple(cand.windows),
                value=cand.value.total,
                reps=cand.reps,
                customer=str(cand.customer.id) if repeated else None,
                min_gap=cand.min_gap if repeated else 0.0,
            )
        )
    problem = planner.Problem(
        name=name,
        metric="haversine",
        reps=tuple(planner_reps),
        visits=tuple(visits),
        speed=travel.speed_kmh / 60 / travel.road_factor,
        travel_cost=travel.cost_per_minute,
    )
    return Built(
        problem=problem,
        origin=origin,
        shift_days=shift_days,
        candidates=by_id,
        fixed=fixed_by_id,
        skipped=[],
    )
