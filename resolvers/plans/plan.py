"""planVisits, waiting for the plan, and reading one plan."""

from __future__ import annotations

from models import VisitPlan
from models.common import utc_now
from resolvers import access
from resolvers.common import insert, object_id
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.plans.checks import check_time_limit, opened
from resolvers.plans.request import PlanRequest, prepare
from resolvers.plans.results import fill_plan, new_plan


async def plan_visits(ctx: Context, req: PlanRequest) -> VisitPlan:
    """Plan the reps' days and store the result as a draft VisitPlan."""
    check_time_limit(req.time_limit, 1, 300, ctx.time_budget, "timeLimitSeconds")
    now = utc_now()
    built = await prepare(access.principal(ctx), req, now)
    plan = await opened(ctx.pool, "solver pool").solve(
        built.problem, time_limit=req.time_limit, seed=req.seed
    )
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
