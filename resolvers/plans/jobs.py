"""planVisits in the background: the plan is stored at once and computed later.

A request waiting for its plan must finish within the request timeout, so the
planner gets a few seconds at most. A background plan is stored with status
``running`` and returned at once; the planner then runs for up to five minutes
on the planning engine (:mod:`resolvers.plans.engine`, a Dask cluster), and the
plan becomes a ``draft`` (or ``failed``). Clients read it again with
``visitPlan(id)``.

Each user may have ``VISITPLAN_PLANS_PER_USER`` plans running or queued, each
team (a manager and their reps) ``VISITPLAN_PLANS_PER_TEAM``; these are counted
in the store, so they hold across servers. A plan beyond them is refused with
:class:`PlanLimitReached` (``RATE_LIMITED``) and nothing is stored. Plans wait
for a place on the engine in a fair order (:class:`~resolvers.plans.queue.FairSlots`).

While it runs, the plan's ``progress`` tells the best objective found so far.
Discarding a running plan stops its computation (:meth:`PlanJobs.discard`). A
plan left ``running`` by a server that stopped is marked ``failed`` by
:meth:`PlanJobs.fail_overdue` once its time limit and a grace period are over:
the server does so when it starts and then every ``SWEEP_EVERY_S`` seconds.
Reading a plan never changes it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from beanie import PydanticObjectId

from models import VisitPlan
from models.common import as_utc, utc_now
from models.plan import PlanProgress, PlanStatus
from planner import Plan
from resolvers import access
from resolvers.access import Principal
from resolvers.auth import RateLimited
from resolvers.common import insert, save
from resolvers.context import Context
from resolvers.errors import Conflict
from resolvers.plans.checks import check_time_limit, opened
from resolvers.plans.engine import Engine
from resolvers.plans.problem import Built
from resolvers.plans.queue import FairSlots
from resolvers.plans.request import PlanRequest, check_request, prepare
from resolvers.plans.results import fill_plan, new_plan

log = logging.getLogger("visitplan.plans")

MAX_SECONDS = 300.0
"""Longest solver time of a background plan."""
PLANS_PER_USER = 2
"""Background plans one user may have running or queued, by default."""
PLANS_PER_TEAM = 4
"""Background plans one team may have running or queued, by default."""
GRACE = timedelta(minutes=2)
"""How long after its time limit a plan may still be running before it is
reported failed (the server computing it must have stopped)."""
PROGRESS_EVERY_S = 2.0
"""Seconds between notes of a running plan's best objective so far."""
SWEEP_EVERY_S = 30.0
"""Seconds between two looks for plans left running by a stopped server."""
FAILED = "the planner stopped with an error; plan again"
STOPPED = "the server stopped before the plan was ready; plan again"


class PlanLimitReached(RateLimited):
    """A user or team already has its most background plans running or queued.

    Attributes:
        scope: ``"user"`` or ``"team"``.
        limit: The limit that holds.
    """

    def __init__(self, scope: str, limit: int) -> None:
        who = "you have" if scope == "user" else "your team has"
        super().__init__(
            f"{who} {limit} plans running or queued in the background already "
            f"(at most {limit}); try again when one is ready"
        )
        self.scope = scope
        self.limit = limit


@dataclass
class _Job:
    doc: VisitPlan
    req: PlanRequest
    built: Built
    owner: PydanticObjectId | None
    started: bool = False
    discarded: bool = False
    task: asyncio.Task[None] | None = None


class PlanJobs:
    """The background plans this server hands to the engine; opened and stopped
    by its lifespan.

    Args:
        engine: Where the plans are computed.
        per_user: Plans one user may have running or queued.
        per_team: Plans one team may have running or queued.
        progress_every: Seconds between notes of a running plan's progress.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        per_user: int = PLANS_PER_USER,
        per_team: int = PLANS_PER_TEAM,
        progress_every: float = PROGRESS_EVERY_S,
    ) -> None:
        self.engine = engine
        self.per_user = per_user
        self.per_team = per_team
        self.progress_every = progress_every
        self.slots = FairSlots()
        #: The plans this server computes or queues, by id.
        self._jobs: dict[PydanticObjectId, _Job] = {}
        #: Limits are checked and the plan stored one request at a time.
        self._admit = asyncio.Lock()
        #: Requests of each user past the limit check whose plan is not stored
        #: yet (their problem is being built); they count against the limits.
        self._admitting: collections.Counter[Any] = collections.Counter()
        self._sweeper: asyncio.Task[None] | None = None

    def busy(self) -> int:
        """Background plans this server computes or queues."""
        return len(self._jobs)

    async def start(
        self, ctx: Context, who: Principal, req: PlanRequest, built: Built
    ) -> VisitPlan:
        """Store a running plan for ``req`` and queue ``built`` for the engine.

        Raises:
            PlanLimitReached: The user or their team has its most plans running
                or queued.
        """
        async with self._admit:
            pending = self._admitting.copy()
            pending[ctx.actor_id] = max(0, pending[ctx.actor_id] - 1)  # this one
            await self.check_limits(who, ctx.actor_id, pending)
            doc = new_plan(ctx, req, built)
            await insert(doc)
        plan_id = doc.id
        assert plan_id is not None
        job = _Job(doc, req, built, ctx.actor_id)
        job.task = asyncio.create_task(self._compute(job))
        self._jobs[plan_id] = job
        job.task.add_done_callback(lambda _: self._jobs.pop(plan_id, None))
        return doc

    @contextlib.asynccontextmanager
    async def admission(self, who: Principal, actor: Any) -> AsyncIterator[None]:
        """Check the limits, counting the requests being admitted, and count
        this one among them until it is done: of a burst of requests from one
        user, only as many as the limit allows go on to build their problem."""
        await self.check_limits(who, actor, self._admitting)
        self._admitting[actor] += 1
        try:
            yield
        finally:
            self._admitting[actor] -= 1

    async def check_limits(
        self, who: Principal, actor: Any, pending: Mapping[Any, int] | None = None
    ) -> None:
        """Refuse with :class:`PlanLimitReached` when ``actor`` or its team has
        its most plans running or queued (with ``pending``, requests of each
        user about to store theirs)."""
        pending = pending or {}
        # Running plans are few: read them all, count them here. Plans of other
        # servers count too; two servers admitting at the same instant may
        # each let one through.
        running = await VisitPlan.find({"status": PlanStatus.RUNNING.value}).to_list()
        by = [doc.stamp.created_by for doc in running]
        if sum(1 for c in by if c == actor) + pending.get(actor, 0) >= self.per_user:
            raise PlanLimitReached("user", self.per_user)
        team = {*who.team, *who.colleagues}
        if team:
            team.add(actor)
            waiting = sum(pending.get(m, 0) for m in team)
            if sum(1 for c in by if c in team) + waiting >= self.per_team:
                raise PlanLimitReached("team", self.per_team)

    async def discard(self, plan_id: PydanticObjectId) -> None:
        """Stop computing a plan that was discarded: a queued one leaves the
        queue, a running one is stopped on its worker (also one another server
        handed to a shared engine)."""
        job = self._jobs.get(plan_id)
        if job is not None:
            job.discarded = True
            if not job.started and job.task is not None:
                job.task.cancel()
                return
        await self.engine.stop(str(plan_id))

    async def _compute(self, job: _Job) -> None:
        doc = job.doc
        try:
            plan = await self._solve(job)
        except asyncio.CancelledError:
            if not job.discarded:
                await _fail(doc, STOPPED)
            raise
        except Exception:
            log.exception("background plan %s failed", doc.id)
            await _fail(doc, FAILED)
            return
        if plan is not None:
            await finish(doc, job.req, job.built, plan, job.owner)

    async def _solve(self, job: _Job) -> Plan | None:
        self.slots.capacity = await self.engine.slots()
        await self.slots.acquire(job.owner)
        try:
            if job.discarded or not await _still_running(job.doc):
                return None
            job.started = True
            key = str(job.doc.id)
            solving = asyncio.ensure_future(
                self.engine.run(
                    key,
                    job.built.problem,
                    time_limit=job.req.time_limit,
                    seed=job.req.seed,
                )
            )
            try:
                while not (await asyncio.wait({solving}, timeout=self.progress_every))[
                    0
                ]:
                    await _store_progress(job.doc, self.engine.progress(key))
                return solving.result()
            finally:
                if not solving.done():  # cancelled: the engine stops the job
                    solving.cancel()
                    await asyncio.wait({solving})
        finally:
            self.slots.release(job.owner)

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
        tasks = [job.task for job in self._jobs.values() if job.task is not None]
        if tasks:
            await asyncio.wait(tasks)

    async def stop(self) -> None:
        """Stop computing background plans (on server exit); they are marked
        failed, and their jobs on the engine are stopped."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        jobs = list(self._jobs.values())
        tasks = [job.task for job in jobs if job.task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=10)
        # A task cancelled before it started never got to mark its plan.
        for job in jobs:
            if job.doc.status == PlanStatus.RUNNING and not job.discarded:
                await _fail(job.doc, STOPPED)


async def start_plan(ctx: Context, req: PlanRequest) -> VisitPlan:
    """planVisits with ``background: true``: the plan is stored running, and
    computed by the server's :class:`PlanJobs`.

    Raises:
        Invalid: Bad input (as for planVisits; the time limit may be 1-300 s).
        PlanLimitReached: The user or their team has its most plans running or
            queued.
    """
    check_time_limit(req.time_limit, 1, MAX_SECONDS, None, "timeLimitSeconds")
    # Access and input are checked first, so a refusal says what is wrong with
    # the request before saying that the limit is reached; the limit is checked
    # before the problem is built, so that a flood of refused requests costs
    # their reads of running plans only (and again when the plan is stored).
    who = access.principal(ctx)
    jobs = opened(ctx.jobs, "background plans")
    check_request(who, req)
    async with jobs.admission(who, ctx.actor_id):
        built = await prepare(who, req, utc_now())
        return await jobs.start(ctx, who, req, built)


async def finish(
    doc: VisitPlan,
    req: PlanRequest,
    built: Built,
    plan: Plan,
    actor: PydanticObjectId | None,
) -> bool:
    """Fill the running plan ``doc`` with ``plan``, once: a plan no longer
    running (filled already, discarded, failed) is left as it is, also when
    ``doc`` is a stale copy (the revision check refuses it).

    Returns:
        Whether this call stored the plan.
    """
    if doc.status != PlanStatus.RUNNING:
        return False
    fill_plan(doc, req, built, plan)
    doc.stamp.touch(actor)
    try:
        await save(doc)
    except Conflict:
        return False
    return True


async def _still_running(doc: VisitPlan) -> bool:
    """Whether the stored plan is still running (not discarded while queued)."""
    stored = await VisitPlan.find_one(
        {"_id": doc.id, "status": PlanStatus.RUNNING.value}
    )
    return stored is not None


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
