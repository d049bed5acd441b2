"""Service starts on a time grid (whole minutes, say) wherever the plan allows it.

The solver's exact times carry fractions (a visit starting 525.33 minutes after
the origin is 08:45:20). People book whole minutes, so :func:`snap_starts` moves
every start of a route up to the next multiple of ``step``, pushing later stops
along; a route where that would miss a window or overrun the shift keeps its
exact times. Travel, value and objective do not change.
"""

from __future__ import annotations

from dataclasses import replace

from planner.evaluate import route_from_schedule, schedule_route
from planner.plan import Plan, Route
from planner.problem import Problem


def snap_route(problem: Problem, route: Route, step: float) -> Route:
    """``route`` with grid-aligned service starts, or unchanged if they do not fit.

    Args:
        problem: The problem the route belongs to.
        route: A feasible route.
        step: The grid, in the problem's time unit (1.0 for whole minutes).

    Returns:
        The same visits in the same order, each starting on the grid as early as
        possible; the rep leaves as late as the first stop allows.
    """
    if not route.stops:
        return route
    rep = problem.reps[problem.rep_index(route.rep)]  # type: ignore[index]
    visits = [problem.visit_index(s.visit) for s in route.stops]
    sched = schedule_route(problem, rep, route.shift, visits, step=step)  # type: ignore[arg-type]
    if sched is None:
        return route
    return route_from_schedule(problem, rep, route.shift, visits, sched)  # type: ignore[arg-type]


def snap_starts(problem: Problem, plan: Plan, step: float = 1.0) -> Plan:
    """``plan`` with every route's service starts on a grid of ``step`` where they fit.

    Args:
        problem: The problem the plan solves.
        plan: A feasible plan.
        step: The grid, in the problem's time unit.

    Returns:
        The plan with snapped routes; numbers and unserved visits unchanged.

    Raises:
        ValueError: If ``step`` is not positive.
    """
    if not step > 0:
        raise ValueError(f"step: must be positive, got {step!r}")
    return replace(
        plan, routes=tuple(snap_route(problem, r, step) for r in plan.routes)
    )
