"""Change streams: a watcher sees what the API writes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase
from strawberry import relay

pytestmark = pytest.mark.store

CREATE_CUSTOMER = """
mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename
    ... on CustomerPayload { customer { id name } }
  }
}
"""


async def test_watch_sees_a_customer_created_through_the_api(
    gql: Any, db: AsyncIOMotorDatabase
) -> None:
    """Tests that a change stream on customers reports the createCustomer insert."""
    # given
    async with db.customers.watch() as stream:
        # when
        data = await gql(CREATE_CUSTOMER, input={"name": "Weinhaus Lenz"})
        change = await asyncio.wait_for(stream.next(), timeout=10)

    # then
    assert data["createCustomer"]["__typename"] == "CustomerPayload"
    created = relay.GlobalID.from_id(data["createCustomer"]["customer"]["id"])
    assert change["operationType"] == "insert"
    assert str(change["documentKey"]["_id"]) == created.node_id
    assert change["fullDocument"]["name"] == "Weinhaus Lenz"
