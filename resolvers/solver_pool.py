"""Runs the planner off the event loop, in a worker process.

The planner is CPU-bound; in a worker process it neither blocks the server's
event loop nor competes with it for the interpreter lock. Plans computed in the
background (``planVisits`` with ``background: true``) have their own workers, so
a long one never holds up a request waiting for its plan; those workers report
the best objective found so far through a queue (see :func:`progress`).
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

_pool: ProcessPoolExecutor | None = None
_background: ProcessPoolExecutor | None = None
_reports: Any = None
"""Progress reports of the background workers: ``(key, objective, seconds)``."""
_reader: threading.Thread | None = None
_latest: dict[str, tuple[float, float]] = {}
_latest_lock = threading.Lock()
_worker_reports: Any = None
"""In a background worker: where its solves report progress."""

#: Plans computed in the background at the same time, at most.
BACKGROUND_WORKERS = 2
#: Seconds between a worker's checks that the server is still there.
PARENT_CHECK_S = 1.0


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


def _read_reports(reports: Any) -> None:
    try:
        while (item := reports.get()) is not None:
            key, objective, seconds = item
            with _latest_lock:
                _latest[key] = (objective, seconds)
    except (EOFError, OSError, ValueError, pickle.UnpicklingError):
        return  # a worker stopped part-way through a report: the queue is done


def progress(key: str) -> tuple[float, float] | None:
    """The best objective so far of the background solve ``key``, and the second
    of the search it was found at (``None`` before the first report)."""
    with _latest_lock:
        return _latest.get(key)


def forget(key: str) -> None:
    """Drop the progress of a finished background solve."""
    with _latest_lock:
        _latest.pop(key, None)


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


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = _spawn_pool(1)
    return _pool


def _background_executor() -> ProcessPoolExecutor:
    global _background, _reports, _reader
    if _background is None:
        _reports = multiprocessing.get_context("spawn").Queue()
        _reader = threading.Thread(
            target=_read_reports, args=(_reports,), daemon=True, name="plan-progress"
        )
        _reader.start()
        _background = _spawn_pool(BACKGROUND_WORKERS, _init_background, _reports)
    return _background


#: Seconds a planning request needs beyond its solver time (reads, storing).
OVERHEAD_S = 3.0


def check_time_limit(
    seconds: float, low: float, high: float, budget: float | None, field: str
) -> None:
    """Refuse a solver time limit outside ``low``..``high`` or the request's budget.

    The server stops a request after its time budget (the request timeout), so a
    planner asked to run longer could never answer.
    """
    from resolvers.errors import Invalid

    if budget is not None and budget - OVERHEAD_S < high:
        high = max(low, budget - OVERHEAD_S)
        if not low <= seconds <= high:
            raise Invalid(
                f"{field} must be between {low:g} and {high:g}: the server stops "
                f"requests after {budget:g} s (VISITPLAN_REQUEST_TIMEOUT)",
                field=field,
            )
    if not low <= seconds <= high:
        raise Invalid(f"{field} must be between {low:g} and {high:g}", field=field)


def _ready() -> bool:
    return True


def warm_up() -> None:
    """Start the worker process now, so that the first plan does not wait for it."""
    _executor().submit(_ready)


async def run_solver(problem: Problem, *, time_limit: float, seed: int) -> Plan:
    """Solve ``problem`` in the worker process and return the plan."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor(), _solve, problem, time_limit, seed)


async def run_background_solver(
    problem: Problem, *, time_limit: float, seed: int, key: str
) -> Plan:
    """Solve ``problem`` in a background worker; :func:`progress` of ``key`` tells
    the best objective so far while it runs."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        _background_executor(), _solve_reporting, problem, time_limit, seed, key
    )


def shutdown() -> None:
    """Stop the worker processes (the server calls this on exit).

    Background plans still being computed are abandoned (their plans are marked
    failed by :mod:`resolvers.plan_jobs`): their workers are stopped rather than
    waited for, since they may have minutes to go.
    """
    global _pool, _background, _reports, _reader
    if _background is not None:
        processes = list(getattr(_background, "_processes", {}).values())
        _background.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=2)
            if process.is_alive():  # SIGTERM blocked or ignored: no choice left
                process.kill()
                process.join(timeout=5)
        _background = None
        _reports.put(None)
        if _reader is not None:
            _reader.join(timeout=2)
        _reports.close()
        _reports.cancel_join_thread()
        _reports = _reader = None
        with _latest_lock:
            _latest.clear()
    if _pool is not None:
        # Waits for a plan still being computed (at most its time limit), so the
        # worker process and its resources are released cleanly.
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None
