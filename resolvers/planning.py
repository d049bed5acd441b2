"""planVisits, acceptVisitPlan and discardVisitPlan: the planner applied to the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from beanie import PydanticObjectId

import planner
from models import Customer, Rep, Visit, VisitPlan
from models.common import utc_now
from models.customer import LifecycleStatus
from models.plan import (
    PlannedBreak,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
    PlanTotals,
    SolverStats,
    UnservedCustomer,
)
from models.visit import Purpose, VisitStatus
from planner.solve import MAX_SEED
from resolvers import access, audit
from resolvers.access import Principal
from resolvers.bookings import bookings
from resolvers.common import (
    fetch,
    fetch_visible,
    in_transaction,
    insert,
    lock_calendars,
    object_id,
    save,
)
from resolvers.context import Context
from resolvers.customers import CustomerFilter, customer_query
from resolvers.errors import Conflict, Invalid, TransitionRefused
from resolvers.plan_problem import (
    Built,
    Travel,
    active_visits,
    build_problem,
    candidates_for,
    moment,
    open_demands,
    point,
    rep_shifts,
)
from resolvers.scoring.settings import load_settings
from resolvers.solver_pool import check_time_limit, run_solver
from resolvers.visits import find_clash

MAX_DAYS = 31
MAX_CANDIDATES = 5_000
PLANNABLE = [
    LifecycleStatus.LEAD.value,
    LifecycleStatus.ACTIVE.value,
    LifecycleStatus.DORMANT.value,
]


@dataclass
class PlanRequest:
    """What to plan: whose days, which days, which customers, and how."""

    rep_ids: list[str]
    first_day: date
    last_day: date
    customer_filter: CustomerFilter | None = None
    visit_minutes: float = 45.0
    travel: Travel = field(default_factory=Travel)
    time_limit: float = 5.0
    seed: int = 1
    max_candidates: int = 2_500


def _check(req: PlanRequest) -> None:
    if not req.rep_ids:
        raise Invalid("name at least one rep", field="repIds")
    if req.last_day < req.first_day:
        raise Invalid("lastDay must not be before firstDay", field="lastDay")
    if (req.last_day - req.first_day).days >= MAX_DAYS:
        raise Invalid(f"plan at most {MAX_DAYS} days at once", field="lastDay")
    check_visit_and_travel(req.visit_minutes, req.travel)
    if not 0 <= req.seed <= MAX_SEED:
        raise Invalid(f"seed must be between 0 and {MAX_SEED}", field="seed")
    if not 1 <= req.max_candidates <= MAX_CANDIDATES:
        raise Invalid(
            f"maxCandidates must be between 1 and {MAX_CANDIDATES}",
            field="maxCandidates",
        )


def check_visit_and_travel(visit_minutes: float, travel: Travel) -> None:
    """Refuse a visit length or travel settings outside sensible bounds.

    Raises:
        Invalid: Naming the first input field out of bounds.
    """
    checks = [
        (visit_minutes, 5, 480, "visitMinutes"),
        (travel.speed_kmh, 1, 200, "speedKmh"),
        (travel.road_factor, 1, 3, "roadFactor"),
        (travel.cost_per_minute, 0, 1000, "travelCostPerMinute"),
    ]
    for value, low, high, name in checks:
        if not low <= value <= high:
            raise Invalid(f"{name} must be between {low:g} and {high:g}", field=name)


async def _reps(who: Principal, raw_ids: list[str]) -> list[Rep]:
    reps = []
    for raw in dict.fromkeys(raw_ids):
        rep_id = object_id(raw, "repIds")
        rep = await fetch_visible(Rep, rep_id, access.rep_rule(who), "repIds")
        access.check_acts_for(who, rep_id)
        if not rep.active:
            raise Invalid(f"rep {rep.name} is disabled", field="repIds")
        if rep.home is None:
            raise Invalid(
                f"rep {rep.name} has no home location to start from", field="repIds"
            )
        reps.append(rep)
    return reps


async def _customers(
    who: Principal, req: PlanRequest, reps: list[Rep]
) -> list[Customer]:
    flt = req.customer_filter or CustomerFilter(owner_ids=[str(r.id) for r in reps])
    if flt.statuses is None:
        flt.statuses = PLANNABLE
    query = access.restrict(customer_query(flt, None, who), access.customer_rule(who))
    found = await Customer.find(query).limit(MAX_CANDIDATES + 1).to_list()
    if len(found) > MAX_CANDIDATES:
        raise Invalid(
            f"more than {MAX_CANDIDATES} customers match; narrow the filter",
            field="customerFilter",
        )
    return found


async def prepare(who: Principal, req: PlanRequest, now: datetime) -> Built:
    """Turn a plan request into a planner problem, within ``who``'s rights."""
    access.check_writer(who)
    _check(req)
    reps = await _reps(who, req.rep_ids)
    origin = datetime.combine(req.first_day - timedelta(days=1), time(0), tzinfo=UTC)
    end = datetime.combine(req.last_day + timedelta(days=2), time(0), tzinfo=UTC)
    shifts = {
        str(r.id): rep_shifts(r, req.first_day, req.last_day, origin, now) for r in reps
    }
    if not any(shifts.values()):
        raise Invalid("none of the reps works on these days", field="firstDay")
    fixed_visits = [
        v
        for v in await active_visits([r.id for r in reps], now, end)
        if v.planned_start >= now
    ]
    busy = {v.customer_id for v in fixed_visits}
    customers = await _customers(who, req, reps)
    opens = [(a, b) for spans in shifts.values() for _, a, b in spans]
    booked = await bookings(
        customers,
        moment(min(a for a, _ in opens), origin),
        moment(max(b for _, b in opens), origin),
        await load_settings(),
    )
    chosen, skipped = await candidates_for(
        customers,
        reps,
        req.first_day,
        req.last_day,
        origin,
        now,
        req.visit_minutes,
        booked,
    )
    chosen.sort(key=lambda c: -c.value.total)
    for extra in chosen[req.max_candidates :]:
        skipped.append(
            (extra.customer, extra.value, "not among the most valuable candidates")
        )
    places = {
        c.id: point(c.location)
        for c in await Customer.find({"_id": {"$in": list(busy)}}).to_list()
        if c.location
    }
    fixed = [
        (v, places[v.customer_id]) for v in fixed_visits if v.customer_id in places
    ]
    built = build_problem(
        name=f"plan {req.first_day}..{req.last_day}",
        reps=reps,
        shifts=shifts,
        candidates=chosen[: req.max_candidates],
        fixed=fixed,
        origin=origin,
        travel=req.travel,
        visit_minutes=req.visit_minutes,
    )
    built.skipped = skipped
    return built


def read_plan(
    built: Built, plan: planner.Plan
) -> tuple[list[PlannedRoute], list[UnservedCustomer]]:
    """The planner's routes and unserved visits as stored sub-documents.

    Service starts are moved up to whole minutes where the route still fits (the
    origin is a midnight UTC, so these are whole minutes of the clock too).
    """
    plan = planner.snap_starts(built.problem, plan, 1.0)
    routes = []
    for route in plan.routes:
        stops, previous = [], route.depart

        def paused(a: float, b: float, route: planner.Route = route) -> float:
            """Minutes of breaks between ``a`` and ``b`` (not travel)."""
            return sum(max(0.0, min(b, k.end) - max(a, k.start)) for k in route.breaks)

        for stop in route.stops:
            cand = built.candidates.get(stop.visit)
            fixed = built.fixed.get(stop.visit)
            customer_id = cand.customer.id if cand else fixed.customer_id  # type: ignore[union-attr]
            stops.append(
                PlannedStop(
                    customer_id=customer_id,
                    arrive=moment(stop.arrive, built.origin),
                    start=moment(stop.start, built.origin),
                    end=moment(stop.end, built.origin),
                    value=cand.value.total if cand else 0.0,
                    reason=cand.value.explain() if cand else "already in the calendar",
                    travel_minutes=round(
                        stop.arrive - previous - paused(previous, stop.arrive), 2
                    ),
                    visit_id=fixed.id if fixed else None,
                    fixed=fixed is not None,
                )
            )
            previous = stop.end
        travel = sum(s.travel_minutes for s in stops)
        back_leg = route.return_ - previous - paused(previous, route.return_)
        routes.append(
            PlannedRoute(
                rep_id=PydanticObjectId(route.rep),
                day=built.shift_days[(route.rep, route.shift)],
                depart=moment(route.depart, built.origin),
                back=moment(route.return_, built.origin),
                travel_minutes=round(travel + back_leg, 2),
                stops=stops,
                breaks=[
                    PlannedBreak(
                        start=moment(k.start, built.origin),
                        end=moment(k.end, built.origin),
                    )
                    for k in sorted(route.breaks, key=lambda k: k.start)
                ],
            )
        )
    # A customer is unserved when none of its visits is; its first one tells why.
    served = {
        built.candidates[s.visit].customer.id
        for r in plan.routes
        for s in r.stops
        if s.visit in built.candidates
    }
    unserved = [
        UnservedCustomer(
            customer_id=c.customer.id,
            value=c.value.total,
            reason=plan.reason(vid) or "not chosen",
        )
        for vid, c in built.candidates.items()
        if c.value.repeat == 1 and c.customer.id not in served
    ]
    unserved += [
        UnservedCustomer(customer_id=c.id, value=v.total, reason=why)
        for c, v, why in built.skipped
    ]
    return routes, unserved


def new_plan(ctx: Context, req: PlanRequest, built: Built) -> VisitPlan:
    """A plan document for ``req`` with no routes yet (status running)."""
    doc = VisitPlan(
        status=PlanStatus.RUNNING,
        rep_ids=[object_id(r, "repIds") for r in dict.fromkeys(req.rep_ids)],
        first_day=req.first_day,
        last_day=req.last_day,
        totals=PlanTotals(
            objective=0.0,
            value=0.0,
            travel_minutes=0.0,
            travel_cost=0.0,
            visits=0,
            candidates=len(built.candidates),
        ),
        solver=SolverStats(
            name="planner", seconds=0.0, seed=req.seed, time_limit=req.time_limit
        ),
        settings={
            "visitMinutes": req.visit_minutes,
            "speedKmh": req.travel.speed_kmh,
            "roadFactor": req.travel.road_factor,
            "travelCostPerMinute": req.travel.cost_per_minute,
        },
    )
    doc.stamp.created_by = doc.stamp.updated_by = ctx.actor_id
    return doc


def fill_plan(
    doc: VisitPlan, req: PlanRequest, built: Built, plan: planner.Plan
) -> None:
    """Put the planner's routes, unserved customers and totals into ``doc``; it
    becomes a draft."""
    routes, unserved = read_plan(built, plan)
    doc.status = PlanStatus.DRAFT
    doc.progress = None
    doc.routes = routes
    doc.unserved = unserved
    doc.infeasible_visit_ids = [
        built.fixed[v].id for v in plan.infeasible_required if v in built.fixed
    ]
    doc.totals = PlanTotals(
        objective=round(plan.objective, 4),
        value=round(plan.value, 4),
        travel_minutes=round(plan.travel, 2),
        travel_cost=round(plan.travel * req.travel.cost_per_minute, 4),
        visits=sum(1 for r in routes for s in r.stops if not s.fixed),
        candidates=len(built.candidates),
    )
    doc.solver = SolverStats(
        name=plan.solver.name if plan.solver else "planner",
        seconds=plan.solver.seconds if plan.solver else 0.0,
        seed=req.seed,
        time_limit=req.time_limit,
    )


async def plan_visits(ctx: Context, req: PlanRequest) -> VisitPlan:
    """Plan the reps' days and store the result as a draft VisitPlan."""
    check_time_limit(req.time_limit, 1, 300, ctx.time_budget, "timeLimitSeconds")
    now = utc_now()
    built = await prepare(access.principal(ctx), req, now)
    plan = await run_solver(built.problem, time_limit=req.time_limit, seed=req.seed)
    doc = new_plan(ctx, req, built)
    fill_plan(doc, req, built, plan)
    await insert(doc)
    return doc


async def get_plan(ctx: Context, plan_id: str) -> VisitPlan | None:
    """One plan by id, or ``None``."""
    try:
        oid = object_id(plan_id, "id")
    except Invalid:
        return None
    query = access.restrict({"_id": oid}, access.plan_filter(ctx))
    doc = await VisitPlan.find_one(query)
    if doc is None:
        return None
    # plan_jobs builds on this module, hence the import here.
    from resolvers import plan_jobs

    return await plan_jobs.mark_overdue(doc)


def _new_visits(
    plan: VisitPlan, purpose: Purpose, demands: dict[Any, list[Any]]
) -> list[Visit]:
    """Visits for the plan's new stops (not those already in the calendar).

    A customer's open demands go to its earliest new visit of the plan only.
    """
    new = [
        (r.rep_id, s)
        for r in plan.routes
        for s in r.stops
        if not s.fixed and s.visit_id is None
    ]
    earliest: dict[Any, datetime] = {}
    for _, s in new:
        earliest[s.customer_id] = min(s.start, earliest.get(s.customer_id, s.start))
    return [
        Visit(
            customer_id=s.customer_id,
            rep_id=rep_id,
            purpose=purpose,
            agenda="Planned by visitplan",
            planned_start=s.start,
            planned_end=s.end,
            plan_id=plan.id,
            demand_ids=demands.get(s.customer_id, [])
            if s.start == earliest[s.customer_id]
            else [],
        )
        for rep_id, s in new
    ]


async def _clashes(visits: list[Visit], skip: set[Any], session: Any) -> None:
    for visit in visits:
        clash = await find_clash(
            visit.rep_id, visit.planned_start, visit.planned_end, skip, session
        )
        if clash is not None:
            raise Conflict(
                f"the calendar changed since planning: visit {clash.id} now "
                "overlaps the plan; plan again",
                field="id",
            )


async def _plan_to_change(ctx: Context, plan_id: str) -> VisitPlan:
    who = access.principal(ctx)
    access.check_writer(who)
    rule = access.plan_rule(who)
    plan = await fetch_visible(VisitPlan, object_id(plan_id, "id"), rule)
    for rep_id in plan.rep_ids:
        access.check_acts_for(who, rep_id)
    return plan


async def accept_plan(ctx: Context, plan_id: str, purpose: Purpose) -> VisitPlan:
    """Create the plan's visits, exactly once however often this is called.

    Everything is read again and written in one transaction that first writes
    the calendar document of each of the plan's reps (``lock_calendars``), so
    it cannot overlap a visit booked meanwhile. Of simultaneous accepts one
    commits; the others, run again, find the plan accepted and return it.
    """
    plan_oid = (await _plan_to_change(ctx, plan_id)).id

    async def accept(session: Any) -> VisitPlan:
        plan = await VisitPlan.get(plan_oid, session=session)
        if plan is None:
            raise Conflict(f"plan {plan_oid} was removed meanwhile", field="id")
        return await _accept(ctx, plan, purpose, session)

    try:
        return await in_transaction(VisitPlan, accept)
    except Conflict:
        # Without transactions a simultaneous accept shows as a stale revision.
        again = await fetch(VisitPlan, plan_oid)  # type: ignore[arg-type]
        if again.status == PlanStatus.ACCEPTED:
            return again
        raise


async def _accept(
    ctx: Context, plan: VisitPlan, purpose: Purpose, session: Any
) -> VisitPlan:
    if plan.status == PlanStatus.ACCEPTED:
        return plan
    if plan.status != PlanStatus.DRAFT:
        raise TransitionRefused(
            f"a {plan.status.value} plan cannot be accepted",
            current=plan.status.value,
            requested="accepted",
        )
    await lock_calendars([*plan.rep_ids, *(r.rep_id for r in plan.routes)], session)
    demands = await open_demands([s.customer_id for r in plan.routes for s in r.stops])
    visits = _new_visits(
        plan, purpose, {k: [d.id for d in v] for k, v in demands.items()}
    )
    changed = await _replan_changes(plan, session)
    await _clashes(visits, {v.id for v in changed}, session)
    for visit in visits:
        visit.id = PydanticObjectId()
        visit.stamp.created_by = visit.stamp.updated_by = ctx.actor_id
    plan.status = PlanStatus.ACCEPTED
    plan.created_visit_ids = [v.id for v in visits if v.id]
    plan.stamp.touch(ctx.actor_id)
    # The revision check makes the draft → accepted step happen once only.
    await save(plan, session)
    for visit in changed:
        await save(visit, session)
    if visits:
        await Visit.insert_many(visits, session=session)
        for visit in visits:
            audit.note(visit, "created", None)
    return plan


async def _replan_changes(plan: VisitPlan, session: Any = None) -> list[Visit]:
    """The existing visits a re-plan moves or drops, changed but not yet saved."""
    moves = {c.visit_id: c for c in plan.changes if c.kind in ("moved", "dropped")}
    if not moves:
        return []
    query = {"_id": {"$in": list(moves)}}
    visits = await Visit.find(query, session=session).to_list()
    for visit in visits:
        change = moves[visit.id]
        if visit.status not in (VisitStatus.PLANNED, VisitStatus.CONFIRMED):
            raise Conflict(
                f"visit {visit.id} is {visit.status.value} now; re-plan again",
                field="id",
            )
        if change.kind == "dropped":
            visit.status = VisitStatus.CANCELLED
            visit.cancel_reason = "dropped when the day was re-planned"
            continue
        stop = next(s for r in plan.routes for s in r.stops if s.visit_id == visit.id)
        visit.planned_start, visit.planned_end = stop.start, stop.end
        visit.status = VisitStatus.PLANNED
    return visits


async def discard_plan(ctx: Context, plan_id: str) -> VisitPlan:
    """Drop a draft, running or failed plan; an accepted plan stays (cancel its
    visits instead). A running plan's result is not kept when it arrives."""
    plan = await _plan_to_change(ctx, plan_id)
    if plan.status == PlanStatus.DISCARDED:
        return plan
    if plan.status == PlanStatus.ACCEPTED:
        raise TransitionRefused(
            f"a {plan.status.value} plan cannot be discarded",
            current=plan.status.value,
            requested="discarded",
        )
    plan.status = PlanStatus.DISCARDED
    plan.stamp.touch(ctx.actor_id)
    await save(plan)
    return plan
