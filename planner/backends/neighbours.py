"""Granular neighbourhoods for PyVRP, computed location by location.

PyVRP's ``compute_neighbours`` fills a dense proximity matrix over all clients:
on a week of a large region (2,500 visits, several opening windows a day, about
15,000 clients) that is 1.9 GB and over 20 s before the search starts. The
proximity here is PyVRP's (after Vidal et al.: the cheapest cost over the vehicle
types of an edge that can be on time, plus weighted least waiting; the smaller of
the two directions; a client of the same group only when nothing else is left),
computed for the clients of one location at a time against the clients of the
nearest locations, so memory stays small and the work is done by NumPy. The
neighbours and their order are PyVRP's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pyvrp import Activity, ActivityType, ProblemData

WEIGHT_WAIT_TIME = 0.2
"""Weight of the least waiting between two clients (PyVRP's default)."""


@dataclass(frozen=True)
class Costs:
    """One way of pricing an edge: a vehicle type's unit costs and its profile's
    matrices (views into the PyVRP data, not copies)."""

    unit_distance: float
    unit_duration: float
    distance: np.ndarray[Any, Any]
    duration: np.ndarray[Any, Any]


def costs(data: ProblemData) -> list[Costs]:
    """Every distinct (unit distance cost, unit duration cost, profile) of the
    vehicle types."""
    seen: dict[tuple[int, int, int], Costs] = {}
    for vt in data.vehicle_types():
        key = (vt.unit_distance_cost, vt.unit_duration_cost, vt.profile)
        if key not in seen:
            seen[key] = Costs(
                float(vt.unit_distance_cost),
                float(vt.unit_duration_cost),
                data.distance_matrix(vt.profile),
                data.duration_matrix(vt.profile),
            )
    return list(seen.values())


def compute(data: ProblemData, num_neighbours: int) -> dict[Activity, list[Activity]]:
    """The ``num_neighbours`` nearest clients of every client.

    Clients at one location (the windows of one visit) are handled together.
    Their candidates are the clients of the nearest locations; since waiting
    only adds to an edge's cost, a client outside them is at least as far as the
    nearest location left out, and the candidates grow until that bound is
    strictly above every row's farthest neighbour. Candidates are taken in client
    order and sorted stably, so that ties go to the lower index: the result is
    PyVRP's own neighbourhood.

    Args:
        data: The PyVRP data (clients only; no pickups or deliveries).
        num_neighbours: Size of every neighbourhood.

    Returns:
        Every client activity mapped to its neighbours, nearest first, in the form
        PyVRP's ``LocalSearch`` takes.
    """
    clients = data.clients()
    n = len(clients)
    acts = [Activity(ActivityType.CLIENT, i) for i in range(n)]
    k = min(num_neighbours, n - 1)
    if k <= 0:
        return {a: [] for a in acts}
    prices = costs(data)
    w = windows(data)
    by_loc = np.argsort(w.loc, kind="stable")
    places, first = np.unique(w.loc[by_loc], return_index=True)
    bounds = np.append(first, n)
    members = [by_loc[bounds[p] : bounds[p + 1]] for p in range(len(places))]
    out: dict[Activity, list[Activity]] = {}
    for p, rows in enumerate(members):
        near = _cheapest(prices, places[p], places)
        prox, cand = _nearest(w, prices, near, members, rows, k)
        top = np.argsort(prox, axis=1, kind="stable")[:, :k]
        finite = np.isfinite(np.take_along_axis(prox, top, axis=1))
        for r, i in enumerate(rows):
            out[acts[i]] = [acts[j] for j in cand[top[r][finite[r]]]]
    return out


@dataclass(frozen=True)
class Windows:
    """What the proximity needs of every client, as arrays by client index."""

    loc: np.ndarray[Any, Any]
    early: np.ndarray[Any, Any]
    late: np.ndarray[Any, Any]
    service: np.ndarray[Any, Any]
    group: np.ndarray[Any, Any]
    """Group index, -1 for a client of no group."""


def windows(data: ProblemData) -> Windows:
    """The location, window, service time and group of every client."""
    clients = data.clients()
    n = len(clients)

    def column(values: Any, dtype: type) -> np.ndarray[Any, Any]:
        return np.fromiter(values, dtype=dtype, count=n)

    return Windows(
        loc=column((c.location for c in clients), np.int64),
        early=column((c.tw_early for c in clients), np.float64),
        late=column((c.tw_late for c in clients), np.float64),
        service=column((c.service_duration for c in clients), np.float64),
        group=column((-1 if c.group is None else c.group for c in clients), np.int64),
    )


def _cheapest(
    prices: list[Costs], here: int, places: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """The cheapest edge cost between location ``here`` and each of ``places``,
    either way, over every way of pricing it (a lower bound of the proximity)."""
    out = np.full(len(places), np.inf)
    for c in prices:
        for dist, dur in (
            (c.distance[here, places], c.duration[here, places]),
            (c.distance[places, here], c.duration[places, here]),
        ):
            cost = c.unit_distance * dist.astype(np.float64)
            if c.unit_duration:
                cost += c.unit_duration * dur
            np.minimum(out, cost, out=out)
    return out


def _nearest(
    w: Windows,
    prices: list[Costs],
    near: np.ndarray[Any, Any],
    members: list[np.ndarray[Any, Any]],
    rows: np.ndarray[Any, Any],
    k: int,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Proximity of ``rows`` (clients of one location) to enough candidates to
    hold their ``k`` nearest, and those candidates."""
    places = len(members)
    m = min(places, max(16, 6 * k // max(1, len(rows))))
    while True:
        if m >= places:
            chosen, bound = np.arange(places), np.inf
        else:
            part = np.argpartition(near, m)
            chosen, bound = part[:m], near[part[m]]
        # In client order, so that ties go to the lower index, as in PyVRP.
        cand = np.sort(np.concatenate([members[q] for q in chosen]))
        prox = proximity(w, prices, rows, cand)
        if bound == np.inf:
            return prox, cand
        if len(cand) > k and np.partition(prox, k - 1, axis=1)[:, k - 1].max() < bound:
            return prox, cand
        m *= 4


def proximity(
    w: Windows,
    prices: list[Costs],
    rows: np.ndarray[Any, Any],
    cand: np.ndarray[Any, Any],
) -> np.ndarray[Any, Any]:
    """PyVRP's symmetric proximity of every client of ``rows`` to every one of
    ``cand``: the cheapest cost of an edge between them that can be on time,
    either way, waiting included; the largest float where neither can, or for
    two clients of one group; infinity for a client and itself."""
    prox = np.minimum(
        _directed(w, prices, rows, cand), _directed(w, prices, cand, rows).T
    )
    g = w.group[rows, None]
    prox[(g == w.group[None, cand]) & (g >= 0)] = np.finfo(np.float64).max
    prox[rows[:, None] == cand[None, :]] = np.inf
    return prox


def _directed(
    w: Windows,
    prices: list[Costs],
    frm: np.ndarray[Any, Any],
    to: np.ndarray[Any, Any],
) -> np.ndarray[Any, Any]:
    """The cheapest cost of an edge from each of ``frm`` to each of ``to``."""
    lf, lt = w.loc[frm][:, None], w.loc[to][None, :]
    e_f, l_f, s_f = w.early[frm, None], w.late[frm, None], w.service[frm, None]
    e_t, l_t = w.early[None, to], w.late[None, to]
    out = np.full((len(frm), len(to)), np.finfo(np.float64).max)
    for c in prices:
        dur = c.duration[lf, lt].astype(np.float64)
        wait = np.maximum(e_t - dur - s_f - l_f, 0.0)
        cost = c.unit_distance * c.distance[lf, lt] + WEIGHT_WAIT_TIME * wait
        if c.unit_duration:
            cost += c.unit_duration * (dur + wait)
        cost[e_f + s_f + dur > l_t] = np.finfo(np.float64).max
        np.minimum(out, cost, out=out)
    return out
