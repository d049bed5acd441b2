"""replanDay: after a cancellation or a late check-out, re-plan the rest of a day.

What is done or under way stays. The rep starts from where they are (the customer
checked in at, once the visit's planned end is reached, or the last check-out) at
the later of now and that moment; the day's other open visits and the rep's nearest
customers are the candidates. Open visits score a bonus so that the plan keeps them
where it can; the result says what moved, what was added and what was dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from beanie import PydanticObjectId

from models import Customer, Rep, Visit, VisitPlan
from models.common import GeoPoint, as_utc, stored_id, utc_now
from models.plan import PlanChange, PlannedRoute, PlannedStop
from models.visit import VisitStatus
from resolvers import access
from resolvers.common import fetch_visible, haversine_km, insert, object_id
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.plans.bookings import bookings
from resolvers.plans.calendar import intervals_on, local_day_bounds
from resolvers.plans.checks import check_time_limit, check_visit_and_travel, opened
from resolvers.plans.problem import (
    Travel,
    build_problem,
    candidates_for,
    minutes,
    point,
)
from resolvers.plans.results import (
    infeasible_visit_ids,
    plan_totals,
    read_plan,
    solver_stats,
)
from resolvers.scoring.settings import load_settings

#: Added to an open visit's value so that re-planning keeps it unless it must go.
KEEP_BONUS = 50.0
MAX_NEARBY = 200


@dataclass
class ReplanRequest:
    """Whose day, which day, and how hard to try."""

    rep_id: str
    day: date
    time_limit: float = 1.2
    max_candidates: int = MAX_NEARBY
    visit_minutes: float = 45.0
    travel: Travel = field(default_factory=Travel)


def movable(visit: Visit) -> bool:
    """Whether re-planning may move the visit: planned, not confirmed, not pinned."""
    return visit.status == VisitStatus.PLANNED and not visit.pinned


def _position(
    rep: Rep,
    done: list[Visit],
    places: dict[PydanticObjectId, tuple[float, float]],
    now: datetime,
) -> tuple[tuple[float, float], datetime]:
    """Where the rep is free again, and from when."""
    if not done:
        return point(rep.home), now
    last = max(done, key=lambda v: v.planned_start)
    where = places.get(last.customer_id, point(rep.home))
    if last.status == VisitStatus.CHECKED_IN:
        return where, max(now, as_utc(last.planned_end))
    free = as_utc(last.check_out.at) if last.check_out else as_utc(last.planned_end)
    return where, max(now, free)


async def _nearby(
    rep: Rep, where: tuple[float, float], limit: int, exclude: set[PydanticObjectId]
) -> list[Customer]:
    owned = await Customer.find(
        {"owner_id": rep.id, "status": {"$in": ["lead", "active", "dormant"]}}
    ).to_list()
    near = [c for c in owned if c.location and c.id not in exclude]
    centre = GeoPoint.at(*where)
    near.sort(key=lambda c: haversine_km(centre, c.location))  # type: ignore[arg-type]
    return near[:limit]


def _changes(open_visits: list[Visit], routes: list[PlannedRoute]) -> list[PlanChange]:
    """What became of each open visit, and the stops added.

    Stops are matched to open visits by customer; a customer with several stops
    (visits of one customer in one plan) keeps its open visit at the nearest one
    and the others are added.
    """
    planned: dict[PydanticObjectId, list[PlannedStop]] = {}
    for movable_stop in (s for r in routes for s in r.stops if not s.fixed):
        planned.setdefault(movable_stop.customer_id, []).append(movable_stop)
    changes = []
    for visit in open_visits:
        stops = planned.get(visit.customer_id, [])
        stop = min(
            stops,
            key=lambda s: abs(s.start - as_utc(visit.planned_start)),
            default=None,
        )
        if stop is not None:
            stops.remove(stop)
        if stop is None:
            changes.append(
                PlanChange(
                    kind="dropped",
                    customer_id=visit.customer_id,
                    visit_id=visit.id,
                    before=visit.planned_start,
                )
            )
            continue
        stop.visit_id = visit.id
        shift = (stop.start - as_utc(visit.planned_start)).total_seconds() / 60
        changes.append(
            PlanChange(
                kind="moved" if abs(shift) >= 1 else "kept",
                customer_id=visit.customer_id,
                visit_id=visit.id,
                before=visit.planned_start,
                after=stop.start,
                moved_minutes=round(shift, 2),
            )
        )
    changes += [
        PlanChange(kind="added", customer_id=cid, after=s.start)
        for cid, stops in planned.items()
        for s in stops
    ]
    return changes


async def replan_day(ctx: Context, req: ReplanRequest) -> VisitPlan:
    """Re-plan what is left of a rep's day; the result is a draft plan."""
    check_time_limit(req.time_limit, 0.2, 30, ctx.time_budget, "timeLimitSeconds")
    if not 1 <= req.max_candidates <= 1000:
        raise Invalid("maxCandidates must be between 1 and 1000", field="maxCandidates")
    check_visit_and_travel(req.visit_minutes, req.travel)
    who = access.principal(ctx)
    access.check_writer(who)
    rep_id = object_id(req.rep_id, "repId")
    rep = await fetch_visible(Rep, rep_id, access.rep_rule(who), "repId")
    access.check_acts_for(who, rep_id)
    if rep.home is None:
        raise Invalid(
            f"rep {rep.name} has no home location to start from", field="repId"
        )
    now = utc_now()
    day_start, day_end = local_day_bounds(req.day, rep.time_zone)
    spans = intervals_on(req.day, rep.working_hours, rep.time_zone)
    if not spans or spans[-1][1] <= now:
        raise Invalid(
            "the rep's working day is over or the rep does not work that day",
            field="day",
        )
    visits = await Visit.find(
        {"rep_id": rep.id, "planned_start": {"$gte": day_start, "$lt": day_end}}
    ).to_list()
    done = [
        v for v in visits if v.status in (VisitStatus.COMPLETED, VisitStatus.CHECKED_IN)
    ]
    open_visits = [
        v
        for v in visits
        if v.status in (VisitStatus.PLANNED, VisitStatus.CONFIRMED)
        and as_utc(v.planned_start) >= now
    ]
    # Agreed and pinned visits keep their exact time; only the others may move.
    kept = [v for v in open_visits if not movable(v)]
    open_visits = [v for v in open_visits if movable(v)]
    customers = {
        c.id: c
        for c in await Customer.find(
            {"_id": {"$in": [v.customer_id for v in visits]}}
        ).to_list()
    }
    places = {stored_id(c): point(c.location) for c in customers.values() if c.location}
    where, free = _position(rep, done, places, now)
    origin = datetime.combine(req.day - timedelta(days=1), time(0), tzinfo=UTC)
    shift_start = max(free, spans[0][0])
    if spans[-1][1] - shift_start < timedelta(minutes=15):
        raise Invalid("less than 15 minutes of the working day are left", field="day")
    shifts = {
        str(rep.id): [
            (req.day, minutes(shift_start, origin), minutes(spans[-1][1], origin))
        ]
    }
    taken = {v.customer_id for v in visits}
    nearby = await _nearby(rep, where, req.max_candidates, taken)
    # The day's own open visits are re-planned here; only new customers are
    # checked for visits booked elsewhere (other days, other reps).
    booked = await bookings(nearby, shift_start, spans[-1][1], await load_settings())
    pool = [
        customers[v.customer_id] for v in open_visits if v.customer_id in customers
    ] + nearby
    chosen, skipped = await candidates_for(
        pool, [rep], req.day, req.day, origin, now, req.visit_minutes, booked
    )
    keep = {v.customer_id for v in open_visits}
    boosted = [
        replace(
            c,
            value=replace(c.value, bonus=KEEP_BONUS)
            if c.customer.id in keep
            else c.value,
            reps=None,
        )
        for c in chosen
    ]
    built = build_problem(
        name=f"replan {rep.name} {req.day}",
        reps=[rep],
        shifts=shifts,
        candidates=boosted,
        fixed=[(v, places[v.customer_id]) for v in kept if v.customer_id in places],
        origin=origin,
        travel=req.travel,
        visit_minutes=req.visit_minutes,
        starts={str(rep.id): where},
    )
    built.skipped = skipped
    plan = await opened(ctx.pool, "solver pool").solve(
        built.problem, time_limit=req.time_limit, seed=1
    )
    routes, unserved = read_plan(built, plan)
    changes = _changes(open_visits, routes)
    doc = VisitPlan(
        kind="replan",
        rep_ids=[rep.id],
        first_day=req.day,
        last_day=req.day,
        routes=routes,
        unserved=[u for u in unserved if u.customer_id not in keep],
        changes=changes,
        infeasible_visit_ids=infeasible_visit_ids(built, plan),
        totals=plan_totals(
            built,
            plan,
            cost_per_minute=req.travel.cost_per_minute,
            visits=sum(len(r.stops) for r in routes),
        ),
        solver=solver_stats(plan, seed=1, time_limit=req.time_limit),
    )
    doc.stamp.created_by = doc.stamp.updated_by = ctx.actor_id
    await insert(doc)
    return doc
