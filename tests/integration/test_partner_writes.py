"""API keys that write: customers:write, demands:write and visits:write, within
the creator's rows and by the creator's rules, audited as the key.

The world (tests/integration/access_support.py): m1 manages r1 (North, owns c1)
and r2 (South, owns c2); m2 manages r3 (North, owns c3 and c4 in East). The
keys are real ones, made by m1 or m2 and authenticated as the server does.
"""

from __future__ import annotations

import pytest
from beanie import PydanticObjectId

from models import AuditRecord, Customer, Demand, Visit
from tests.integration.access_support import gid
from tests.integration.partner_support import (
    CUSTOMER_BY_EXTERNAL_ID,
    UPSERT_CUSTOMER,
    UPSERT_DEMAND,
    UPSERT_VISIT,
    execute,
    key_of,
    sf,
)

ALL = ["customers:read", "customers:write", "demands:read", "demands:write"]
VISITS = ["customers:read", "visits:read", "visits:write"]


async def _tag(customer: Customer, raw: str) -> None:
    """Give a stored customer the Salesforce id ``raw``."""
    await Customer.find_one({"_id": customer.id}).update(
        {
            "$set": {
                "external_ids": [sf(raw)],
                "external_keys": [f"salesforce:{raw}"],
            }
        }
    )


def _result(data) -> dict:
    return next(iter(data.values()))


async def test_a_key_needs_customers_write_to_upsert(world):
    """Tests that a read-only key is refused and nothing is stored."""
    # given
    reader = await key_of(world, "m1", ["customers:read"])
    before = await Customer.count()
    # when
    _, codes = await execute(
        reader, UPSERT_CUSTOMER, input={"externalId": sf("001N"), "name": "New"}
    )
    # then
    assert codes == ["FORBIDDEN"]
    assert await Customer.count() == before


async def test_a_keys_upserts_follow_its_creators_rules_and_are_audited_as_it(world):
    """Tests that m1's key creates a customer owned by m1 (the creator's
    default), in a territory m1's team works, and that the trail names the key
    and m1."""
    # given
    key = await key_of(world, "m1", ALL)
    # when
    data, codes = await execute(
        key,
        UPSERT_CUSTOMER,
        input={"externalId": sf("001N"), "name": "New", "territory": "South"},
    )
    again, _ = await execute(
        key,
        UPSERT_CUSTOMER,
        input={"externalId": sf("001N"), "name": "New", "territory": "South"},
    )
    # then
    result = _result(data)
    assert codes == []
    assert (result["__typename"], result["created"]) == ("UpsertCustomerPayload", True)
    assert result["customer"]["owner"] == {"id": gid("Rep", world.users["m1"].id)}
    assert _result(again)["changed"] is False
    stored = await Customer.find_one({"external_keys": "salesforce:001N"})
    records = await AuditRecord.find({"document_ids": stored.id}).to_list()
    assert [(r.actor_id, r.key_id) for r in records] == [
        (world.users["m1"].id, key.key_id)
    ]
    assert stored.stamp.created_by == world.users["m1"].id


async def test_another_teams_row_by_external_id_is_neither_read_nor_changed(world):
    """Tests m1's key against c3 (m2's team) by its external id: the look-up
    reads null like an id nobody has, an upsert with expectedRevision is
    NOT_FOUND like one, an upsert without refuses the id as taken, and c3 does
    not change."""
    # given
    c3 = world.customers["c3"]
    await _tag(c3, "001C3")
    key = await key_of(world, "m1", ALL)
    # when
    read = [
        await execute(key, CUSTOMER_BY_EXTERNAL_ID, ext=sf(raw))
        for raw in ("001C3", "001XX")
    ]
    guarded = [
        await execute(
            key,
            UPSERT_CUSTOMER,
            input={"externalId": sf(raw), "name": "Mine", "expectedRevision": "0"},
        )
        for raw in ("001C3", "001XX")
    ]
    taken, _ = await execute(
        key, UPSERT_CUSTOMER, input={"externalId": sf("001C3"), "name": "Mine"}
    )
    # then
    assert read[0] == read[1] == ({"customer": None}, [])
    texts = [str(g).replace("001C3", "ID").replace("001XX", "ID") for g in guarded]
    assert texts[0] == texts[1]
    assert _result(guarded[0][0])["__typename"] == "NotFoundError"
    result = _result(taken)
    assert (result["__typename"], result["field"]) == ("ConflictError", "externalId")
    assert "c3" not in result["message"]
    assert str(world.users["r3"].id) not in result["message"]
    stored = await Customer.get(c3.id)
    assert (stored.name, stored.owner_id, stored.rev) == ("c3", c3.owner_id, c3.rev)
    assert await Customer.find({"name": "Mine"}).count() == 0


TRANSFERS = {
    "owner: other team r3": ({"owner": "r3"}, "FORBIDDEN"),
    "owner: nobody": ({"ownerId": None}, "FORBIDDEN"),
    "territory: East": ({"territory": "East"}, "FORBIDDEN"),
    "territory: none": ({"territory": None}, "FORBIDDEN"),
    "owner by external id: other team r3": ({"ownerExternalId": "r3"}, "NOT_FOUND"),
    "owner by external id: made up": ({"ownerExternalId": "?"}, "NOT_FOUND"),
    "owner: teammate r2": ({"owner": "r2"}, "ok"),
    "territory: South": ({"territory": "South"}, "ok"),
}


@pytest.mark.parametrize("case", list(TRANSFERS))
async def test_a_key_transfers_rows_only_where_its_creator_may(world, case):
    """Tests each transfer of c1 (r1's, North) by m1's key through an upsert:
    only into m1's team and territories, never to nobody; a refusal writes
    nothing."""
    # given
    c1 = world.customers["c1"]
    await _tag(c1, "001C1")
    stored = await Customer.get(c1.id)
    r3 = world.users["r3"]
    await r3.set({"external_ids": [sf("005R3")], "external_keys": ["salesforce:005R3"]})
    change, expected = TRANSFERS[case]
    fields: dict = {"externalId": sf("001C1"), "name": "c1"}
    for key, value in change.items():
        if key == "owner":
            fields["ownerId"] = gid("Rep", world.users[value].id)
        elif key == "ownerExternalId":
            fields[key] = sf("005R3" if value == "r3" else "005XX")
        else:
            fields[key] = value
    key = await key_of(world, "m1", ALL)
    # when
    data, codes = await execute(key, UPSERT_CUSTOMER, input=fields)
    # then
    outcome = codes[0] if codes else _result(data).get("code") or "ok"
    assert outcome == expected
    after = await Customer.get(c1.id)
    if expected != "ok":
        assert (after.owner_id, after.territory, after.rev) == (
            stored.owner_id,
            stored.territory,
            stored.rev,
        )
    else:
        assert after.rev == stored.rev + 1


async def test_a_key_cannot_create_for_another_team(world):
    """Tests that m1's key may not give a new customer to r3 or put it in East."""
    # given
    key = await key_of(world, "m1", ALL)
    before = await Customer.count()
    # when
    _, owner_codes = await execute(
        key,
        UPSERT_CUSTOMER,
        input={
            "externalId": sf("001N"),
            "name": "New",
            "ownerId": gid("Rep", world.users["r3"].id),
        },
    )
    _, place_codes = await execute(
        key,
        UPSERT_CUSTOMER,
        input={"externalId": sf("001M"), "name": "New", "territory": "East"},
    )
    # then
    assert owner_codes == place_codes == ["FORBIDDEN"]
    assert await Customer.count() == before


async def test_a_keys_demands_stay_on_its_creators_customers(world):
    """Tests upsertDemand by m1's key: on c1 it works; on c3 (m2's) and on a
    made-up customer it is the same NOT_FOUND; r3 as assignee likewise."""
    # given
    await _tag(world.customers["c1"], "001C1")
    await _tag(world.customers["c3"], "001C3")
    key = await key_of(world, "m1", ALL)
    base = {"type": "COMPLAINT", "title": "Fridge"}
    # when
    own, _ = await execute(
        key,
        UPSERT_DEMAND,
        input={**base, "externalId": sf("500A"), "customerExternalId": sf("001C1")},
    )
    foreign = [
        await execute(
            key,
            UPSERT_DEMAND,
            input={**base, "externalId": sf("500B"), "customerExternalId": sf(raw)},
        )
        for raw in ("001C3", "001XX")
    ]
    assignee, _ = await execute(
        key,
        UPSERT_DEMAND,
        input={
            **base,
            "externalId": sf("500A"),
            "assigneeId": gid("Rep", world.users["r3"].id),
        },
    )
    # then
    assert _result(own)["created"] is True
    texts = [str(f).replace("001C3", "ID").replace("001XX", "ID") for f in foreign]
    assert texts[0] == texts[1]
    assert _result(foreign[0][0])["__typename"] == "NotFoundError"
    assert (_result(assignee)["__typename"], _result(assignee)["field"]) == (
        "NotFoundError",
        "assigneeId",
    )
    assert await Demand.find({"external_keys": "salesforce:500B"}).count() == 0


async def test_a_keys_visits_are_planned_only_for_its_creators_team(world):
    """Tests upsertVisit by m1's key: for r1 it is planned; for r3 (m2's) it is
    NOT_FOUND like a made-up rep; a key cannot check in (the rep's own)."""
    # given
    await _tag(world.customers["c1"], "001C1")
    key = await key_of(world, "m1", VISITS)
    base = {
        "customerExternalId": sf("001C1"),
        "purpose": "DEMO",
        "plannedStart": "2031-03-05T09:00:00Z",
        "plannedEnd": "2031-03-05T10:00:00Z",
    }
    # when
    own, _ = await execute(
        key,
        UPSERT_VISIT,
        input={
            **base,
            "externalId": sf("00UA"),
            "repId": gid("Rep", world.users["r1"].id),
        },
    )
    foreign = [
        await execute(
            key,
            UPSERT_VISIT,
            input={**base, "externalId": sf("00UB"), "repId": gid("Rep", oid)},
        )
        for oid in (world.users["r3"].id, PydanticObjectId())
    ]
    check_in = await execute(
        key,
        "mutation($id: ID!) { checkInVisit(input: {id: $id}) { __typename } }",
        id=_result(own)["visit"]["id"],
    )
    # then
    assert _result(own)["created"] is True
    assert _result(own)["visit"]["rep"] == {"id": gid("Rep", world.users["r1"].id)}
    kinds = [(_result(d)["__typename"], _result(d)["field"]) for d, _ in foreign]
    assert kinds == [("NotFoundError", "repId")] * 2
    assert check_in[1] == ["FORBIDDEN"]
    assert await Visit.find({"external_keys": "salesforce:00UB"}).count() == 0


async def test_a_key_without_visits_write_cannot_plan(world):
    """Tests that visits:read alone does not plan visits."""
    # given
    key = await key_of(world, "m1", ["customers:read", "visits:read"])
    # when
    _, codes = await execute(
        key,
        UPSERT_VISIT,
        input={
            "externalId": sf("00UA"),
            "customerId": gid("Customer", world.customers["c1"].id),
            "repId": gid("Rep", world.users["r1"].id),
            "purpose": "DEMO",
            "plannedStart": "2031-03-05T09:00:00Z",
            "plannedEnd": "2031-03-05T10:00:00Z",
        },
    )
    # then
    assert codes == ["FORBIDDEN"]


async def test_lists_without_first_stay_within_the_creators_rows(world):
    """Tests that a key's lists without first give one default page (20) of its
    creator's rows and count only those: m2's many customers stay out."""
    # given
    for n in range(25):
        await Customer(name=f"m1 {n:02}", owner_id=world.users["r1"].id).insert()
        await Customer(name=f"m2 {n:02}", owner_id=world.users["r3"].id).insert()
    await _tag(world.customers["c3"], "001C3")
    key = await key_of(world, "m1", ALL)
    # when
    data, codes = await execute(
        key, "{ customers { totalCount nodes { name } pageInfo { hasNextPage } } }"
    )
    filtered, _ = await execute(
        key,
        "query($e: ExternalIdInput!) { customers(filter: {externalId: $e}) "
        "{ totalCount } }",
        e=sf("001C3"),
    )
    # then
    page = data["customers"]
    assert codes == []
    assert len(page["nodes"]) == 20
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["totalCount"] == 25 + 2  # r1's and r2's: c1, c2 and the 25
    assert all(not n["name"].startswith("m2") for n in page["nodes"])
    assert filtered["customers"]["totalCount"] == 0


async def test_a_key_is_always_made_for_a_user(world):
    """Tests that the system principal (no user) cannot make a key: a key with
    created_by None would act for nobody."""
    # given
    from resolvers import api_keys
    from resolvers.access import Principal
    from resolvers.context import Context
    from resolvers.errors import Invalid

    # when
    with pytest.raises(Invalid) as refused:
        await api_keys.create_api_key(
            Context(principal=Principal.system()), "P", ["customers:read"], 30
        )
    # then
    assert refused.value.field == "creator"
    from models import ApiKey

    assert await ApiKey.count() == 0


async def test_a_refused_write_is_audited_as_the_key_with_its_code(world):
    """Tests that a key's refused upsert leaves a record naming the key, with
    FORBIDDEN as the operation's outcome."""
    # given
    reader = await key_of(world, "m1", ["customers:read"])
    # when
    await execute(
        reader, UPSERT_CUSTOMER, input={"externalId": sf("001N"), "name": "New"}
    )
    # then
    record = await AuditRecord.find_one({"operations": "upsertCustomer"})
    assert (record.actor_id, record.key_id) == (world.users["m1"].id, reader.key_id)
    assert record.outcomes == ["FORBIDDEN", "FORBIDDEN"]
    assert record.changes == []
