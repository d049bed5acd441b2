"""upsertCustomer, upsertDemand and upsertVisit: create when absent, change when
present, nothing the second time, revision-checked, with typed errors."""

from __future__ import annotations

import pytest

from models import AuditRecord, Customer, Demand, Visit
from tests.integration.factories import make_customer, make_rep
from tests.integration.partner_support import (
    UPSERT_CUSTOMER,
    UPSERT_DEMAND,
    UPSERT_VISIT,
    sf,
)

CONTACTS = """
query($ext: ExternalIdInput!) { customer(externalId: $ext) {
  revision contacts { id name role externalIds { id } } } }
"""


async def upsert_customer(gql, **fields):
    """Run upsertCustomer and return its result."""
    return (await gql(UPSERT_CUSTOMER, input=fields))["upsertCustomer"]


async def test_an_upsert_creates_then_changes_nothing_the_second_time(gql):
    """Tests created/changed, an unchanged revision and no audited change on
    the second identical upsert."""
    # given
    fields = {
        "externalId": sf("0015g00000XyZaB"),
        "name": "Apotheke am Markt",
        "tier": "A",
        "territory": "North",
        "addresses": [{"label": "shop", "location": {"lat": 48.1, "lng": 11.5}}],
        "customFields": [{"key": "industry", "value": {"string": "Pharma"}}],
    }
    # when
    first = await upsert_customer(gql, **fields)
    second = await upsert_customer(gql, **fields)
    # then
    assert (first["created"], first["changed"]) == (True, True)
    assert (second["created"], second["changed"]) == (False, False)
    assert second["customer"] == first["customer"]
    assert first["customer"]["externalIds"] == [sf("0015g00000XyZaB")]
    assert await Customer.count() == 1
    records = await AuditRecord.find_all().sort("at").to_list()
    assert [r.outcomes for r in records] == [
        ["UpsertCustomerPayload"],
        ["UpsertCustomerPayload"],
    ]
    assert records[0].changes
    assert records[1].changes == []


async def test_an_upsert_changes_what_differs_and_keeps_what_is_left_out(gql):
    """Tests that a changed field is written (new revision) and fields the
    input leaves out stay."""
    # given
    first = await upsert_customer(
        gql, externalId=sf("001A"), name="Old", tier="A", territory="North"
    )
    # when
    second = await upsert_customer(gql, externalId=sf("001A"), name="New")
    # then
    assert (second["created"], second["changed"]) == (False, True)
    customer = second["customer"]
    assert (customer["name"], customer["tier"], customer["territory"]) == (
        "New",
        "A",
        "North",
    )
    assert customer["id"] == first["customer"]["id"]
    assert int(customer["revision"]) == int(first["customer"]["revision"]) + 1


async def test_an_upsert_keeps_the_ids_of_other_systems(gql):
    """Tests that upserting by a Salesforce id leaves a HubSpot id in place and
    replaces only a Salesforce id."""
    # given
    created = await make_customer(
        gql, externalIds=[{"system": "hubspot", "id": "77"}, sf("001A")]
    )
    # when
    result = await upsert_customer(gql, externalId=sf("001A"), name="Renamed")
    # then
    assert result["customer"]["id"] == created["id"]
    assert result["customer"]["externalIds"] == [
        {"system": "hubspot", "id": "77"},
        sf("001A"),
    ]


async def test_an_expected_revision_is_checked(gql):
    """Tests that a stale expectedRevision is a ConflictError and a current one
    passes; with one, an id nobody has is NotFoundError and creates nothing."""
    # given
    first = await upsert_customer(gql, externalId=sf("001A"), name="A")
    await upsert_customer(gql, externalId=sf("001A"), name="B")
    # when
    stale = await upsert_customer(
        gql,
        externalId=sf("001A"),
        name="C",
        expectedRevision=first["customer"]["revision"],
    )
    missing = await upsert_customer(
        gql, externalId=sf("001Z"), name="Z", expectedRevision="0"
    )
    current = await upsert_customer(
        gql,
        externalId=sf("001A"),
        name="C",
        expectedRevision=str(int(first["customer"]["revision"]) + 1),
    )
    # then
    assert (stale["__typename"], stale["code"], stale["field"]) == (
        "ConflictError",
        "CONFLICT",
        "revision",
    )
    assert (missing["__typename"], missing["field"]) == ("NotFoundError", "externalId")
    assert current["__typename"] == "UpsertCustomerPayload"
    assert current["customer"]["name"] == "C"
    assert await Customer.count() == 1


async def test_bad_input_is_a_typed_error_and_writes_nothing(gql):
    """Tests validation errors of an upsert (a bad system, a bad field)."""
    # when
    system = await upsert_customer(
        gql, externalId={"system": "SF", "id": "1"}, name="A"
    )
    zone = await upsert_customer(
        gql, externalId=sf("1"), name="A", timeZone="Mars/Base"
    )
    # then
    assert (system["__typename"], system["field"]) == (
        "ValidationError",
        "externalId.system",
    )
    assert (zone["__typename"], zone["field"]) == ("ValidationError", "timeZone")
    assert await Customer.count() == 0


async def test_contacts_sent_again_keep_their_ids(gql):
    """Tests that the same contacts twice change nothing, and that a contact
    matched by its external id keeps its id when its name changes."""
    # given
    contacts = [
        {"name": "Jonas Müller", "externalIds": [sf("003A")]},
        {"name": "Front desk", "role": "reception"},
    ]
    await upsert_customer(gql, externalId=sf("001A"), name="A", contacts=contacts)
    before = (await gql(CONTACTS, ext=sf("001A")))["customer"]
    # when
    same = await upsert_customer(
        gql, externalId=sf("001A"), name="A", contacts=contacts
    )
    renamed = [{**contacts[0], "name": "Jonas Müller-Lang"}, contacts[1]]
    moved = await upsert_customer(
        gql, externalId=sf("001A"), name="A", contacts=renamed
    )
    after = (await gql(CONTACTS, ext=sf("001A")))["customer"]
    # then
    assert same["changed"] is False
    assert moved["changed"] is True
    assert [c["id"] for c in after["contacts"]] == [c["id"] for c in before["contacts"]]
    assert after["contacts"][0]["name"] == "Jonas Müller-Lang"


async def test_the_owner_may_be_named_by_its_external_id(gql):
    """Tests ownerExternalId: the rep with that id owns the customer; an id no
    rep has is NotFoundError on that field."""
    # given
    rep = await make_rep(gql, externalIds=[sf("005R")])
    # when
    owned = await upsert_customer(
        gql, externalId=sf("001A"), name="A", ownerExternalId=sf("005R")
    )
    unknown = await upsert_customer(
        gql, externalId=sf("001B"), name="B", ownerExternalId=sf("005X")
    )
    both = await upsert_customer(
        gql,
        externalId=sf("001C"),
        name="C",
        ownerId=rep["id"],
        ownerExternalId=sf("005R"),
    )
    # then
    assert owned["customer"]["owner"] == {"id": rep["id"]}
    assert (unknown["__typename"], unknown["field"]) == (
        "NotFoundError",
        "ownerExternalId",
    )
    assert (both["__typename"], both["field"]) == ("ValidationError", "ownerExternalId")
    assert await Customer.count() == 1


# Demands


async def upsert_demand(gql, **fields):
    """Run upsertDemand and return its result."""
    return (await gql(UPSERT_DEMAND, input=fields))["upsertDemand"]


async def test_a_demand_is_upserted_by_its_and_its_customers_external_ids(gql):
    """Tests upsertDemand: created open for the customer named by its external
    id, the same input changes nothing, a new priority and assignee do."""
    # given
    customer = await make_customer(gql, externalIds=[sf("001A")])
    rep = await make_rep(gql, externalIds=[sf("005R")])
    fields = {
        "externalId": sf("500C"),
        "customerExternalId": sf("001A"),
        "type": "COMPLAINT",
        "title": "Fridge broken",
        "due": "2031-03-03T12:00:00.123456+01:00",
    }
    # when
    first = await upsert_demand(gql, **fields)
    same = await upsert_demand(gql, **fields)
    changed = await upsert_demand(
        gql, **fields, priority="URGENT", assigneeExternalId=sf("005R")
    )
    # then
    assert (first["created"], first["changed"]) == (True, True)
    assert first["demand"]["status"] == "OPEN"
    assert first["demand"]["customer"] == {"id": customer["id"]}
    assert (same["created"], same["changed"]) == (False, False)
    assert same["demand"]["revision"] == first["demand"]["revision"]
    assert (changed["created"], changed["changed"]) == (False, True)
    assert changed["demand"]["priority"] == "URGENT"
    assert changed["demand"]["assignee"] == {"id": rep["id"]}
    assert await Demand.count() == 1


async def test_a_demand_needs_a_customer_and_stays_with_it(gql):
    """Tests that creating needs a customer, that a demand cannot move to
    another customer, and that a customer nobody has is NotFoundError."""
    # given
    await make_customer(gql, externalIds=[sf("001A")])
    await make_customer(gql, "Other", externalIds=[sf("001B")])
    base = {"externalId": sf("500C"), "type": "COMPLAINT", "title": "t"}
    # when
    without = await upsert_demand(gql, **base)
    unknown = await upsert_demand(gql, **base, customerExternalId=sf("001Z"))
    await upsert_demand(gql, **base, customerExternalId=sf("001A"))
    moved = await upsert_demand(gql, **base, customerExternalId=sf("001B"))
    # then
    assert (without["__typename"], without["field"]) == (
        "ValidationError",
        "customerId",
    )
    assert (unknown["__typename"], unknown["field"]) == (
        "NotFoundError",
        "customerExternalId",
    )
    assert (moved["__typename"], moved["field"]) == ("ValidationError", "customerId")
    assert await Demand.count() == 1


# Visits


async def upsert_visit(gql, **fields):
    """Run upsertVisit and return its result."""
    return (await gql(UPSERT_VISIT, input=fields))["upsertVisit"]


@pytest.fixture
async def crm(gql):
    """A customer and a rep with Salesforce ids, and a visit's fields."""
    customer = await make_customer(gql, externalIds=[sf("001A")])
    rep = await make_rep(gql, externalIds=[sf("005R")])
    fields = {
        "externalId": sf("00U1"),
        "customerExternalId": sf("001A"),
        "repExternalId": sf("005R"),
        "purpose": "DEMO",
        "plannedStart": "2031-03-03T09:00:00+01:00",
        "plannedEnd": "2031-03-03T10:00:00+01:00",
    }
    return customer, rep, fields


async def test_a_visit_is_planned_then_left_alone_then_moved(gql, crm):
    """Tests upsertVisit: planned, no change on the same input, new times are a
    change that makes a confirmed visit planned again."""
    # given
    customer, rep, fields = crm
    first = await upsert_visit(gql, **fields)
    await gql(
        "mutation($id: ID!) { confirmVisit(input: {id: $id}) { __typename } }",
        id=first["visit"]["id"],
    )
    # when
    same = await upsert_visit(gql, **fields)
    moved = await upsert_visit(
        gql,
        **fields
        | {
            "plannedStart": "2031-03-03T11:00:00Z",
            "plannedEnd": "2031-03-03T12:00:00Z",
        },
    )
    # then
    assert (first["created"], first["changed"]) == (True, True)
    assert first["visit"]["customer"] == {"id": customer["id"]}
    assert first["visit"]["rep"] == {"id": rep["id"]}
    assert (same["changed"], same["visit"]["status"]) == (False, "CONFIRMED")
    assert (moved["changed"], moved["visit"]["status"]) == (True, "PLANNED")
    assert moved["visit"]["plannedStart"] == "2031-03-03T11:00:00.000Z"
    assert await Visit.count() == 1


async def test_an_upserted_visit_cannot_overlap_another(gql, crm):
    """Tests that an upsert is checked for overlaps like planVisit."""
    # given
    _, _, fields = crm
    await upsert_visit(gql, **fields)
    # when
    clash = await upsert_visit(gql, **fields | {"externalId": sf("00U2")})
    # then
    assert (clash["__typename"], clash["field"]) == ("ConflictError", "plannedStart")
    assert await Visit.count() == 1


async def test_a_completed_visit_takes_no_changes_but_the_same_input(gql, crm):
    """Tests that a visit no longer planned refuses changes (InvalidTransition)
    but answers the same input with changed: false."""
    # given
    _, _, fields = crm
    await upsert_visit(gql, **fields)
    await Visit.find_one().update({"$set": {"status": "cancelled"}})
    # when
    same = await upsert_visit(gql, **fields)
    changed = await upsert_visit(gql, **fields | {"purpose": "SERVICE"})
    # then
    assert same["changed"] is False
    assert (changed["__typename"], changed["currentStatus"]) == (
        "InvalidTransitionError",
        "cancelled",
    )


async def test_a_visit_needs_its_customer_and_rep_to_be_planned(gql, crm):
    """Tests that creating without a rep is refused, and a visit stays with
    its customer."""
    # given
    _, _, fields = crm
    other = await make_customer(gql, "Other", externalIds=[sf("001B")])
    await upsert_visit(gql, **fields)
    # when
    no_rep = await upsert_visit(
        gql,
        **{k: v for k, v in fields.items() if k != "repExternalId"}
        | {"externalId": sf("00U9")},
    )
    moved = await upsert_visit(
        gql, **fields | {"customerExternalId": None, "customerId": other["id"]}
    )
    # then
    assert (no_rep["__typename"], no_rep["field"]) == ("ValidationError", "repId")
    assert (moved["__typename"], moved["field"]) == ("ValidationError", "customerId")


async def test_a_rep_upserts_only_the_customers_they_own(world):
    """Tests the users' rules in upserts: r1 changes c1 (their own) but not c3,
    which they see through the North territory (FORBIDDEN, unchanged), and
    cannot give c1 away."""
    # given
    from tests.integration.access_support import as_user, gid
    from tests.integration.partner_support import execute

    for name, raw in (("c1", "001C1"), ("c3", "001C3")):
        await Customer.find_one({"_id": world.customers[name].id}).update(
            {
                "$set": {
                    "external_ids": [sf(raw)],
                    "external_keys": [f"salesforce:{raw}"],
                }
            }
        )
    r1 = await as_user(world, "r1")
    # when
    own, _ = await execute(
        r1, UPSERT_CUSTOMER, input={"externalId": sf("001C1"), "name": "Mine"}
    )
    _, seen_codes = await execute(
        r1, UPSERT_CUSTOMER, input={"externalId": sf("001C3"), "name": "Mine too"}
    )
    _, away_codes = await execute(
        r1,
        UPSERT_CUSTOMER,
        input={
            "externalId": sf("001C1"),
            "name": "Mine",
            "ownerId": gid("Rep", world.users["r2"].id),
        },
    )
    # then
    assert own["upsertCustomer"]["changed"] is True
    assert seen_codes == away_codes == ["FORBIDDEN"]
    assert (await Customer.get(world.customers["c3"].id)).name == "c3"
    assert (await Customer.get(world.customers["c1"].id)).owner_id == world.users[
        "r1"
    ].id
