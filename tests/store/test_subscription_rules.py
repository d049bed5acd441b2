"""Row rules on subscription events: each event is checked for the subscriber."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from beanie import PydanticObjectId
from strawberry import relay

from models import Rep
from resolvers.auth import principal_for
from resolvers.context import Context
from schema import schema
from tests.integration.factories import make_customer, make_rep

pytestmark = pytest.mark.store

FOLLOW = """
subscription Follow($id: ID!) {
  customerChanged(id: $id) { operation customer { name } }
}
"""
RENAME = """
mutation Rename($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { __typename }
}
"""


async def _first_event(gql: Any, rep: dict[str, Any], customer: str) -> Any:
    user = await Rep.get(PydanticObjectId(relay.GlobalID.from_id(rep["id"]).node_id))
    assert user is not None
    ctx = Context(principal=await principal_for(user))
    stream = await schema.subscribe(
        FOLLOW, variable_values={"id": customer}, context_value=ctx
    )
    assert not hasattr(stream, "errors"), stream
    waiting = asyncio.ensure_future(stream.__anext__())  # type: ignore[union-attr]
    await asyncio.sleep(1)  # the change stream opens
    await gql(RENAME, input={"id": customer, "name": "Renamed"})
    try:
        return (await asyncio.wait_for(waiting, timeout=4)).data
    except TimeoutError:
        return None
    finally:
        await stream.aclose()  # type: ignore[union-attr]


async def test_a_rep_receives_changes_to_own_customers_only(gql: Any) -> None:
    """Tests that the owner gets the event and another rep gets none."""
    # given
    owner = await make_rep(gql, email="owner@example.com")
    other = await make_rep(gql, email="other@example.com")
    customer = await make_customer(gql, ownerId=owner["id"])
    # when
    seen_by_owner = await _first_event(gql, owner, customer["id"])
    seen_by_other = await _first_event(gql, other, customer["id"])
    # then
    assert seen_by_owner == {
        "customerChanged": {"operation": "REPLACE", "customer": {"name": "Renamed"}}
    }
    assert seen_by_other is None
