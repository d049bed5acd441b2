"""The worker process the planner runs in for requests that wait for their plan.

The planner is CPU-bound; in a worker process it neither blocks the server's
event loop nor competes with it for the interpreter lock. Plans computed in the
background (``planVisits`` with ``background: true``) run on the planning
engine instead (:mod:`resolvers.plans.engine`).

The server's lifespan opens one :class:`SolverPool` and closes it on exit; the
process starts on first use (or at :meth:`SolverPool.warm_up`).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from planner import Plan, Problem, solve

#: Seconds between a worker's checks that the server is still there.
PARENT_CHECK_S = 1.0


def _solve(problem: Problem, time_limit: float, seed: int) -> Plan:
    return solve(problem, time_limit=time_limit, seed=seed)


def _watch_parent(parent: int) -> None:
    """In a worker: exit when the server is gone (killed, so it could not stop
    its workers), rather than linger idle."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="watch-parent").start()


def _spawn_pool(workers: int) -> ProcessPoolExecutor:
    # spawn: a fork of a process running an event loop and Motor threads is unsafe
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_watch_parent,
        initargs=(os.getpid(),),
    )


def _ready() -> bool:
    return True


WAITING_WORKERS = 1
"""Worker processes for requests that wait for their plan."""


class SolverPool:
    """The planner's worker process for requests that wait for their plan."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        #: Requests holding the worker (from before their problem is built).
        self._held = 0

    @contextlib.contextmanager
    def reserved(self) -> Iterator[bool]:
        """Hold the worker for one request's plan, from building its problem to
        its answer; yields ``False`` (holding nothing) when another request
        holds it, so that the caller need not wait behind it."""
        if self._held >= WAITING_WORKERS:
            yield False
            return
        self._held += 1
        try:
            yield True
        finally:
            self._held -= 1

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = _spawn_pool(WAITING_WORKERS)
        return self._pool

    def warm_up(self) -> None:
        """Start the worker process now, so that the first plan does not wait."""
        self._executor().submit(_ready)

    async def solve(self, problem: Problem, *, time_limit: float, seed: int) -> Plan:
        """Solve ``problem`` in the worker process and return the plan."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor(), _solve, problem, time_limit, seed
        )

    def close(self) -> None:
        """Stop the worker process (the server's lifespan calls this on exit).

        Waits for a plan still being computed (at most its time limit), so the
        worker process and its resources are released cleanly.
        """
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
