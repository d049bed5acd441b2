"""Visits fixed in time and route, and the route segments between them.

A required visit with a single zero-width window that only one route can serve
(a confirmed or pinned visit: its rep and its time are agreed) is an *anchor* of
that route. Rather than giving the search a client it may only put in one place,
the backend splits the route at its anchors: a route with anchors ``a1 .. am``
becomes ``m + 1`` segments, from the rep's start to ``a1``, from ``a1`` to ``a2``,
..., from ``am`` to the rep's end, each a vehicle of its own whose time window
ends when the next anchor starts and begins when the previous one ends. An
anchor can then never be moved, dropped or put on another day's route, and the
search starts feasible with respect to all of them.

Nothing here imports a solver.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.backends.model import Model
from planner.evaluate import schedule_route
from planner.problem import Problem


@dataclass(frozen=True)
class Segment:
    """The stretch of a route between two anchors (or a shift's ends).

    Attributes:
        route: Route position (into ``model.routes``).
        start: Candidate position of the anchor the segment leaves from, or
            ``None`` for the rep's start point.
        end: Candidate position of the anchor the segment arrives at, or
            ``None`` for the rep's end point.
        open: Earliest departure (problem time units).
        close: Latest arrival (problem time units).
    """

    route: int
    start: int | None
    end: int | None
    open: float
    close: float


def anchors(problem: Problem, model: Model) -> dict[int, list[int]]:
    """The anchors of every route, as candidate positions in time order.

    A route's candidates fixed to it are anchors only if the route can serve
    them all together (exact times, breaks included); otherwise they stay
    ordinary required visits, and the plan reports what could not be kept.
    """
    by_route: dict[int, list[int]] = {}
    for i, v in enumerate(model.candidates):
        visit = problem.visits[v]
        if (
            visit.required
            and len(model.reach[i]) == 1
            and len(visit.windows) == 1
            and visit.windows[0][0] == visit.windows[0][1]
        ):
            by_route.setdefault(model.reach[i][0], []).append(i)
    out: dict[int, list[int]] = {}
    for k, chain in by_route.items():
        chain.sort(key=lambda i: problem.visits[model.candidates[i]].windows[0][0])
        ri, si = model.routes[k]
        visits = [model.candidates[i] for i in chain]
        if schedule_route(problem, problem.reps[ri], si, visits) is not None:
            out[k] = chain
    return out


def segments(
    problem: Problem, model: Model, fixed: dict[int, list[int]]
) -> list[Segment]:
    """Every route's segments, routes in order and each route's in time order."""
    out = []
    for k, (ri, si) in enumerate(model.routes):
        t, prev = problem.reps[ri].shifts[si][0], None
        for i in fixed.get(k, []):
            visit = problem.visits[model.candidates[i]]
            begin = visit.windows[0][0]
            out.append(Segment(k, prev, i, t, begin))
            t, prev = begin + visit.duration, i
        out.append(Segment(k, prev, None, t, problem.reps[ri].shifts[si][1]))
    return out


def join(
    segs: list[Segment], parts: dict[int, list[int]], model: Model
) -> list[tuple[int, list[int]]]:
    """Whole routes from the visits of each segment.

    Args:
        segs: The segments (see :func:`segments`).
        parts: Visit indices served on each segment, by segment position.
        model: The model (maps candidate positions to visit indices).

    Returns:
        ``(route position, visit indices)`` of every route that serves
        something, anchors included.
    """
    routes: dict[int, list[int]] = {}
    for j, seg in enumerate(segs):
        route = routes.setdefault(seg.route, [])
        if seg.start is not None:
            route.append(model.candidates[seg.start])
        route += parts.get(j, [])
    return [(k, visits) for k, visits in routes.items() if visits]
