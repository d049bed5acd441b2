"""Schedules, objective and feasibility, recomputed from the routes.

This module is the one source of truth for a plan's times and numbers:
:func:`schedule_route` turns a visit order into exact (floating-point) times, and
:func:`evaluate` checks a plan against a problem and recomputes its objective,
value and travel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planner.breaks import check_breaks, place_breaks
from planner.plan import Plan, Route, RouteBreak, Stop
from planner.problem import Problem, Rep
from planner.timing import BUILD_TOL, CHECK_TOL, window_start
from planner.timing import allowance as _tol


@dataclass(frozen=True)
class Schedule:
    """Exact times of one route: departure, stops ``(arrive, start, end)``, return,
    and the breaks taken as ``(index into rep.breaks, start, end)``."""

    depart: float
    stops: tuple[tuple[float, float, float], ...]
    return_: float
    travel: float
    breaks: tuple[tuple[int, float, float], ...] = ()


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
        The schedule, or ``None`` when a window is missed, the shift overrun or
        a needed break cannot be placed (see :mod:`planner.breaks`).
    """
    if visits and rep.breaks and rep.shift_breaks(shift):
        timed = place_breaks(
            problem, rep, shift, visits, depart_late=depart_late, step=step
        )
        if timed is None:
            return None
        return Schedule(
            timed.depart, timed.stops, timed.return_, timed.travel, timed.breaks
        )
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
        breaks=tuple(RouteBreak(bi, s, e) for bi, s, e in sched.breaks),
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
    busy: list[tuple[float, float]] = []
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
        if abs(stop.arrive - (t + d)) > _tol(t + d, CHECK_TOL) and not (
            stop.arrive > t + d and _break_between(route, t, stop.arrive - d)
        ):
            out.append(f"{sw}: arrives at {stop.arrive:g} but travel gives {t + d:g}")
        busy += [(stop.arrive - d, stop.arrive), (stop.start, stop.end)]
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
    if route.breaks or rep.breaks:
        busy.append((route.return_ - d, route.return_))
        check_breaks(problem, rep, route, busy, where, out)
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


def _break_between(route: Route, a: float, b: float) -> bool:
    """Whether the route takes a break within ``[a, b]`` (a reason to leave late)."""
    return any(
        rb.start >= a - _tol(a, CHECK_TOL) and rb.end <= b + _tol(b, CHECK_TOL)
        for rb in route.breaks
    )


def gap_violations(problem: Problem, plan: Plan) -> list[str]:
    """Served occurrences of one customer that start closer than their min gap."""
    by_customer: dict[str, list[tuple[float, str, float]]] = {}
    for route in plan.routes:
        for stop in route.stops:
            vi = problem.visit_index(stop.visit)
            if vi is None:
                continue
            v = problem.visits[vi]
            if v.customer is None:
                continue
            by_customer.setdefault(v.customer, []).append((stop.start, v.id, v.min_gap))
    out = []
    for customer, occ in by_customer.items():
        occ.sort()
        for i, (s1, id1, g1) in enumerate(occ):
            for s2, id2, g2 in occ[i + 1 :]:
                gap = max(g1, g2)
                if s2 - s1 < gap - _tol(gap, CHECK_TOL):
                    out.append(
                        f"visits {id1} and {id2} of customer {customer} start "
                        f"{s2 - s1:g} apart, less than their minimum gap {gap:g}"
                    )
    return out


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
    violations += gap_violations(problem, plan)
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
