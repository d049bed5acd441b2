"""DataLoaders: nested fields of many parents are fetched in one batch."""

from __future__ import annotations

from models import Rep
from resolvers import loaders
from tests.integration.factories import (
    CREATE_DEMAND,
    make_customer,
    make_rep,
    make_visit,
)

NESTED = """
{ customers(first: 50) { nodes { name owner { name } openDemands { title }
  lastVisits(last: 5) { plannedStart rep { name } } } } }
"""


def spy(monkeypatch, name: str, model: type | None = None) -> list[list]:
    """Record the keys of every batch the loaders made by ``name`` run."""
    calls: list[list] = []
    real = getattr(loaders, name)

    def factory(*args):
        load = real(*args)
        if model is not None and args[0] is not model:
            return load

        async def recording(keys):
            calls.append(list(keys))
            return await load(keys)

        return recording

    monkeypatch.setattr(loaders, name, factory)
    return calls


async def test_nested_fields_of_a_page_are_loaded_in_one_batch_each(gql, monkeypatch):
    """Tests that owners, open demands and last visits of N customers take one batch each."""
    # given
    rep = await make_rep(gql)
    for n in range(6):
        customer = await make_customer(gql, f"Customer {n}", ownerId=rep["id"])
        await gql(
            CREATE_DEMAND,
            input={
                "customerId": customer["id"],
                "type": "RENEWAL",
                "title": f"Renew {n}",
            },
        )
        for day in range(10, 17):
            await make_visit(
                gql,
                customer,
                rep,
                f"2026-11-{day}T{8 + n:02d}:00:00Z",
                f"2026-11-{day}T{8 + n:02d}:30:00Z",
            )
    reps = spy(monkeypatch, "_by_id", Rep)
    demands = spy(monkeypatch, "_open_demands")
    visits = spy(monkeypatch, "_last_visits")
    # when
    data = await gql(NESTED)
    # then
    nodes = data["customers"]["nodes"]
    assert len(nodes) == 6
    assert all(len(node["lastVisits"]) == 5 for node in nodes)
    assert nodes[0]["lastVisits"][0]["plannedStart"] == "2026-11-16T08:00:00.000Z"
    assert all(
        node["openDemands"] == [{"title": f"Renew {n}"}] for n, node in enumerate(nodes)
    )
    assert len(demands) == 1
    assert len(demands[0]) == 6
    assert len(visits) == 1
    assert len(visits[0]) == 6
    assert len(reps) == 1  # owners and visit reps share one cached batch
