"""Demands: creation, the status workflow and its history."""

from __future__ import annotations

import pytest

from models import Demand
from tests.integration.factories import CREATE_DEMAND, make_customer, make_rep

TRANSITION = """
mutation Move($input: TransitionDemandInput!) {
  transitionDemand(input: $input) {
    __typename
    ... on DemandPayload { demand { status revision history { fromStatus toStatus comment } } }
    ... on InvalidTransitionError { code currentStatus requestedStatus message }
    ... on Error { code field message }
  }
}
"""

LIST = """
query List($filter: DemandFilterInput, $orderBy: DemandOrder) {
  demands(filter: $filter, orderBy: $orderBy) { totalCount nodes { title status } }
}
"""


async def make_demand(gql, customer, **extra):
    """Create a demand and return it."""
    data = await gql(
        CREATE_DEMAND,
        input={
            "customerId": customer["id"],
            "type": "COMPLAINT",
            "title": "Fridge broken",
            **extra,
        },
    )
    assert data["createDemand"]["__typename"] == "DemandPayload", data
    return data["createDemand"]["demand"]


async def move(gql, demand, to, comment=None):
    """Ask for a transition and return the result."""
    data = await gql(
        TRANSITION, input={"id": demand["id"], "to": to, "comment": comment}
    )
    return data["transitionDemand"]


async def test_a_new_demand_is_open_with_its_creation_in_the_history(gql):
    """Tests that createDemand starts open and records the creation."""
    # given
    customer = await make_customer(gql)
    # when
    demand = await make_demand(gql, customer, priority="URGENT")
    # then
    assert demand["status"] == "OPEN"
    assert demand["priority"] == "URGENT"
    assert demand["history"] == [
        {"fromStatus": None, "toStatus": "OPEN", "comment": "created"}
    ]
    assert demand["customer"] == {"name": "Apotheke am Markt"}


async def test_the_full_workflow_and_a_reopen_are_recorded(gql):
    """Tests every step of the workflow, in order, with comments."""
    # given
    customer = await make_customer(gql)
    demand = await make_demand(gql, customer)
    steps = ["IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED", "OPEN"]
    # when
    results = [await move(gql, demand, step, f"to {step}") for step in steps]
    # then
    assert [r["__typename"] for r in results] == ["DemandPayload"] * 5
    history = results[-1]["demand"]["history"]
    assert [(h["fromStatus"], h["toStatus"]) for h in history] == [
        (None, "OPEN"),
        ("OPEN", "IN_PROGRESS"),
        ("IN_PROGRESS", "WAITING_ON_CUSTOMER"),
        ("WAITING_ON_CUSTOMER", "RESOLVED"),
        ("RESOLVED", "CLOSED"),
        ("CLOSED", "OPEN"),
    ]
    assert history[-1]["comment"] == "to OPEN"


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "RESOLVED"),
        ([], "CLOSED"),
        ([], "WAITING_ON_CUSTOMER"),
        ([], "OPEN"),
        (["IN_PROGRESS"], "CLOSED"),
        (["IN_PROGRESS", "RESOLVED"], "IN_PROGRESS"),
    ],
)
async def test_a_step_outside_the_workflow_is_refused_and_changes_nothing(
    gql, path, refused
):
    """Tests that disallowed transitions give INVALID_TRANSITION and write nothing."""
    # given
    customer = await make_customer(gql)
    demand = await make_demand(gql, customer)
    for step in path:
        await move(gql, demand, step)
    before = (await Demand.find_one()).model_dump()
    # when
    result = await move(gql, demand, refused)
    # then
    assert result["__typename"] == "InvalidTransitionError"
    assert result["code"] == "INVALID_TRANSITION"
    assert result["requestedStatus"] == refused.lower()
    assert (await Demand.find_one()).model_dump() == before


async def test_a_stale_revision_cannot_move_a_demand(gql):
    """Tests optimistic concurrency on transitions."""
    # given
    customer = await make_customer(gql)
    demand = await make_demand(gql, customer)
    await move(gql, demand, "IN_PROGRESS")
    # when
    data = await gql(
        TRANSITION,
        input={"id": demand["id"], "to": "RESOLVED", "revision": demand["revision"]},
    )
    # then
    assert data["transitionDemand"]["__typename"] == "ConflictError"


async def test_create_demand_validates_references_and_fields(gql):
    """Tests unknown customers, unknown assignees and empty titles."""
    # given
    customer = await make_customer(gql)
    rep = await make_rep(gql)
    ghost_rep = "UmVwOjY1MDAwMDAwMDAwMDAwMDAwMDAwMDAwMA=="
    ghost_customer = "Q3VzdG9tZXI6NjUwMDAwMDAwMDAwMDAwMDAwMDAwMDAw"
    # when
    no_customer = await gql(
        CREATE_DEMAND,
        input={"customerId": ghost_customer, "type": "TRAINING", "title": "x"},
    )
    no_rep = await gql(
        CREATE_DEMAND,
        input={
            "customerId": customer["id"],
            "type": "TRAINING",
            "title": "x",
            "assigneeId": ghost_rep,
        },
    )
    empty = await gql(
        CREATE_DEMAND,
        input={
            "customerId": customer["id"],
            "type": "TRAINING",
            "title": "",
            "assigneeId": rep["id"],
        },
    )
    # then
    assert no_customer["createDemand"]["field"] == "customerId"
    assert no_customer["createDemand"]["__typename"] == "NotFoundError"
    assert no_rep["createDemand"]["field"] == "assigneeId"
    assert empty["createDemand"] == {
        "__typename": "ValidationError",
        "code": "VALIDATION",
        "field": "title",
        "message": "title: String should have at least 1 character",
    }
    assert await Demand.count() == 0


async def test_demands_filter_by_status_and_customer_and_the_customer_sees_open_ones(
    gql,
):
    """Tests demand filters and a customer's openDemands."""
    # given
    first = await make_customer(gql, "First")
    second = await make_customer(gql, "Second")
    open_one = await make_demand(gql, first, title="Open one")
    done = await make_demand(gql, first, title="Done")
    await make_demand(gql, second, title="Elsewhere")
    await move(gql, done, "IN_PROGRESS")
    await move(gql, done, "RESOLVED")
    # when
    mine = await gql(LIST, filter={"customerIds": [first["id"]], "statuses": ["OPEN"]})
    customer = await gql(
        "query($id: ID!) { customer(id: $id) { openDemands { title } } }",
        id=first["id"],
    )
    # then
    assert mine["demands"] == {
        "totalCount": 1,
        "nodes": [{"title": "Open one", "status": "OPEN"}],
    }
    assert customer["customer"]["openDemands"] == [{"title": open_one["title"]}]
