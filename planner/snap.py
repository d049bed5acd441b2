"""Service starts on a time grid (whole minutes, say) wherever the plan allows it.

The solver's exact times carry fractions (a visit starting 525.33 minutes after
the origin is 08:45:20). People book whole minutes, so :func:`snap_starts` moves
every start of a route up to the next multiple of ``step``, pushing later stops
along; a route where that would miss a window, overrun the shift, misplace a
break or bring two visits of one customer closer than their minimum gap keeps
its exact times. Travel, value and objective do not change.
"""

from __future__ import annotations

import math
from dataclasses import replace

from planner.evaluate import gap_violations, route_from_schedule, schedule_route
from planner.gaps import cut_windows
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
    rep = problem.reps[_index(problem.rep_index(route.rep), route.rep)]
    visits = [_index(problem.visit_index(s.visit), s.visit) for s in route.stops]
    sched = schedule_route(problem, rep, route.shift, visits, step=step)
    if sched is None:
        return route
    return route_from_schedule(problem, rep, route.shift, visits, sched)


def _index(found: int | None, name: str) -> int:
    """A rep or visit position from ``Problem.rep_index``/``visit_index``."""
    if found is None:
        raise ValueError(f"the plan names {name!r}, which the problem does not hold")
    return found


def _held_back(problem: Problem, route: Route, done: list[Route]) -> Problem:
    """``problem`` with the route's visits of customers with gaps starting no
    earlier than planned and at least their gap away from the occurrences in
    the routes ``done``, so that snapping never brings occurrences closer."""
    placed = [
        (problem.visits[_index(problem.visit_index(s.visit), s.visit)], s.start)
        for r in done
        for s in r.stops
    ]
    out = list(problem.visits)
    for stop in route.stops:
        vi = _index(problem.visit_index(stop.visit), stop.visit)
        v = out[vi]
        if v.customer is None:
            continue
        cuts = [(-math.inf, stop.start)]
        cuts += [
            (s - max(v.min_gap, o.min_gap), s + max(v.min_gap, o.min_gap))
            for o, s in placed
            if o.customer == v.customer and max(v.min_gap, o.min_gap) > 0
        ]
        windows = cut_windows(v.windows or ((stop.start, math.inf),), cuts)
        out[vi] = replace(v, windows=windows or ((stop.start, stop.start),))
    return replace(problem, visits=tuple(out))


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
    if not problem.has_gaps:
        return replace(
            plan, routes=tuple(snap_route(problem, r, step) for r in plan.routes)
        )
    # Earlier routes first: each occurrence of a customer then starts at least
    # its gap after the (snapped) earlier ones.
    routes = list(plan.routes)
    done: list[Route] = []
    for i in sorted(range(len(routes)), key=lambda i: routes[i].depart):
        exact = routes[i]
        snapped = snap_route(_held_back(problem, exact, done), exact, step)
        if not gap_violations(problem, replace(plan, routes=(*done, snapped))):
            routes[i] = snapped
        done.append(routes[i])
    return replace(plan, routes=tuple(routes))
