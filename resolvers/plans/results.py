"""A planner plan read back into stored plan documents."""

from __future__ import annotations

from beanie import PydanticObjectId

import planner
from models import VisitPlan
from models.plan import (
    PlannedBreak,
    PlannedRoute,
    PlannedStop,
    PlanStatus,
    PlanTotals,
    SolverStats,
    UnservedCustomer,
)
from resolvers.common import object_id
from resolvers.context import Context
from resolvers.plans.problem import Built, moment
from resolvers.plans.request import PlanRequest


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
    doc.infeasible_visit_ids = infeasible_visit_ids(built, plan)
    doc.totals = plan_totals(
        built,
        plan,
        cost_per_minute=req.travel.cost_per_minute,
        visits=sum(1 for r in routes for s in r.stops if not s.fixed),
    )
    doc.solver = solver_stats(plan, seed=req.seed, time_limit=req.time_limit)


def infeasible_visit_ids(built: Built, plan: planner.Plan) -> list[PydanticObjectId]:
    """The calendar visits the plan could not keep at their planned time."""
    ids = [built.fixed[v].id for v in plan.infeasible_required if v in built.fixed]
    return [i for i in ids if i is not None]  # calendar visits are stored: all have one


def plan_totals(
    built: Built, plan: planner.Plan, *, cost_per_minute: float, visits: int
) -> PlanTotals:
    """The plan's objective, value and travel, rounded as stored."""
    return PlanTotals(
        objective=round(plan.objective, 4),
        value=round(plan.value, 4),
        travel_minutes=round(plan.travel, 2),
        travel_cost=round(plan.travel * cost_per_minute, 4),
        visits=visits,
        candidates=len(built.candidates),
    )


def solver_stats(plan: planner.Plan, *, seed: int, time_limit: float) -> SolverStats:
    """Which solver made the plan, how long it took, and how it was asked."""
    return SolverStats(
        name=plan.solver.name if plan.solver else "planner",
        seconds=plan.solver.seconds if plan.solver else 0.0,
        seed=seed,
        time_limit=time_limit,
    )
