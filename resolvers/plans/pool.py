"""The worker processes the planner runs in, off the event loop.

The planner is CPU-bound; in a worker process it neither blocks the server's
event loop nor competes with it for the interpreter lock. Plans computed in the
background (``planVisits`` with ``background: true``) have their own workers, so
a long one never holds up a request waiting for its plan; those workers report
the best objective found so far through a queue (see
:meth:`SolverPool.progress`).

The server's lifespan opens one :class:`SolverPool` and closes it on exit; the
processes start on first use (or at :meth:`SolverPool.warm_up`).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from planner import Plan, Problem, solve

#: Plans computed in the background at the same time, at most.
BACKGROUND_WORKERS = 2
#: Seconds between a worker's checks that the server is still there.
PARENT_CHECK_S = 1.0

_worker_reports: Any = None
"""Inside a background worker process only: where its solves report progress.

Set once by the worker's initializer; the server process never sets it.
"""


def _solve(problem: Problem, time_limit: float, seed: int) -> Plan:
    return solve(problem, time_limit=time_limit, seed=seed)


def _solve_reporting(problem: Problem, time_limit: float, seed: int, key: str) -> Plan:
    def report(objective: float, seconds: float) -> None:
        _worker_reports.put((key, objective, seconds))

    return solve(problem, time_limit=time_limit, seed=seed, on_progress=report)


def _init_background(parent: int, reports: Any) -> None:
    global _worker_reports
    _worker_reports = reports
    _watch_parent(parent)


def _watch_parent(parent: int) -> None:
    """In a worker: exit when the server is gone (killed, so it could not stop
    its workers), rather than linger idle."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="watch-parent").start()


def _spawn_pool(
    workers: int, initializer: Any = _watch_parent, *extra: Any
) -> ProcessPoolExecutor:
    # spawn: a fork of a process running an event loop and Motor threads is unsafe
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
        initargs=(os.getpid(), *extra),
    )


def _ready() -> bool:
    return True


class SolverPool:
    """The planner's worker processes: one for requests that wait for their plan,
    ``background_workers`` for plans computed in the background.

    Args:
        background_workers: Background solves that may run at the same time.
    """

    def __init__(self, background_workers: int = BACKGROUND_WORKERS) -> None:
        self.background_workers = background_workers
        self._pool: ProcessPoolExecutor | None = None
        self._background: ProcessPoolExecutor | None = None
        #: Progress reports of the background workers: ``(key, objective, seconds)``.
        self._reports: Any = None
        self._reader: threading.Thread | None = None
        self._latest: dict[str, tuple[float, float]] = {}
        self._latest_lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = _spawn_pool(1)
        return self._pool

    def _background_executor(self) -> ProcessPoolExecutor:
        if self._background is None:
            self._reports = multiprocessing.get_context("spawn").Queue()
            self._reader = threading.Thread(
                target=self._read_reports,
                args=(self._reports,),
                daemon=True,
                name="plan-progress",
            )
            self._reader.start()
            self._background = _spawn_pool(
                self.background_workers, _init_background, self._reports
            )
        return self._background

    def _read_reports(self, reports: Any) -> None:
        try:
            while (item := reports.get()) is not None:
                key, objective, seconds = item
                with self._latest_lock:
                    self._latest[key] = (objective, seconds)
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            return  # a worker stopped part-way through a report: the queue is done

    def warm_up(self) -> None:
        """Start the worker process now, so that the first plan does not wait."""
        self._executor().submit(_ready)

    async def solve(self, problem: Problem, *, time_limit: float, seed: int) -> Plan:
        """Solve ``problem`` in the worker process and return the plan."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor(), _solve, problem, time_limit, seed
        )

    async def solve_in_background(
        self, problem: Problem, *, time_limit: float, seed: int, key: str
    ) -> Plan:
        """Solve ``problem`` in a background worker; :meth:`progress` of ``key``
        tells the best objective so far while it runs."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._background_executor(),
            _solve_reporting,
            problem,
            time_limit,
            seed,
            key,
        )

    def progress(self, key: str) -> tuple[float, float] | None:
        """The best objective so far of the background solve ``key``, and the
        second of the search it was found at (``None`` before the first report)."""
        with self._latest_lock:
            return self._latest.get(key)

    def forget(self, key: str) -> None:
        """Drop the progress of a finished background solve."""
        with self._latest_lock:
            self._latest.pop(key, None)

    def close(self) -> None:
        """Stop the worker processes (the server's lifespan calls this on exit).

        Background solves still running are abandoned (their plans are marked
        failed by :class:`~resolvers.plans.jobs.PlanJobs`): their workers are
        stopped rather than waited for, since they may have minutes to go.
        """
        if self._background is not None:
            self._stop_background(self._background)
        if self._pool is not None:
            # Waits for a plan still being computed (at most its time limit), so
            # the worker process and its resources are released cleanly.
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _stop_background(self, background: ProcessPoolExecutor) -> None:
        processes = list(getattr(background, "_processes", {}).values())
        background.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=2)
            if process.is_alive():  # SIGTERM blocked or ignored: no choice left
                process.kill()
                process.join(timeout=5)
        self._background = None
        self._reports.put(None)
        if self._reader is not None:
            self._reader.join(timeout=2)
        self._reports.close()
        self._reports.cancel_join_thread()
        self._reports = self._reader = None
        with self._latest_lock:
            self._latest.clear()
