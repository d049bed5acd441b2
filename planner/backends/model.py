"""Solver-independent pieces of the backend model: what to solve, travel matrices.

Nothing here imports a solver; :mod:`planner.backends.pyvrp` turns a :class:`Model`
into solver data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from planner.problem import EARTH_RADIUS_KM, Point, Problem


@dataclass(frozen=True)
class Model:
    """What the backend is asked to solve (built by :mod:`planner.solve`).

    Attributes:
        routes: ``(rep index, shift index)`` of every route that may be used.
        candidates: Visit indices worth modelling.
        reach: For each candidate, the route positions (into ``routes``) that are
            allowed and can reach it in time.
    """

    routes: tuple[tuple[int, int], ...]
    candidates: tuple[int, ...]
    reach: tuple[tuple[int, ...], ...]


Progress = Callable[[float, list[tuple[int, list[int]]]], None]


def points(
    problem: Problem, model: Model
) -> tuple[list[Point], list[int], dict[Point, int]]:
    """Distinct rep end points first, then one location per candidate visit."""
    depots: dict[Point, int] = {}
    for ri, _ in model.routes:
        rep = problem.reps[ri]
        for p in (rep.start, rep.end):
            depots.setdefault(p, len(depots))
    pts = list(depots) + [problem.visits[v].location for v in model.candidates]
    return pts, list(range(len(depots))), depots


def travel_block(problem: Problem, pts: list[Point], rows: slice) -> np.ndarray:
    """Exact travel times from ``pts[rows]`` to every point, as floats."""
    if problem.metric == "matrix":
        assert problem.matrix is not None
        idx = np.asarray(pts, dtype=np.int64)
        rows_m = np.array([problem.matrix[i] for i in idx[rows]], dtype=np.float64)
        return rows_m[:, idx]
    xy = np.asarray(pts, dtype=np.float64)
    a, b = xy[rows], xy
    if problem.metric == "euclidean":
        d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    else:
        lat1, lng1 = np.radians(a[:, 0])[:, None], np.radians(a[:, 1])[:, None]
        lat2, lng2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
        h = (
            np.sin((lat2 - lat1) / 2) ** 2
            + np.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2) ** 2
        )
        d = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return d / problem.speed


def merge_windows(
    windows: Sequence[tuple[float, float]], t0: float, t1: float
) -> list[tuple[float, float]]:
    """Sort, clip to the horizon and merge overlapping windows."""
    if not windows:
        return [(t0, t1)]
    out: list[tuple[float, float]] = []
    for a, b in sorted(windows):
        a, b = max(a, t0), min(b, t1)
        if a > b:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


PROFILE_MEMORY_LIMIT = 512 << 20
"""Above this much memory for the solver's matrices (a travel-cost and a time
matrix per routing profile), visit restrictions become load dimensions on one
profile (:func:`restrictions_as_loads`)."""


def forbidden_patterns(problem: Problem, model: Model) -> set[frozenset[int]]:
    """The distinct sets of candidates (positions into ``model.candidates``) that
    a modelled rep may not serve."""
    return {
        frozenset(
            k
            for k, v in enumerate(model.candidates)
            if not problem.allows(problem.visits[v], problem.reps[ri])
        )
        for ri in {ri for ri, _ in model.routes}
    }


def restrictions_as_loads(num_points: int, num_profiles: int) -> bool:
    """Whether restrictions are load dimensions rather than routing profiles.

    A profile per restriction pattern copies both matrices once per pattern: at
    5,000 candidates and three teams that is six matrices of 200 MB in the
    solver, besides the NumPy ones it is built from. Load dimensions keep one
    profile whatever the number of patterns; below
    :data:`PROFILE_MEMORY_LIMIT` profiles are kept, since there a forbidden visit
    costs the search time warp rather than load.
    """
    return num_profiles > 1 and 2 * num_profiles * num_points**2 * 8 > (
        PROFILE_MEMORY_LIMIT
    )


def estimate_bytes(problem: Problem, model: Model) -> int:
    """Rough peak memory of one search: a travel-cost and a time matrix per
    routing profile, each held twice (NumPy while building, then the solver)."""
    n = len(model.candidates) + 2 * len(problem.reps)
    profiles = len(forbidden_patterns(problem, model))
    if restrictions_as_loads(n, profiles):
        profiles = 1
    return 2 * (profiles + 1) * n * n * 8
