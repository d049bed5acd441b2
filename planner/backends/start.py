"""A plan's routes as a PyVRP solution, to start a search from.

On large problems PyVRP's search from empty routes spends most of a minute
getting feasible: on a week of 12 reps and 2,500 candidates its first feasible
solution came after 16 s and its best after 60 s was below what cheapest
insertion alone finds (docs/planner.md). Starting it from the insertion's routes
keeps that value and lets the search improve on it.

Each stop becomes the client of its visit whose window holds the stop's exact
start, on the vehicle of the route segment that holds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pyvrp import Route as SolRoute
from pyvrp import Solution

from planner.evaluate import schedule_route
from planner.problem import Problem

if TYPE_CHECKING:
    from planner.backends.pyvrp import _Built


def solution(
    problem: Problem, built: _Built, routes: Sequence[tuple[int, Sequence[int]]]
) -> Solution:
    """The PyVRP solution of ``routes`` (route position, visit indices).

    Args:
        problem: The problem.
        built: The PyVRP data built for the problem and its model.
        routes: Feasible routes in exact times.

    Returns:
        The solution; a stop that no client or segment holds is left out.
    """
    data = built.data
    clients_of: dict[int, list[int]] = {}
    for c, v in enumerate(built.client_visit):
        if v >= 0:
            clients_of.setdefault(v, []).append(c)
    segments_of: dict[int, list[int]] = {}
    for vt, seg in enumerate(built.segments):
        segments_of.setdefault(seg.route, []).append(vt)
    parts: dict[int, list[int]] = {}
    for k, visits in routes:
        ri, si = built.model.routes[k]
        sched = schedule_route(problem, problem.reps[ri], si, list(visits))
        if sched is None:
            continue
        for v, (_, begin, _) in zip(visits, sched.stops, strict=True):
            if v not in clients_of:
                continue  # an anchor: the end of a segment, not a client
            into = _segment(built, segments_of.get(k, []), begin)
            if into is not None:
                parts.setdefault(into, []).append(_client(built, clients_of[v], begin))
    return Solution(data, [SolRoute(data, cs, vt) for vt, cs in parts.items()])


def _segment(built: _Built, vts: list[int], begin: float) -> int | None:
    """The vehicle type whose segment's time holds a stop starting at ``begin``."""
    for vt in vts:
        seg = built.segments[vt]
        if seg.open <= begin <= seg.close:
            return vt
    return None


def _client(built: _Built, clients: list[int], begin: float) -> int:
    """The client (window) of a visit nearest to holding a start at ``begin``."""
    at = (begin - built.t0) * built.time_scale

    def miss(c: int) -> float:
        client = built.data.client(c)
        return max(client.tw_early - at, at - client.tw_late, 0.0)

    return min(clients, key=miss)
