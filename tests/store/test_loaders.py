"""DataLoaders against N+1, counted in commands the store actually receives."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from beanie import PydanticObjectId
from motor.motor_asyncio import AsyncIOMotorDatabase

from models import Customer, Demand, Visit
from models.demand import DemandStatus, DemandType
from models.visit import Purpose

pytestmark = pytest.mark.store

CUSTOMERS = 50
VISITS_EACH = 7
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)

CUSTOMERS_WITH_DEMANDS_AND_VISITS = """
{
  customers(first: 50) {
    totalCount
    edges {
      node {
        name
        openDemands { title }
        lastVisits(last: 5) { plannedStart }
      }
    }
  }
}
"""


@pytest.fixture
async def fifty_customers(db: AsyncIOMotorDatabase) -> dict[str, list[datetime]]:
    """50 customers with 2 open and 1 resolved demands and 7 visits each.

    Returns every customer's visit starts by name, newest first.
    """
    rep_id = PydanticObjectId()
    customers = [
        Customer(id=PydanticObjectId(), name=f"Customer {n:02d}")
        for n in range(CUSTOMERS)
    ]
    demands: list[Demand] = []
    visits: list[Visit] = []
    starts: dict[str, list[datetime]] = {}
    for n, customer in enumerate(customers):
        for title, status in [
            ("open one", DemandStatus.OPEN),
            ("in progress", DemandStatus.IN_PROGRESS),
            ("resolved", DemandStatus.RESOLVED),
        ]:
            demands.append(
                Demand(
                    customer_id=customer.id,
                    type=DemandType.OTHER,
                    title=f"{customer.name} {title}",
                    status=status,
                )
            )
        # Visits are stored oldest last for odd customers, so storage order and
        # date order disagree.
        days = range(VISITS_EACH) if n % 2 else reversed(range(VISITS_EACH))
        for day in days:
            start = START + timedelta(days=day * 3, hours=n % 8)
            visits.append(
                Visit(
                    customer_id=customer.id,
                    rep_id=rep_id,
                    purpose=Purpose.FOLLOW_UP,
                    planned_start=start,
                    planned_end=start + timedelta(minutes=45),
                )
            )
            starts.setdefault(customer.name, []).append(start)
    await Customer.insert_many(customers)
    await Demand.insert_many(demands)
    await Visit.insert_many(visits)
    return {name: sorted(s, reverse=True) for name, s in starts.items()}


async def test_customer_list_with_demands_and_visits_sends_four_queries(
    gql: Any, commands: Any, db: AsyncIOMotorDatabase, fifty_customers: Any
) -> None:
    """Tests that 50 customers with demands and visits cost at most 4 queries."""
    # given
    commands.clear()

    # when
    data = await gql(CUSTOMERS_WITH_DEMANDS_AND_VISITS)

    # then
    assert len(data["customers"]["edges"]) == CUSTOMERS
    sent = commands.queries(db.name)
    assert len(sent) <= 4, [(c.name, c.collection) for c in sent]
    per_collection = Counter(c.collection for c in sent)
    assert per_collection["demands"] == 1
    assert per_collection["visits"] == 1


async def test_last_visits_are_the_newest_five_newest_first(
    gql: Any, fifty_customers: dict[str, list[datetime]]
) -> None:
    """Tests that lastVisits(last: 5) gives each customer's five newest visits."""
    # when
    data = await gql(CUSTOMERS_WITH_DEMANDS_AND_VISITS)

    # then
    assert data["customers"]["totalCount"] == CUSTOMERS
    for edge in data["customers"]["edges"]:
        node = edge["node"]
        got = [datetime.fromisoformat(v["plannedStart"]) for v in node["lastVisits"]]
        assert got == fifty_customers[node["name"]][:5], node["name"]


async def test_open_demands_are_each_customers_own_open_ones(
    gql: Any, fifty_customers: Any
) -> None:
    """Tests that openDemands lists only that customer's unresolved demands."""
    # when
    data = await gql(CUSTOMERS_WITH_DEMANDS_AND_VISITS)

    # then
    for edge in data["customers"]["edges"]:
        node = edge["node"]
        assert [d["title"] for d in node["openDemands"]] == [
            f"{node['name']} open one",
            f"{node['name']} in progress",
        ]
