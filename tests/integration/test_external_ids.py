"""External ids: stored, validated, unique per collection, found by look-ups and
list filters, and invisible rows read as missing ones."""

from __future__ import annotations

import pytest

from models import Customer, Demand, Rep, Visit
from tests.integration.access_support import as_user, gid
from tests.integration.factories import (
    CREATE_CUSTOMER,
    CREATE_DEMAND,
    CREATE_REP,
    PLAN_VISIT,
    customer_input,
    make_customer,
    make_rep,
)
from tests.integration.partner_support import CUSTOMER_BY_EXTERNAL_ID, execute, sf

CUSTOMER_IDS = """
query($id: ID, $ext: ExternalIdInput) {
  customer(id: $id, externalId: $ext) { id externalIds { system id }
    contacts { name externalIds { system id } } }
}
"""
LOOKUPS = """
query($ext: ExternalIdInput!) {
  customer(externalId: $ext) { id }
  demand(externalId: $ext) { id }
  visit(externalId: $ext) { id }
  rep(externalId: $ext) { id }
}
"""
LISTS = """
query($ext: ExternalIdInput!) {
  customers(filter: {externalId: $ext}) { totalCount nodes { id } }
  demands(filter: {externalId: $ext}) { totalCount nodes { id } }
  visits(filter: {externalId: $ext}) { totalCount nodes { id } }
}
"""
UPDATE_CUSTOMER = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) {
    __typename ... on CustomerPayload { customer { externalIds { system id } } }
    ... on Error { code field message } } }
"""
UPDATE_REP = """
mutation($input: UpdateRepInput!) {
  updateRep(input: $input) {
    __typename ... on RepPayload { rep { externalIds { system id } } }
    ... on Error { code field message } } }
"""


async def test_a_customer_is_found_by_its_external_id(gql):
    """Tests that createCustomer stores external ids and the look-up and the
    list filter find the customer by one of them."""
    # given
    ids = [sf("0015g00000XyZaBAAV"), {"system": "hubspot", "id": "8812"}]
    created = await make_customer(gql, externalIds=ids)
    await make_customer(gql, "Another", externalIds=[sf("0015g00000Other")])
    # when
    found = await gql(CUSTOMER_IDS, ext={"system": "hubspot", "id": "8812"})
    listed = await gql(
        "query($ext: ExternalIdInput!) { customers(filter: {externalId: $ext}) "
        "{ totalCount nodes { id } } }",
        ext=sf("0015g00000XyZaBAAV"),
    )
    # then
    assert found["customer"]["id"] == created["id"]
    assert found["customer"]["externalIds"] == ids
    assert listed["customers"] == {"totalCount": 1, "nodes": [{"id": created["id"]}]}


async def test_an_unknown_external_id_finds_nothing(gql):
    """Tests that a look-up by an id nobody has reads null and lists are empty."""
    # given
    await make_customer(gql, externalIds=[sf("001A")])
    # when
    found = await gql(LOOKUPS, ext=sf("001B"))
    listed = await gql(LISTS, ext=sf("001B"))
    # then
    assert found == {"customer": None, "demand": None, "visit": None, "rep": None}
    assert [v["totalCount"] for v in listed.values()] == [0, 0, 0]


@pytest.mark.parametrize(
    ("ids", "field"),
    [
        ([{"system": "Salesforce", "id": "1"}], "externalIds.0.system"),
        ([{"system": "9cloud", "id": "1"}], "externalIds.0.system"),
        ([{"system": "s" * 33, "id": "1"}], "externalIds.0.system"),
        ([{"system": "sales force", "id": "1"}], "externalIds.0.system"),
        ([{"system": "zoho", "id": ""}], "externalIds.0.id"),
        ([{"system": "zoho", "id": "   "}], "externalIds.0.id"),
        ([{"system": "zoho", "id": "x" * 256}], "externalIds.0.id"),
        ([sf("1"), sf("2")], "externalIds"),
    ],
)
async def test_malformed_external_ids_are_refused(gql, ids, field):
    """Tests the system name rule, the id's bounds and one id per system."""
    # when
    data = await gql(CREATE_CUSTOMER, input=customer_input(externalIds=ids))
    # then
    result = data["createCustomer"]
    assert (result["__typename"], result["field"]) == ("ValidationError", field)
    assert await Customer.count() == 0


@pytest.mark.parametrize(
    "system", ["salesforce", "zoho", "dynamics", "hubspot", "x", "my_crm-2"]
)
async def test_usual_and_custom_system_names_are_accepted(gql, system):
    """Tests that every lowercase identifier up to 32 characters is a system."""
    # when
    customer = await make_customer(gql, externalIds=[{"system": system, "id": "A-1"}])
    # then
    assert customer["id"]


async def test_a_second_customer_with_the_same_external_id_is_a_conflict(gql):
    """Tests that an external id belongs to one customer: creating or changing
    another to carry it is refused, and nothing is written."""
    # given
    await make_customer(gql, externalIds=[sf("001A")])
    other = await make_customer(gql, "Other")
    # when
    created = await gql(
        CREATE_CUSTOMER,
        input=customer_input(externalIds=[{"system": "zoho", "id": "9"}, sf("001A")]),
    )
    changed = await gql(
        UPDATE_CUSTOMER, input={"id": other["id"], "externalIds": [sf("001A")]}
    )
    # then
    for result in (created["createCustomer"], changed["updateCustomer"]):
        assert (result["__typename"], result["field"]) == (
            "ConflictError",
            "externalIds",
        )
        assert (
            "salesforce id '001A' already belongs to another customer"
            in (result["message"])
        )
    assert await Customer.count() == 2
    assert await Customer.find({"external_keys": "zoho:9"}).count() == 0


async def test_the_same_id_in_another_system_or_collection_is_no_conflict(gql):
    """Tests that uniqueness is per system and per collection."""
    # given
    customer = await make_customer(gql, externalIds=[sf("42")])
    rep = await make_rep(gql, externalIds=[sf("42")])
    # when
    again = await make_customer(gql, "B", externalIds=[{"system": "zoho", "id": "42"}])
    demand = await gql(
        CREATE_DEMAND,
        input={
            "customerId": customer["id"],
            "type": "COMPLAINT",
            "title": "t",
            "externalIds": [sf("42")],
        },
    )
    visit = await gql(
        PLAN_VISIT,
        input={
            "customerId": customer["id"],
            "repId": rep["id"],
            "purpose": "DEMO",
            "plannedStart": "2031-03-03T09:00:00Z",
            "plannedEnd": "2031-03-03T10:00:00Z",
            "externalIds": [sf("42")],
        },
    )
    found = await gql(LOOKUPS, ext=sf("42"))
    # then
    assert again["id"]
    assert demand["createDemand"]["__typename"] == "DemandPayload"
    assert visit["planVisit"]["__typename"] == "VisitPayload"
    assert found["customer"]["id"] == customer["id"]
    assert found["rep"]["id"] == rep["id"]
    assert found["demand"]["id"] == demand["createDemand"]["demand"]["id"]
    assert found["visit"]["id"] == visit["planVisit"]["visit"]["id"]


async def test_contacts_carry_external_ids_unique_among_all_contacts(gql):
    """Tests contact external ids: stored, one contact per id across customers,
    and two contacts of one customer cannot share one."""
    # given
    contact = {"name": "Jonas Müller", "externalIds": [sf("003A")]}
    first = await make_customer(gql, contacts=[contact])
    # when
    again = await gql(
        CREATE_CUSTOMER, input=customer_input("Other", contacts=[contact])
    )
    twice = await gql(
        CREATE_CUSTOMER,
        input=customer_input(
            "Third", contacts=[contact | {"externalIds": [sf("003B")]}] * 2
        ),
    )
    read = await gql(CUSTOMER_IDS, id=first["id"])
    # then
    assert again["createCustomer"]["__typename"] == "ConflictError"
    assert again["createCustomer"]["field"] == "contacts.externalIds"
    assert twice["createCustomer"]["__typename"] == "ValidationError"
    assert (
        "two contacts have the same external id" in twice["createCustomer"]["message"]
    )
    assert read["customer"]["contacts"][0]["externalIds"] == [sf("003A")]
    assert await Customer.count() == 1


async def test_a_look_up_needs_exactly_one_of_id_and_external_id(gql):
    """Tests that naming neither or both is a validation error."""
    # given
    customer = await make_customer(gql, externalIds=[sf("001A")])
    # when
    neither = await gql.errors("{ customer { id } }")
    both = await gql.errors(CUSTOMER_IDS, id=customer["id"], ext=sf("001A"))
    # then
    for errors in (neither, both):
        assert errors[0].extensions["code"] == "VALIDATION"
        assert errors[0].extensions["field"] == "externalId"


async def test_a_malformed_external_id_in_a_look_up_is_a_validation_error(gql):
    """Tests that a bad system name is refused, not read as a missing row."""
    # when
    errors = await gql.errors(CUSTOMER_BY_EXTERNAL_ID, ext={"system": "SF", "id": "1"})
    # then
    assert errors[0].extensions["code"] == "VALIDATION"
    assert errors[0].extensions["field"] == "externalId.system"


async def test_reps_carry_external_ids_that_only_admins_change(gql, world):
    """Tests createRep and updateRep with external ids, the look-up, and that
    users cannot set their own (it names them in a partner's system)."""
    # given
    created = await gql(
        CREATE_REP,
        input={"name": "Eva", "email": "eva@example.com", "externalIds": [sf("005E")]},
    )
    r1 = world.users["r1"]
    r1_gid = gid("Rep", r1.id)
    # when
    by_admin = await gql(UPDATE_REP, input={"id": r1_gid, "externalIds": [sf("005R")]})
    _, by_self = await execute(
        await as_user(world, "r1"),
        UPDATE_REP,
        input={"id": r1_gid, "externalIds": [sf("005X")]},
    )
    taken = await gql(UPDATE_REP, input={"id": r1_gid, "externalIds": [sf("005E")]})
    found = await gql(
        "query($e: ExternalIdInput!) { rep(externalId: $e) { name } }", e=sf("005R")
    )
    # then
    assert created["createRep"]["rep"]["id"]
    assert by_admin["updateRep"]["rep"]["externalIds"] == [sf("005R")]
    assert by_self == ["FORBIDDEN"]
    assert taken["updateRep"]["__typename"] == "ConflictError"
    assert found["rep"] == {"name": "r1"}
    assert (await Rep.get(r1.id)).external_keys == ["salesforce:005R"]


async def _tag_world(world) -> None:
    """Give c1 (r1's), its demand and v1 the external id salesforce X1."""
    c1 = world.customers["c1"]
    await Customer.find_one({"_id": c1.id}).update(
        {"$set": {"external_ids": [sf("X1")], "external_keys": ["salesforce:X1"]}}
    )
    for model, query in (
        (Demand, {"customer_id": c1.id}),
        (Visit, {"_id": world.visits["v1"].id}),
        (Rep, {"_id": world.users["r1"].id}),
    ):
        await model.find_one(query).update(
            {"$set": {"external_ids": [sf("X1")], "external_keys": ["salesforce:X1"]}}
        )


@pytest.mark.parametrize("document", [LOOKUPS, LISTS], ids=["look-ups", "lists"])
async def test_an_invisible_row_reads_like_a_missing_external_id(world, document):
    """Tests that m2 (another team) gets the same answer for r1's rows, by their
    external id, as for an id nobody has; r1 and its manager find them."""
    # given
    await _tag_world(world)
    outsider = await as_user(world, "m2")
    # when
    hidden = await execute(outsider, document, ext=sf("X1"))
    missing = await execute(outsider, document, ext=sf("X2"))
    own = await execute(await as_user(world, "r1"), document, ext=sf("X1"))
    manager = await execute(await as_user(world, "m1"), document, ext=sf("X1"))
    # then
    assert hidden == missing
    assert "None" in str(hidden) or "'totalCount': 0" in str(hidden)
    for data, codes in (own, manager):
        assert codes == []
        assert "None" not in str(data)
        assert "'totalCount': 0" not in str(data)
