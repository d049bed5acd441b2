"""Service starts on a time grid (whole minutes, say) wherever the plan allows it.

The solver's exact times carry fractions (a visit starting 525.33 minutes after
the origin is 08:45:20). People book whole minutes, so :func:`snap_starts` moves
every start of a route up to the next multiple of ``step``, pushing later stops
along; a route where that would miss a window or overrun the shift keeps its
exact times. Travel, value and objective do not change.
"""

from __future__ import annotations

import math
from dataclasses import replace

from planner.evaluate import BUILD_TOL
from planner.plan import Plan, Route, Stop
from planner.problem import Problem, Visit


def _up(x: float, step: float) -> float:
    """The smallest multiple of ``step`` not below ``x`` (up to rounding noise)."""
    return math.ceil(x / step - 1e-9) * step


def _start_on_grid(visit: Visit, arrive: float, step: float) -> float | None:
    """The earliest grid time at or after ``arrive`` inside one of the windows."""
    if not visit.windows:
        return _up(arrive, step)
    best = None
    for a, b in visit.windows:
        s = _up(max(a, arrive), step)
        if s <= b + BUILD_TOL * max(1.0, abs(b)) and (best is None or s < best):
            best = s
    return best


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
    rep = problem.reps[problem.rep_index(route.rep)]  # type: ignore[index]
    visits = [problem.visits[problem.visit_index(s.visit)] for s in route.stops]  # type: ignore[index]
    if not visits:
        return route
    open_, close = rep.shifts[route.shift]
    t, here = open_, rep.start
    timed: list[tuple[float, float, float]] = []
    for visit in visits:
        arrive = t + problem.travel(here, visit.location)
        start = _start_on_grid(visit, arrive, step)
        if start is None:
            return route
        timed.append((arrive, start, start + visit.duration))
        t, here = start + visit.duration, visit.location
    back = t + problem.travel(here, rep.end)
    if back > close + BUILD_TOL * max(1.0, abs(close)):
        return route
    first = problem.travel(rep.start, visits[0].location)
    depart = max(open_, timed[0][1] - first)
    timed[0] = (depart + first, timed[0][1], timed[0][2])
    stops = tuple(
        Stop(stop.visit, a, s, e)
        for stop, (a, s, e) in zip(route.stops, timed, strict=True)
    )
    return replace(route, depart=depart, return_=back, stops=stops)


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
