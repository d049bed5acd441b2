"""Tests of the location-by-location granular neighbourhoods."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pyvrp import (
    Activity,
    Client,
    ClientGroup,
    Depot,
    Location,
    ProblemData,
    VehicleType,
)
from pyvrp.search import NeighbourhoodParams, compute_neighbours

from planner.backends import neighbours


def _data(seed: int, *, places: int = 60, windows: int = 3) -> ProblemData:
    """A problem shaped like a week of visits: several windows per location in a
    mutually exclusive group, two routing profiles, one zero-distance location."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10_000, size=(places + 2, 2))
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    dist = dist.astype(np.int64)
    dist[-1, :] = dist[:, -1] = 0  # a "wherever the rep is" location
    dur = dist // 3
    slow = dur.copy()
    slow[:, 5:9] = slow[5:9, :] = 10**6
    np.fill_diagonal(slow, 0)
    clients: list[Client] = []
    groups: list[ClientGroup] = []
    for p in range(1, places + 1):
        group = ClientGroup()
        for _ in range(windows):
            early = int(rng.integers(0, 20_000))
            group.add_client(len(clients))
            clients.append(
                Client(
                    location=p,
                    service_duration=int(rng.integers(100, 600)),
                    tw_early=early,
                    tw_late=early + int(rng.integers(300, 3_000)),
                    prize=int(rng.integers(1, 10_000)),
                    required=False,
                    group=len(groups),
                )
            )
        groups.append(group)
    clients.append(Client(location=places + 1, tw_early=9_000, tw_late=12_000))
    return ProblemData(
        [Location(0.0, 0.0) for _ in range(places + 2)],
        clients,
        [Depot(location=0)],
        [VehicleType(profile=0), VehicleType(profile=1)],
        [dist, dist],
        [dur, slow],
        groups,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_neighbourhoods_match_pyvrps_proximity(seed: int) -> None:
    """Tests that every client gets neighbours as near as PyVRP's own: the same
    sorted proximities (ties may pick other clients), never itself or a client
    of its group (there are enough others)."""
    # given
    data = _data(seed)
    # when
    ours = neighbours.compute(data, 20)
    theirs = compute_neighbours(data, NeighbourhoodParams(num_neighbours=20))
    # then
    prices = neighbours.costs(data)
    w = neighbours.windows(data)
    assert set(ours) == set(theirs)
    for act, mine in ours.items():
        i = act.idx
        assert len(mine) == len(theirs[act]) == 20
        row = np.array([i])

        def prox(acts: list[Activity], row: np.ndarray[Any, Any] = row) -> list[float]:
            cand = np.array([a.idx for a in acts])
            return sorted(neighbours.proximity(w, prices, row, cand)[0])

        assert prox(mine) == pytest.approx(prox(theirs[act]))
        group = data.clients()[i].group
        assert all(a.idx != i for a in mine)
        assert all(group is None or data.clients()[a.idx].group != group for a in mine)


def test_small_problems_list_every_other_client_its_group_last() -> None:
    """Tests that with fewer clients than the neighbourhood size, a client's
    neighbours are all other clients, those of its own group after the rest (as
    in PyVRP: only one of a group can be served)."""
    # given
    data = _data(4, places=3, windows=2)
    # when
    ours = neighbours.compute(data, 50)
    # then
    for act, mine in ours.items():
        group = data.clients()[act.idx].group
        others = set(range(data.num_clients)) - {act.idx}
        assert sorted(a.idx for a in mine) == sorted(others)
        kin = [group is not None and data.clients()[a.idx].group == group for a in mine]
        assert kin == sorted(kin)
