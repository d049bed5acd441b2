"""planVisits in the background: the plan is stored at once and computed later.

A request waiting for its plan must finish within the request timeout, so the
planner gets a few seconds at most. A background plan is stored with status
``running`` and returned at once; the planner then runs for up to five minutes
in the background workers of :mod:`resolvers.solver_pool`, and the plan becomes
a ``draft`` (or ``failed``). Clients read it again with ``visitPlan(id)``.

While it runs, the plan's ``progress`` tells the best objective found so far.
A plan left ``running`` by a server that stopped is reported ``failed`` when it
is next read after its time limit and a grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from beanie import PydanticObjectId

from models import VisitPlan
from models.common import as_utc, utc_now
from models.plan import PlanProgress, PlanStatus
from resolvers import access, solver_pool
from resolvers.auth import RateLimited
from resolvers.common import insert, save
from resolvers.context import Context
from resolvers.errors import Conflict
from resolvers.plan_problem import Built
from resolvers.planning import PlanRequest, fill_plan, new_plan, prepare
from resolvers.solver_pool import (
    BACKGROUND_WORKERS,
    check_time_limit,
    run_background_solver,
)

log = logging.getLogger("visitplan.plans")

MAX_SECONDS = 300.0
"""Longest solver time of a background plan."""
GRACE = timedelta(minutes=2)
"""How long after its time limit a plan may still be running before it is
reported failed (the server computing it must have stopped)."""
PROGRESS_EVERY_S = 2.0
"""Seconds between notes of a running plan's best objective so far."""
FAILED = "the planner stopped with an error; plan again"
STOPPED = "the server stopped before the plan was ready; plan again"

_jobs: dict[PydanticObjectId, tuple[asyncio.Task[None], VisitPlan]] = {}
"""The plans this server computes, by id: the task and the stored document."""
_reserved = 0


def busy() -> int:
    """Background plans being stored or computed by this server."""
    return _reserved + len(_jobs)


async def start_plan(ctx: Context, req: PlanRequest) -> VisitPlan:
    """Store a running plan for ``req`` and compute it in the background.

    Raises:
        Invalid: Bad input (as for planVisits; the time limit may be 1-300 s).
        RateLimited: This server already computes its most background plans.
    """
    global _reserved
    check_time_limit(req.time_limit, 1, MAX_SECONDS, None, "timeLimitSeconds")
    # Access and input are checked first, so a refusal says what is wrong with
    # the request before saying that the server is busy.
    built = await prepare(access.principal(ctx), req, utc_now())
    if busy() >= BACKGROUND_WORKERS:
        raise RateLimited(
            f"{BACKGROUND_WORKERS} plans are being computed in the background "
            "already; try again when one is ready"
        )
    _reserved += 1  # until the task exists (storing the plan awaits)
    try:
        doc = new_plan(ctx, req, built)
        await insert(doc)
    finally:
        _reserved -= 1
    plan_id = doc.id
    assert plan_id is not None
    task = asyncio.create_task(_compute(doc, req, built, ctx.actor_id))
    _jobs[plan_id] = (task, doc)
    task.add_done_callback(lambda _: _jobs.pop(plan_id, None))
    return doc


async def _compute(
    doc: VisitPlan, req: PlanRequest, built: Built, actor: PydanticObjectId | None
) -> None:
    key = str(doc.id)
    solving = asyncio.ensure_future(
        run_background_solver(
            built.problem, time_limit=req.time_limit, seed=req.seed, key=key
        )
    )
    try:
        while not (await asyncio.wait({solving}, timeout=PROGRESS_EVERY_S))[0]:
            await _store_progress(doc, solver_pool.progress(key))
        plan = solving.result()
    except asyncio.CancelledError:
        solving.cancel()
        await _fail(doc, STOPPED)
        raise
    except Exception:
        log.exception("background plan %s failed", doc.id)
        await _fail(doc, FAILED)
        return
    finally:
        solver_pool.forget(key)
    fill_plan(doc, req, built, plan)
    doc.stamp.touch(actor)
    # A Conflict means it was discarded while it was computed: that stays.
    with contextlib.suppress(Conflict):
        await save(doc)


async def _store_progress(doc: VisitPlan, best: tuple[float, float] | None) -> None:
    """Note the best objective so far on the running plan (not a change of the
    plan: its revision stays, so a discard meanwhile is not refused)."""
    if best is None:
        return
    progress = PlanProgress(objective=round(best[0], 4), seconds=round(best[1], 3))
    if progress == doc.progress:
        return
    doc.progress = progress
    await VisitPlan.find_one(
        {"_id": doc.id, "status": PlanStatus.RUNNING.value}
    ).update({"$set": {"progress": progress.model_dump()}})


async def _fail(doc: VisitPlan, reason: str) -> None:
    doc.status = PlanStatus.FAILED
    doc.error = reason
    doc.stamp.touch(None)
    with contextlib.suppress(Conflict):
        await save(doc)


def overdue(doc: VisitPlan) -> bool:
    """Whether a running plan should have been ready long ago (and is not being
    computed here): its server stopped."""
    if doc.status != PlanStatus.RUNNING or doc.id in _jobs:
        return False
    created = as_utc(doc.stamp.created_at)
    deadline = created + timedelta(seconds=doc.solver.time_limit) + GRACE
    return utc_now() > deadline


async def mark_overdue(doc: VisitPlan) -> VisitPlan:
    """Report an overdue running plan as failed (stored, so it stays so)."""
    if overdue(doc):
        await _fail(doc, STOPPED)
    return doc


async def wait() -> None:
    """Wait until the background plans being computed now are stored."""
    tasks = [task for task, _ in _jobs.values()]
    if tasks:
        await asyncio.wait(tasks)


async def stop() -> None:
    """Stop computing background plans (on server exit); they are marked failed."""
    jobs = list(_jobs.values())
    tasks = [task for task, _ in jobs]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=10)
    # A task cancelled before it started never got to mark its plan.
    for _, doc in jobs:
        if doc.status == PlanStatus.RUNNING:
            await _fail(doc, STOPPED)
