"""Exchanges of a served visit for an unserved one, in exact times.

After the search and the insertion pass, a route may still serve a visit while
a more valuable one nearby goes unserved because the route has no room for
both. :func:`exchange` swaps them where the exact schedule stays feasible and
the objective (value served minus travel cost) improves. Required visits (fixed
visits among them) are never given up, and visits of customers with a minimum
gap between occurrences are left alone.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from planner.backends.model import Model
from planner.evaluate import schedule_route
from planner.gaps import gap_customers
from planner.problem import Point, Problem

EPS = 1e-9


def _legs(problem: Problem, a: Point, via: Point, b: Point) -> float:
    return problem.travel(a, via) + problem.travel(via, b)


def _neighbours(
    problem: Problem, model: Model, k: int, seq: Sequence[int], pos: int
) -> tuple[Point, Point]:
    rep = problem.reps[model.routes[k][0]]
    before = rep.start if pos == 0 else problem.visits[seq[pos - 1]].location
    after = rep.end if pos == len(seq) - 1 else problem.visits[seq[pos + 1]].location
    return before, after


def exchange(
    problem: Problem,
    model: Model,
    routes: dict[int, list[int]],
    deadline: float,
) -> list[int]:
    """Swap served visits of ``routes`` for unserved candidates where it pays.

    Each unserved candidate, most valuable first, takes the place of the served
    visit whose exchange gains most (estimated from the travel legs around the
    stop, confirmed with the exact schedule). ``routes`` is changed in place.

    Args:
        problem: The problem.
        model: Routes and candidates of the search.
        routes: Visit orders by route position; feasible in exact times.
        deadline: ``time.monotonic()`` value at which to stop.

    Returns:
        The visits taken out of the routes (unserved now; another route may
        still have room for them).
    """
    cost = problem.travel_cost
    fixed = gap_customers(problem)
    served = {v for seq in routes.values() for v in seq}
    travel: dict[int, float] = {}
    out: list[int] = []
    order = sorted(
        (i for i, v in enumerate(model.candidates) if v not in served),
        key=lambda i: -problem.visits[model.candidates[i]].value,
    )
    for i in order:
        if time.monotonic() > deadline:
            break
        v = model.candidates[i]
        visit = problem.visits[v]
        if visit.customer in fixed:
            continue
        options = []
        for k in model.reach[i]:
            seq = routes.get(k, [])
            if fixed and any(problem.visits[u].customer in fixed for u in seq):
                continue  # moving its stops could bring occurrences too close
            for pos, u in enumerate(seq):
                old = problem.visits[u]
                if old.required or old.customer in fixed or old.value >= visit.value:
                    continue
                a, b = _neighbours(problem, model, k, seq, pos)
                delta = _legs(problem, a, visit.location, b) - _legs(
                    problem, a, old.location, b
                )
                gain = visit.value - old.value - cost * delta
                if gain > EPS:
                    options.append((gain, k, pos))
        options.sort(reverse=True)
        for _, k, pos in options:
            ri, si = model.routes[k]
            rep = problem.reps[ri]
            seq = routes[k]
            new = [*seq[:pos], v, *seq[pos + 1 :]]
            s = schedule_route(problem, rep, si, new)
            if s is None:
                continue
            if k not in travel:
                now = schedule_route(problem, rep, si, seq)
                assert now is not None
                travel[k] = now.travel
            u = seq[pos]
            gain = visit.value - problem.visits[u].value
            gain -= cost * (s.travel - travel[k])
            if gain <= EPS:
                continue
            routes[k] = new
            travel[k] = s.travel
            out.append(u)
            break
    return out
