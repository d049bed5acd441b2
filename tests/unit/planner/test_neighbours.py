"""Tests of the location-by-location granular neighbourhoods."""

from __future__ import annotations

import numpy as np
import pytest
from pyvrp import (
    Client,
    ClientGroup,
    Depot,
    Location,
    ProblemData,
    VehicleType,
)
from pyvrp.search import NeighbourhoodParams, compute_neighbours

from planner.backends import neighbours


def _data(
    seed: int, *, places: int = 60, windows: int = 3, grid: int = 1
) -> ProblemData:
    """A problem shaped like a week of visits: several windows per location in a
    mutually exclusive group, two routing profiles, one zero-distance location."""
    rng = np.random.default_rng(seed)
    xy = np.round(rng.uniform(0, 10_000, size=(places + 2, 2)) / grid) * grid
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
            early = int(rng.integers(0, 20_000)) // grid * grid
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


@pytest.mark.parametrize(("seed", "grid"), [(1, 1), (2, 1), (3, 1), (4, 500)])
def test_neighbourhoods_are_pyvrps_own(seed: int, grid: int) -> None:
    """Tests that every client gets PyVRP's neighbours in PyVRP's order, ties
    included (a coarse grid of locations makes many), never itself or a client
    of its group (there are enough others)."""
    # given
    data = _data(seed, grid=grid)
    # when
    ours = neighbours.compute(data, 20)
    theirs = compute_neighbours(data, NeighbourhoodParams(num_neighbours=20))
    # then
    assert {a.idx: [b.idx for b in v] for a, v in ours.items()} == {
        a.idx: [b.idx for b in v] for a, v in theirs.items()
    }
    for act, mine in ours.items():
        group = data.clients()[act.idx].group
        assert len(mine) == 20
        assert all(a.idx != act.idx for a in mine)
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
