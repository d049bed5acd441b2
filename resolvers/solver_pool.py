"""Runs the planner off the event loop, in a worker process.

The planner is CPU-bound; in a worker process it neither blocks the server's
event loop nor competes with it for the interpreter lock.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from planner import Plan, Problem, solve

_pool: ProcessPoolExecutor | None = None


def _solve(problem: Problem, time_limit: float, seed: int) -> Plan:
    return solve(problem, time_limit=time_limit, seed=seed)


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # spawn: a fork of a process running an event loop and Motor threads is unsafe
        _pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn")
        )
    return _pool


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


def shutdown() -> None:
    """Stop the worker process (the server calls this on exit)."""
    global _pool
    if _pool is not None:
        # Waits for a plan still being computed (at most its time limit), so the
        # worker process and its resources are released cleanly.
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None
