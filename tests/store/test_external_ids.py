"""External ids on a store that enforces unique indexes: one row per id, even
when writers race, and simultaneous upserts of one id create it once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo.errors import DuplicateKeyError

from models import Customer, Demand, Rep, Visit
from resolvers.common import external_id_taken
from resolvers.errors import ExternalIdTaken
from tests.store.support import execute, gid

pytestmark = pytest.mark.store

SF = {"system": "salesforce", "id": "0015g00000XyZaBAAV"}

UPSERT_CUSTOMER = """
mutation Upsert($input: UpsertCustomerInput!) {
  upsertCustomer(input: $input) {
    __typename
    ... on UpsertCustomerPayload { created changed customer { id revision } }
    ... on Error { code field message }
  }
}
"""
UPSERT_DEMAND = """
mutation Upsert($input: UpsertDemandInput!) {
  upsertDemand(input: $input) {
    __typename
    ... on UpsertDemandPayload { created changed demand { id } }
    ... on Error { code field message }
  }
}
"""
UPSERT_VISIT = """
mutation Upsert($input: UpsertVisitInput!) {
  upsertVisit(input: $input) {
    __typename
    ... on UpsertVisitPayload { created changed visit { id } }
    ... on Error { code field message }
  }
}
"""
CREATE_CUSTOMER = """
mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) { __typename ... on Error { code field message } }
}
"""


async def test_the_unique_index_refuses_a_second_row_with_an_id(
    db: AsyncIOMotorDatabase,
) -> None:
    """Tests the index itself: rows without ids never collide, a row whose ids
    include a taken one is refused, and the refusal maps to the API field."""
    # given
    for n in range(3):
        await Customer(name=f"plain {n}").insert()
    await Customer(name="first", external_ids=[SF]).insert()
    second = Customer(name="second", external_ids=[{"system": "zoho", "id": "1"}, SF])
    contact = {"name": "Jo", "external_ids": [{"system": "hubspot", "id": "7"}]}
    await Customer(name="with contact", contacts=[contact]).insert()
    # when
    with pytest.raises(DuplicateKeyError) as refused:
        await second.insert()
    with pytest.raises(DuplicateKeyError) as refused_contact:
        await Customer(name="again", contacts=[contact]).insert()
    # then
    assert await Customer.count() == 5
    taken = external_id_taken(second, refused.value)
    assert isinstance(taken, ExternalIdTaken)
    assert taken.field == "externalIds"
    assert "salesforce id '0015g00000XyZaBAAV'" in taken.message
    again = external_id_taken(second, refused_contact.value)
    assert isinstance(again, ExternalIdTaken)
    assert again.field == "contacts.externalIds"


async def test_every_collection_with_external_ids_has_the_unique_index(
    db: AsyncIOMotorDatabase,
) -> None:
    """Tests that reps, demands and visits refuse a second row with an id."""
    # given
    rep = Rep(name="R", email="r@example.com", external_ids=[SF])
    await rep.insert()
    customer = Customer(name="C")
    await customer.insert()
    start = datetime(2031, 3, 3, 9, tzinfo=UTC)
    rows: list[tuple[Any, Any]] = [
        (Rep(name="R2", email="r2@example.com", external_ids=[SF]), None),
        (
            Demand(customer_id=customer.id, type="other", title="t", external_ids=[SF]),
            Demand(customer_id=customer.id, type="other", title="u", external_ids=[SF]),
        ),
        (
            Visit(
                customer_id=customer.id,
                rep_id=rep.id,
                purpose="demo",
                planned_start=start,
                planned_end=start + timedelta(hours=1),
                external_ids=[SF],
            ),
            Visit(
                customer_id=customer.id,
                rep_id=rep.id,
                purpose="demo",
                planned_start=start,
                planned_end=start + timedelta(hours=1),
                external_ids=[SF],
            ),
        ),
    ]
    # when / then
    for first, second in rows:
        if second is not None:
            await first.insert()
        with pytest.raises(DuplicateKeyError):
            await (second or first).insert()


@pytest.mark.parametrize("callers", [2, 8])
async def test_simultaneous_upserts_of_one_id_create_one_customer(
    db: AsyncIOMotorDatabase, callers: int
) -> None:
    """Tests that N simultaneous upsertCustomer of one external id store one
    customer: one answer created it, the others found it (nothing to change)."""
    # given
    inp = {"externalId": SF, "name": "Apotheke am Markt", "tier": "A"}

    # when
    results = await asyncio.gather(
        *(execute(UPSERT_CUSTOMER, input=inp) for _ in range(callers))
    )

    # then
    assert {r["__typename"] for r in results} == {"UpsertCustomerPayload"}, results
    assert sorted(r["created"] for r in results) == [False] * (callers - 1) + [True]
    assert all(not r["changed"] for r in results if not r["created"])
    assert len({r["customer"]["id"] for r in results}) == 1
    assert await Customer.find({"external_keys": "salesforce:" + SF["id"]}).count() == 1
    assert await Customer.count() == 1


async def test_simultaneous_upserts_with_different_values_all_land_on_one_row(
    db: AsyncIOMotorDatabase,
) -> None:
    """Tests that racing upserts of one id with different names create one row,
    and every later one is applied to it (revision = number of changes)."""
    # given
    inputs = [{"externalId": SF, "name": f"Name {n}"} for n in range(5)]

    # when
    results = await asyncio.gather(*(execute(UPSERT_CUSTOMER, input=i) for i in inputs))

    # then
    assert {r["__typename"] for r in results} == {"UpsertCustomerPayload"}, results
    stored = await Customer.find_all().to_list()
    assert len(stored) == 1
    assert stored[0].name in {i["name"] for i in inputs}
    assert stored[0].rev == sum(1 for r in results if r["changed"] and not r["created"])


async def test_simultaneous_creates_with_one_id_let_one_through(
    db: AsyncIOMotorDatabase,
) -> None:
    """Tests createCustomer racing with the same external id: one customer, and
    the others get ConflictError on externalIds, never an internal error."""
    # given
    inp = {"name": "Apotheke", "externalIds": [SF]}

    # when
    results = await asyncio.gather(
        *(execute(CREATE_CUSTOMER, input=inp) for _ in range(4))
    )

    # then
    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["ConflictError"] * 3 + ["CustomerPayload"], results
    assert {r["field"] for r in results if r["__typename"] == "ConflictError"} == {
        "externalIds"
    }
    assert await Customer.count() == 1


async def test_simultaneous_upserts_of_one_demand_and_one_visit_create_each_once(
    db: AsyncIOMotorDatabase,
) -> None:
    """Tests upsertDemand and upsertVisit under the same race."""
    # given
    customer = Customer(name="C", external_ids=[SF])
    await customer.insert()
    rep = Rep(name="R", email="r@example.com")
    await rep.insert()
    demand = {
        "externalId": {"system": "salesforce", "id": "500A"},
        "customerExternalId": SF,
        "type": "COMPLAINT",
        "title": "Fridge",
    }
    visit = {
        "externalId": {"system": "salesforce", "id": "00UA"},
        "customerExternalId": SF,
        "repId": gid("Rep", rep.id),
        "purpose": "DEMO",
        "plannedStart": "2031-03-03T09:00:00Z",
        "plannedEnd": "2031-03-03T10:00:00Z",
    }

    # when
    results = await asyncio.gather(
        *(execute(UPSERT_DEMAND, input=demand) for _ in range(4)),
        *(execute(UPSERT_VISIT, input=visit) for _ in range(4)),
    )

    # then
    demands, visits = results[:4], results[4:]
    assert {r["__typename"] for r in demands} == {"UpsertDemandPayload"}, demands
    assert {r["__typename"] for r in visits} == {"UpsertVisitPayload"}, visits
    assert sum(r["created"] for r in demands) == 1
    assert sum(r["created"] for r in visits) == 1
    assert await Demand.count() == 1
    assert await Visit.count() == 1
