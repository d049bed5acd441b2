"""planVisits, waiting for the plan, and reading one plan."""

from __future__ import annotations

from models import VisitPlan
from models.common import utc_now
from resolvers import access
from resolvers.common import insert, object_id
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.plans.checks import check_time_limit, opened
from resolvers.plans.jobs import start_plan
from resolvers.plans.request import PlanRequest, check_request, prepare
from resolvers.plans.results import fill_plan, new_plan


async def plan_visits(ctx: Context, req: PlanRequest) -> VisitPlan:
    """Plan the reps' days and store the result as a draft VisitPlan.

    While another request's plan holds the server's worker, the request comes
    back at once as a background plan (status running, as with ``background:
    true``, within the same per-user and per-team limits) rather than waiting
    behind it into the request timeout.
    """
    check_time_limit(req.time_limit, 1, 300, ctx.time_budget, "timeLimitSeconds")
    who = access.principal(ctx)
    check_request(who, req)
    pool = opened(ctx.pool, "solver pool")
    with pool.reserved() as held:
        if not held and ctx.jobs is not None:
            return await start_plan(ctx, req)
        built = await prepare(who, req, utc_now())
        plan = await pool.solve(built.problem, time_limit=req.time_limit, seed=req.seed)
    doc = new_plan(ctx, req, built)
    fill_plan(doc, req, built, plan)
    await insert(doc)
    return doc


async def get_plan(ctx: Context, plan_id: str) -> VisitPlan | None:
    """One plan by id as stored, or ``None``; reading never changes it.

    A plan left running by a server that stopped is marked failed by
    :meth:`resolvers.plans.jobs.PlanJobs.fail_overdue`, not here.
    """
    try:
        oid = object_id(plan_id, "id")
    except Invalid:
        return None
    query = access.restrict({"_id": oid}, access.plan_filter(ctx))
    return await VisitPlan.find_one(query)
