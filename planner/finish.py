"""What every plan ends with: the insertion polish and the plan in exact times.

Both :func:`planner.solve` and :func:`planner.decompose.solve_in_parts` finish
their routes here: :func:`polish` inserts any visit that still fits and pays,
:func:`make_plan` rebuilds every route's times with
:func:`planner.evaluate.schedule_route` and explains every visit's fate.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from planner.backends.model import Model
from planner.evaluate import route_from_schedule, schedule_route
from planner.gaps import Gaps
from planner.plan import LOWER_VALUE, SERVED, Plan, SolverInfo
from planner.problem import Problem, Visit


class Stopped(Exception):
    """The caller's ``should_stop`` asked :func:`planner.solve` to give up (no
    plan)."""


NOT_FITTED = "required, but could not be fitted alongside the other required visits"


def polish(
    problem: Problem,
    model: Model,
    routes: dict[int, list[int]],
    deadline: float,
    gaps: Gaps | None = None,
    on_insert: Callable[[], None] | None = None,
) -> tuple[Problem, set[int]]:
    """Insert unserved candidates where they fit and pay off (cheapest position).

    ``on_insert`` is called after every insertion.

    With ``gaps``, an insertion must keep occurrences of a customer apart: an
    occurrence is scheduled with its windows narrowed to start far enough from
    the others (see :meth:`Gaps.narrowed`).

    Returns:
        The problem to schedule the routes with (the narrowed windows of the
        occurrences inserted; the given problem without gaps) and the visits
        that fitted somewhere only against a gap.
    """
    served = {v for vs in routes.values() for v in vs}
    order = sorted(
        (i for i, v in enumerate(model.candidates) if v not in served),
        key=lambda i: (
            not problem.visits[model.candidates[i]].required,
            -problem.visits[model.candidates[i]].value,
        ),
    )
    travel = {}
    blocked: set[int] = set()
    for i in order:
        if time.monotonic() > deadline:
            return problem, blocked
        v = model.candidates[i]
        visit = problem.visits[v]
        best = None
        against_gap = False
        work = problem
        if gaps is not None and (windows := gaps.narrowed(v)) is not None:
            visit = dataclasses.replace(visit, windows=windows)
            work = with_visit(problem, v, visit)
            if not windows:
                blocked.add(v)
                continue
        for k in model.reach[i]:
            ri, si = model.routes[k]
            rep = problem.reps[ri]
            seq = routes.setdefault(k, [])
            if k not in travel:
                s = schedule_route(work, rep, si, seq)
                travel[k] = s.travel if s and seq else 0.0
            for pos in range(len(seq) + 1):
                new = [*seq[:pos], v, *seq[pos:]]
                s = schedule_route(work, rep, si, new)
                if s is None:
                    continue
                gain = visit.value - problem.travel_cost * (s.travel - travel[k])
                if best is None or gain > best[0]:
                    if gaps is not None and not gaps.fits(k, new, s):
                        against_gap = True
                        continue
                    best = (gain, k, pos, s.travel, s)
        if best is not None and (best[0] > 1e-9 or visit.required):
            _, k, pos, t, s = best
            routes[k].insert(pos, v)
            travel[k] = t
            if on_insert is not None:
                on_insert()
            if gaps is not None:
                gaps.set_route(k, routes[k], s)
                # The occurrence keeps the windows that hold it apart.
                problem = work
        elif best is None and against_gap:
            blocked.add(v)
    return problem, blocked


def with_visit(problem: Problem, v: int, visit: Visit) -> Problem:
    visits = (*problem.visits[:v], visit, *problem.visits[v + 1 :])
    return dataclasses.replace(problem, visits=visits)


def scheduler(problem: Problem, model: Model) -> Callable[[int, list[int]], Any]:
    def schedule(k: int, seq: list[int]) -> Any:
        ri, si = model.routes[k]
        return schedule_route(problem, problem.reps[ri], si, seq)

    return schedule


def make_plan(
    problem: Problem,
    model: Model,
    hopeless: dict[int, str],
    routes: dict[int, list[int]],
    seconds: float,
    seed: int,
) -> Plan:
    out, served = [], set()
    value = travel = 0.0
    for k in sorted(routes, key=lambda k: model.routes[k]):
        visits = routes[k]
        if not visits:
            continue
        ri, si = model.routes[k]
        rep = problem.reps[ri]
        sched = schedule_route(problem, rep, si, visits)
        assert sched is not None
        out.append(route_from_schedule(problem, rep, si, visits, sched))
        served.update(visits)
        value += sum(problem.visits[v].value for v in visits)
        travel += sched.travel
    reasons, unserved, missing = [], [], []
    for vi, visit in enumerate(problem.visits):
        if vi in served:
            reasons.append((visit.id, f"{SERVED}: value {visit.value:g}"))
            continue
        unserved.append(visit.id)
        reason = hopeless.get(vi, NOT_FITTED if visit.required else LOWER_VALUE)
        reasons.append((visit.id, reason))
        if visit.required:
            missing.append(visit.id)
    return Plan(
        problem=problem.name,
        objective=value - problem.travel_cost * travel,
        value=value,
        travel=travel,
        routes=tuple(out),
        unserved=tuple(unserved),
        solver=SolverInfo(name="visitplan-pyvrp", seconds=round(seconds, 3), seed=seed),
        infeasible_required=tuple(missing),
        reasons=tuple(reasons),
    )
