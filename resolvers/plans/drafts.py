"""acceptVisitPlan and discardVisitPlan: what becomes of a draft plan."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beanie import PydanticObjectId

from models import Visit, VisitPlan
from models.plan import PlanStatus
from models.visit import Purpose, VisitStatus
from resolvers import access, audit
from resolvers.common import (
    fetch,
    fetch_visible,
    in_transaction,
    lock_calendars,
    object_id,
    save,
)
from resolvers.context import Context
from resolvers.errors import Conflict, TransitionRefused
from resolvers.plans.problem import open_demands
from resolvers.visits import find_clash


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
    visits instead). A running plan's computation is stopped (a queued one
    leaves the queue), and a result arriving anyway is not kept."""
    plan = await _plan_to_change(ctx, plan_id)
    if plan.status == PlanStatus.DISCARDED:
        return plan
    if plan.status == PlanStatus.ACCEPTED:
        raise TransitionRefused(
            f"a {plan.status.value} plan cannot be discarded",
            current=plan.status.value,
            requested="discarded",
        )
    was = plan.status
    plan.status = PlanStatus.DISCARDED
    plan.stamp.touch(ctx.actor_id)
    await save(plan)
    if was == PlanStatus.RUNNING and ctx.jobs is not None and plan.id is not None:
        await ctx.jobs.discard(plan.id)
    return plan
