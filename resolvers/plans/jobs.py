"""planVisits in the background: the plan is stored at once and computed later.

A request waiting for its plan must finish within the request timeout, so the
planner gets a few seconds at most. A background plan is stored with status
``running`` and returned at once; the planner then runs for up to five minutes
in the background workers of the :class:`~resolvers.plans.pool.SolverPool`,
and the plan becomes a ``draft`` (or ``failed``). Clients read it again with
``visitPlan(id)``.

While it runs, the plan's ``progress`` tells the best objective found so far.
A plan left ``running`` by a server that stopped is marked ``failed`` by
:meth:`PlanJobs.fail_overdue` once its time limit and a grace period are over:
the server does so when it starts and then every ``SWEEP_EVERY_S`` seconds.
Reading a plan never changes it.
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
from resolvers import access
from resolvers.auth import RateLimited
from resolvers.common import insert, save
from resolvers.context import Context
from resolvers.errors import Conflict
from resolvers.plans.checks import check_time_limit, opened
from resolvers.plans.pool import SolverPool
from resolvers.plans.problem import Built
from resolvers.plans.request import PlanRequest, prepare
from resolvers.plans.results import fill_plan, new_plan

log = logging.getLogger("visitplan.plans")

MAX_SECONDS = 300.0
"""Longest solver time of a background plan."""
GRACE = timedelta(minutes=2)
"""How long after its time limit a plan may still be running before it is
reported failed (the server computing it must have stopped)."""
PROGRESS_EVERY_S = 2.0
"""Seconds between notes of a running plan's best objective so far."""
SWEEP_EVERY_S = 30.0
"""Seconds between two looks for plans left running by a stopped server."""
FAILED = "the planner stopped with an error; plan again"
STOPPED = "the server stopped before the plan was ready; plan again"


class PlanJobs:
    """The background plans this server computes; opened and stopped by its
    lifespan.

    Args:
        pool: The worker processes the plans are solved in.
        progress_every: Seconds between notes of a running plan's progress.
    """

    def __init__(
        self, pool: SolverPool, *, progress_every: float = PROGRESS_EVERY_S
    ) -> None:
        self.pool = pool
        self.progress_every = progress_every
        #: The plans this server computes, by id: the task and the stored document.
        self._jobs: dict[PydanticObjectId, tuple[asyncio.Task[None], VisitPlan]] = {}
        #: Places taken by plans being stored, before their task exists.
        self._reserved = 0
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def limit(self) -> int:
        """Background plans this server computes at the same time, at most."""
        return self.pool.background_workers

    def busy(self) -> int:
        """Background plans being stored or computed by this server."""
        return self._reserved + len(self._jobs)

    async def start(self, ctx: Context, req: PlanRequest, built: Built) -> VisitPlan:
        """Store a running plan for ``req`` and compute ``built`` in the background.

        Raises:
            RateLimited: This server already computes its most background plans.
        """
        if self.busy() >= self.limit:
            raise RateLimited(
                f"{self.limit} plans are being computed in the background "
                "already; try again when one is ready"
            )
        self._reserved += 1  # until the task exists (storing the plan awaits)
        try:
            doc = new_plan(ctx, req, built)
            await insert(doc)
        finally:
            self._reserved -= 1
        plan_id = doc.id
        assert plan_id is not None
        task = asyncio.create_task(self._compute(doc, req, built, ctx.actor_id))
        self._jobs[plan_id] = (task, doc)
        task.add_done_callback(lambda _: self._jobs.pop(plan_id, None))
        return doc

    async def _compute(
        self,
        doc: VisitPlan,
        req: PlanRequest,
        built: Built,
        actor: PydanticObjectId | None,
    ) -> None:
        key = str(doc.id)
        solving = asyncio.ensure_future(
            self.pool.solve_in_background(
                built.problem, time_limit=req.time_limit, seed=req.seed, key=key
            )
        )
        try:
            while not (await asyncio.wait({solving}, timeout=self.progress_every))[0]:
                await _store_progress(doc, self.pool.progress(key))
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
            self.pool.forget(key)
        fill_plan(doc, req, built, plan)
        doc.stamp.touch(actor)
        # A Conflict means it was discarded while it was computed: that stays.
        with contextlib.suppress(Conflict):
            await save(doc)

    def overdue(self, doc: VisitPlan) -> bool:
        """Whether a running plan should have been ready long ago and is not
        being computed here: its server stopped."""
        if doc.status != PlanStatus.RUNNING or doc.id in self._jobs:
            return False
        created = as_utc(doc.stamp.created_at)
        deadline = created + timedelta(seconds=doc.solver.time_limit) + GRACE
        return utc_now() > deadline

    async def fail_overdue(self) -> int:
        """Mark every overdue running plan failed; return how many.

        Running plans are few (each server computes a handful at most), so they
        are all read and each is judged by its own time limit.
        """
        running = await VisitPlan.find({"status": PlanStatus.RUNNING.value}).to_list()
        overdue = [doc for doc in running if self.overdue(doc)]
        for doc in overdue:
            await _fail(doc, STOPPED)
        return len(overdue)

    def start_sweeping(self, every: float = SWEEP_EVERY_S) -> None:
        """Look for overdue plans now and then every ``every`` seconds, until
        :meth:`stop`."""
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep(every))

    async def _sweep(self, every: float) -> None:
        while True:
            try:
                await self.fail_overdue()
            except Exception:  # an outage of the store: try again next time
                log.warning("could not look for overdue plans", exc_info=True)
            await asyncio.sleep(every)

    async def wait(self) -> None:
        """Wait until the background plans being computed now are stored."""
        tasks = [task for task, _ in self._jobs.values()]
        if tasks:
            await asyncio.wait(tasks)

    async def stop(self) -> None:
        """Stop computing background plans (on server exit); they are marked
        failed."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        jobs = list(self._jobs.values())
        tasks = [task for task, _ in jobs]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=10)
        # A task cancelled before it started never got to mark its plan.
        for _, doc in jobs:
            if doc.status == PlanStatus.RUNNING:
                await _fail(doc, STOPPED)


async def start_plan(ctx: Context, req: PlanRequest) -> VisitPlan:
    """planVisits with ``background: true``: the plan is stored running, and
    computed by the server's :class:`PlanJobs`.

    Raises:
        Invalid: Bad input (as for planVisits; the time limit may be 1-300 s).
        RateLimited: This server already computes its most background plans.
    """
    check_time_limit(req.time_limit, 1, MAX_SECONDS, None, "timeLimitSeconds")
    # Access and input are checked first, so a refusal says what is wrong with
    # the request before saying that the server is busy.
    built = await prepare(access.principal(ctx), req, utc_now())
    return await opened(ctx.jobs, "background plans").start(ctx, req, built)


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
