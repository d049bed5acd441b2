"""Schedules, objective and feasibility, recomputed from the routes.

This module is the one source of truth for a plan's times and numbers:
:func:`schedule_route` turns a visit order into exact (floating-point) times, and
:func:`evaluate` checks a plan against a problem and recomputes its objective,
value and travel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from planner.plan import Plan, Route, Stop
from planner.problem import Problem, Rep, Visit

CHECK_TOL = 1e-6
"""Relative tolerance of the checker (times and reported numbers)."""
BUILD_TOL = 1e-9
"""Relative tolerance used when building schedules (stricter than the checker)."""


def _tol(x: float, rel: float) -> float:
    return rel * max(1.0, abs(x))


def _up(x: float, step: float | None) -> float:
    """The smallest multiple of ``step`` not below ``x`` (``x`` without a step)."""
    if step is None:
        return x
    return math.ceil(x / step - 1e-9) * step


def window_start(
    visit: Visit, arrive: float, tol: float = BUILD_TOL, step: float | None = None
) -> float | None:
    """Return the earliest service start at or after ``arrive``, or ``None``.

    Args:
        visit: The visit.
        arrive: Arrival time.
        tol: Relative tolerance on the window end.
        step: If given, starts are multiples of it (a time grid).

    Returns:
        ``max(arrive, a)`` (moved up to the grid) for the earliest window ``[a, b]``
        that still contains it, ``arrive`` (on the grid) when the visit has no
        windows, ``None`` when every window has closed.
    """
    if not visit.windows:
        return _up(arrive, step)
    best = None
    for a, b in visit.windows:
        s = _up(a if a > arrive else arrive, step)
        if s <= b + _tol(b, tol) and (best is None or s < best):
            best = s
    return best


@dataclass(frozen=True)
class Schedule:
    """Exact times of one route: departure, stops ``(arrive, start, end)``, return."""

    depart: float
    stops: tuple[tuple[float, float, float], ...]
    return_: float
    travel: float


def schedule_route(
    problem: Problem,
    rep: Rep,
    shift: int,
    visits: Sequence[int],
    *,
    depart_late: bool = True,
    step: float | None = None,
) -> Schedule | None:
    """Compute the earliest schedule of a visit order, or ``None`` if infeasible.

    Args:
        problem: The problem.
        rep: The rep driving the route.
        shift: Index into ``rep.shifts``.
        visits: Visit indices in service order.
        depart_late: Leave as late as possible without delaying the first stop.
        step: If given, service starts are multiples of it (see :func:`window_start`).

    Returns:
        The schedule, or ``None`` when a window is missed or the shift overrun.
    """
    open_, close = rep.shifts[shift]
    t = open_
    here = rep.start
    stops: list[tuple[float, float, float]] = []
    travel = 0.0
    for idx in visits:
        v = problem.visits[idx]
        d = problem.travel(here, v.location)
        travel += d
        arrive = t + d
        start = window_start(v, arrive, step=step)
        if start is None:
            return None
        stops.append((arrive, start, start + v.duration))
        t = start + v.duration
        here = v.location
    d = problem.travel(here, rep.end)
    travel += d
    back = t + d
    if back > close + _tol(close, BUILD_TOL):
        return None
    depart = open_
    if depart_late and stops:
        first = problem.travel(rep.start, problem.visits[visits[0]].location)
        depart = max(open_, stops[0][1] - first)
        stops[0] = (depart + first, stops[0][1], stops[0][2])
    return Schedule(depart, tuple(stops), back, travel)


def route_from_schedule(
    problem: Problem, rep: Rep, shift: int, visits: Sequence[int], sched: Schedule
) -> Route:
    """Build a plan :class:`Route` from a visit order and its schedule."""
    return Route(
        rep=rep.id,
        shift=shift,
        depart=sched.depart,
        return_=sched.return_,
        stops=tuple(
            Stop(problem.visits[i].id, a, s, e)
            for i, (a, s, e) in zip(visits, sched.stops, strict=True)
        ),
    )


@dataclass(frozen=True)
class Evaluation:
    """The verdict on a plan.

    Attributes:
        feasible: Whether the routes respect every rule of the format.
        violations: Feasibility problems, in plain words.
        misreported: Reported numbers or lists that do not match the routes.
        objective: Recomputed objective.
        value: Recomputed total value.
        travel: Recomputed total travel time.
    """

    feasible: bool
    violations: tuple[str, ...]
    misreported: tuple[str, ...]
    objective: float
    value: float
    travel: float

    @property
    def ok(self) -> bool:
        """Whether the plan is feasible and its numbers match the routes."""
        return self.feasible and not self.misreported


def _check_route(
    problem: Problem, route: Route, where: str, served: set[str], out: list[str]
) -> tuple[float, float]:
    """Check one route, appending violations to ``out``; return (value, travel)."""
    ri = problem.rep_index(route.rep)
    if ri is None:
        out.append(f"{where}: unknown rep {route.rep!r}")
        return 0.0, 0.0
    rep = problem.reps[ri]
    if not 0 <= route.shift < len(rep.shifts):
        out.append(f"{where}: rep {rep.id} has no shift {route.shift}")
        return 0.0, 0.0
    open_, close = rep.shifts[route.shift]
    if route.depart < open_ - _tol(open_, CHECK_TOL):
        out.append(
            f"{where}: departs at {route.depart:g} before the shift opens at {open_:g}"
        )
    t, here, value, travel = route.depart, rep.start, 0.0, 0.0
    for k, stop in enumerate(route.stops):
        sw = f"{where} stop {k} ({stop.visit})"
        vi = problem.visit_index(stop.visit)
        if vi is None:
            out.append(f"{sw}: unknown visit")
            continue
        v = problem.visits[vi]
        if v.id in served:
            out.append(f"{sw}: visit {v.id} is served more than once")
        served.add(v.id)
        if not problem.allows(v, rep):
            out.append(f"{sw}: rep {rep.id} is not allowed to serve visit {v.id}")
        d = problem.travel(here, v.location)
        travel += d
        value += v.value
        if abs(stop.arrive - (t + d)) > _tol(t + d, CHECK_TOL):
            out.append(f"{sw}: arrives at {stop.arrive:g} but travel gives {t + d:g}")
        if stop.start < stop.arrive - _tol(stop.arrive, CHECK_TOL):
            out.append(
                f"{sw}: starts at {stop.start:g} before arriving at {stop.arrive:g}"
            )
        if v.windows and not any(
            a - _tol(a, CHECK_TOL) <= stop.start <= b + _tol(b, CHECK_TOL)
            for a, b in v.windows
        ):
            out.append(
                f"{sw}: starts at {stop.start:g}, outside every window of {v.id}"
            )
        if abs(stop.end - (stop.start + v.duration)) > _tol(stop.end, CHECK_TOL):
            out.append(
                f"{sw}: ends at {stop.end:g} but start plus duration is "
                f"{stop.start + v.duration:g}"
            )
        t, here = stop.end, v.location
    d = problem.travel(here, rep.end)
    travel += d
    if route.return_ < t + d - _tol(t + d, CHECK_TOL):
        out.append(
            f"{where}: returns at {route.return_:g} but cannot be back before {t + d:g}"
        )
    if route.return_ > close + _tol(close, CHECK_TOL):
        out.append(
            f"{where}: returns at {route.return_:g}, "
            f"after the shift closes at {close:g}"
        )
    if not route.stops:
        return 0.0, 0.0
    return value, travel


def _differs(reported: float, actual: float) -> bool:
    return abs(reported - actual) > CHECK_TOL * max(1.0, abs(actual))


def evaluate(problem: Problem, plan: Plan) -> Evaluation:
    """Check ``plan`` against ``problem`` and recompute its numbers.

    Args:
        problem: The problem the plan claims to solve.
        plan: The plan to check.

    Returns:
        The evaluation: feasibility with violations in plain words, mismatches
        between the reported and recomputed numbers, and the recomputed
        objective, value and travel.
    """
    violations: list[str] = []
    misreported: list[str] = []
    served: set[str] = set()
    used: set[tuple[str, int]] = set()
    value = travel = 0.0
    for i, route in enumerate(plan.routes):
        where = f"route {i} ({route.rep}, shift {route.shift})"
        if (route.rep, route.shift) in used:
            violations.append(
                f"{where}: rep {route.rep} has two routes in shift {route.shift}"
            )
        used.add((route.rep, route.shift))
        rv, rt = _check_route(problem, route, where, served, violations)
        value += rv
        travel += rt
    for v in problem.visits:
        if v.required and v.id not in served:
            violations.append(f"required visit {v.id} is not served")
    objective = value - problem.travel_cost * travel
    for name, reported, actual in (
        ("objective", plan.objective, objective),
        ("value", plan.value, value),
        ("travel", plan.travel, travel),
    ):
        if _differs(reported, actual):
            misreported.append(
                f"{name} reported as {reported:g} but the routes give {actual:g}"
            )
    unserved = set(plan.unserved)
    for v in problem.visits:
        if v.id not in served and v.id not in unserved:
            misreported.append(f"visit {v.id} is neither served nor listed as unserved")
        if v.id in served and v.id in unserved:
            misreported.append(f"visit {v.id} is served but listed as unserved")
    return Evaluation(
        feasible=not violations,
        violations=tuple(violations),
        misreported=tuple(misreported),
        objective=objective,
        value=value,
        travel=travel,
    )
