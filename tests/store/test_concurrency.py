"""Optimistic concurrency on a real store: no change overwrites another unseen."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase

from models import Customer
from resolvers.access import Principal
from resolvers.context import Context
from schema import schema

pytestmark = pytest.mark.store

CREATE_CUSTOMER = """
mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename
    ... on CustomerPayload { customer { id revision name } }
  }
}
"""

UPDATE_CUSTOMER = """
mutation Update($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) {
    __typename
    ... on CustomerPayload { customer { revision name tier } }
    ... on Error { code field message }
  }
}
"""


@pytest.fixture
async def customer(gql: Any) -> dict[str, Any]:
    """A customer created through the API: its id, revision and name."""
    data = await gql(CREATE_CUSTOMER, input={"name": "Metzgerei Vogl", "tier": "B"})
    assert data["createCustomer"]["__typename"] == "CustomerPayload"
    return data["createCustomer"]["customer"]


async def test_second_update_with_the_same_revision_is_a_conflict(
    gql: Any, customer: dict[str, Any]
) -> None:
    """Tests that a change sent with an outdated revision is refused."""
    # given
    read = {"id": customer["id"], "revision": customer["revision"]}
    first = await gql(UPDATE_CUSTOMER, input={**read, "name": "Metzgerei Vogl KG"})
    assert first["updateCustomer"]["__typename"] == "CustomerPayload"

    # when
    second = await gql(UPDATE_CUSTOMER, input={**read, "tier": "A"})

    # then
    assert second["updateCustomer"]["__typename"] == "ConflictError"
    assert second["updateCustomer"]["code"] == "CONFLICT"
    assert second["updateCustomer"]["field"] == "revision"
    stored = await Customer.find_one({"name": "Metzgerei Vogl KG"})
    assert stored is not None
    assert stored.tier == "B"


async def test_concurrent_updates_with_one_revision_keep_exactly_one(
    db: AsyncIOMotorDatabase, customer: dict[str, Any]
) -> None:
    """Tests that racing updates from one revision give one change and conflicts."""
    # given
    names = [f"Metzgerei Vogl {n}" for n in range(4)]
    read = {"id": customer["id"], "revision": customer["revision"]}

    # when
    results = await asyncio.gather(
        *(
            schema.execute(
                UPDATE_CUSTOMER,
                variable_values={"input": {**read, "name": name}},
                context_value=Context(principal=Principal.system()),
            )
            for name in names
        )
    )

    # then
    assert all(r.errors is None for r in results), [r.errors for r in results]
    payloads = [r.data["updateCustomer"] for r in results]
    kept = [p for p in payloads if p["__typename"] == "CustomerPayload"]
    refused = [p for p in payloads if p["__typename"] == "ConflictError"]
    assert len(kept) == 1
    assert len(refused) == len(names) - 1
    stored = await Customer.find_all().to_list()
    assert [c.name for c in stored] == [kept[0]["customer"]["name"]]
    assert kept[0]["customer"]["revision"] != customer["revision"]


async def test_update_with_the_current_revision_after_a_change_succeeds(
    gql: Any, customer: dict[str, Any]
) -> None:
    """Tests that re-reading the revision after a conflict lets the change through."""
    # given
    read = {"id": customer["id"], "revision": customer["revision"]}
    first = await gql(UPDATE_CUSTOMER, input={**read, "name": "Vogl & Söhne"})
    current = first["updateCustomer"]["customer"]["revision"]

    # when
    data = await gql(
        UPDATE_CUSTOMER, input={"id": customer["id"], "revision": current, "tier": "A"}
    )

    # then
    assert data["updateCustomer"]["__typename"] == "CustomerPayload"
    assert data["updateCustomer"]["customer"]["name"] == "Vogl & Söhne"
    assert data["updateCustomer"]["customer"]["tier"] == "A"
