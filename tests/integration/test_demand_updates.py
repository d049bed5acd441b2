"""updateDemand: re-prioritising, re-scheduling, renaming and reassigning a
demand, revision-checked, with the assignee rule of creation, and audited."""

from __future__ import annotations

import pytest
from beanie import PydanticObjectId

from models import AuditRecord, Demand
from tests.integration.access_support import as_user, gid
from tests.integration.factories import make_customer, make_rep
from tests.integration.partner_support import UPDATE_DEMAND, execute, key_of
from tests.integration.test_demand_mutations import make_demand


async def update(gql, **fields):
    """Run updateDemand and return its result."""
    return (await gql(UPDATE_DEMAND, input=fields))["updateDemand"]


async def test_a_demand_is_reprioritised_rescheduled_and_reassigned(gql):
    """Tests that every changeable field changes, the status does not, and the
    revision moves on."""
    # given
    customer = await make_customer(gql)
    anna = await make_rep(gql)
    ben = await make_rep(gql, "ben@example.com")
    demand = await make_demand(gql, customer, assigneeId=anna["id"])
    # when
    result = await update(
        gql,
        id=demand["id"],
        revision=demand["revision"],
        title="Fridge still broken",
        description="Since Monday",
        priority="URGENT",
        due="2031-03-03T12:00:00+01:00",
        type="SERVICE_REQUEST",
        assigneeId=ben["id"],
    )
    # then
    changed = result["demand"]
    assert result["__typename"] == "DemandPayload"
    assert (changed["title"], changed["description"], changed["priority"]) == (
        "Fridge still broken",
        "Since Monday",
        "URGENT",
    )
    assert changed["due"] == "2031-03-03T11:00:00.000Z"
    assert changed["type"] == "SERVICE_REQUEST"
    assert changed["assignee"] == {"id": ben["id"]}
    assert changed["status"] == "OPEN"
    assert int(changed["revision"]) == int(demand["revision"]) + 1


async def test_fields_left_out_stay_and_null_clears_the_assignee_and_due(gql):
    """Tests a partial update, and clearing the optional fields."""
    # given
    customer = await make_customer(gql)
    anna = await make_rep(gql)
    demand = await make_demand(
        gql, customer, assigneeId=anna["id"], due="2031-03-03T12:00:00Z"
    )
    # when
    result = await update(gql, id=demand["id"], assigneeId=None, due=None, title=None)
    # then
    changed = result["demand"]
    assert (changed["assignee"], changed["due"]) == (None, None)
    assert changed["title"] == "Fridge broken"


async def test_a_stale_revision_is_refused_and_nothing_changes(gql):
    """Tests the revision check."""
    # given
    customer = await make_customer(gql)
    demand = await make_demand(gql, customer)
    await update(gql, id=demand["id"], priority="HIGH")
    # when
    result = await update(
        gql, id=demand["id"], revision=demand["revision"], priority="LOW"
    )
    # then
    assert (result["__typename"], result["field"]) == ("ConflictError", "revision")
    assert (await Demand.find_one()).priority == "high"


async def test_bad_values_are_validation_errors(gql):
    """Tests an empty title and an over-long description."""
    # given
    customer = await make_customer(gql)
    demand = await make_demand(gql, customer)
    # when
    empty = await update(gql, id=demand["id"], title="")
    long = await update(gql, id=demand["id"], description="x" * 10_001)
    # then
    assert (empty["__typename"], empty["field"]) == ("ValidationError", "title")
    assert (long["__typename"], long["field"]) == ("ValidationError", "description")


async def test_the_change_is_audited_with_plain_values_only(gql):
    """Tests that priority and assignee changes keep their values in the trail
    and the title's are redacted."""
    # given
    customer = await make_customer(gql)
    anna = await make_rep(gql)
    demand = await make_demand(gql, customer)
    # when
    await update(
        gql, id=demand["id"], priority="URGENT", assigneeId=anna["id"], title="T"
    )
    # then
    record = await AuditRecord.find({"operations": "updateDemand"}).first_or_none()
    changes = {c.field: (c.before, c.after) for c in record.changes}
    assert changes["priority"] == ("normal", "urgent")
    assert changes["assignee_id"] == (None, str(PydanticObjectId(_raw(anna["id"]))))
    assert changes["title"] == ("[redacted]", "[redacted]")


def _raw(global_id: str) -> str:
    from tests.integration.factories import db_id

    return db_id(global_id)


# Who may reassign what: the rule of creation (a user the caller may see), on
# demands of customers the caller may see. World: m1 manages r1 (c1) and r2;
# m2 manages r3.

ASSIGNEES = {
    "self": ("r1", "DemandPayload"),
    "teammate r2": ("r2", "DemandPayload"),
    "manager m1": ("m1", "DemandPayload"),
    "other team r3": ("r3", "NotFoundError"),
    "made-up id": ("?", "NotFoundError"),
}


@pytest.mark.parametrize("case", list(ASSIGNEES))
async def test_a_rep_reassigns_only_to_users_they_may_see(world, case):
    """Tests r1 reassigning c1's demand: to themselves, a teammate or their
    manager as when creating; another team's rep reads like a made-up id."""
    # given
    target, expected = ASSIGNEES[case]
    demand = await Demand.find_one({"customer_id": world.customers["c1"].id})
    oid = PydanticObjectId() if target == "?" else world.users[target].id
    # when
    data, codes = await execute(
        await as_user(world, "r1"),
        UPDATE_DEMAND,
        input={"id": gid("Demand", demand.id), "assigneeId": gid("Rep", oid)},
    )
    # then
    result = data["updateDemand"]
    assert codes == []
    assert result["__typename"] == expected
    stored = await Demand.get(demand.id)
    if expected == "NotFoundError":
        assert result["field"] == "assigneeId"
        assert result["message"] == f"Rep {oid} does not exist"
        assert (stored.assignee_id, stored.rev) == (None, demand.rev)
    else:
        assert stored.assignee_id == oid


async def test_an_invisible_demand_reads_like_a_missing_one(world):
    """Tests r2 changing c1's demand (r1's customer, not r2's territory)."""
    # given
    demand = await Demand.find_one({"customer_id": world.customers["c1"].id})
    who = await as_user(world, "r2")
    # when
    answers = [
        await execute(
            who,
            UPDATE_DEMAND,
            input={"id": gid("Demand", oid), "priority": "URGENT"},
        )
        for oid in (demand.id, PydanticObjectId())
    ]
    # then
    kinds = [a[0]["updateDemand"]["__typename"] for a in answers]
    assert kinds == ["NotFoundError", "NotFoundError"]
    assert (await Demand.get(demand.id)).priority == "normal"


async def test_keys_need_demands_write(world):
    """Tests that demands:read alone cannot change a demand and demands:write
    can, within its creator's rows."""
    # given
    demand = await Demand.find_one({"customer_id": world.customers["c1"].id})
    inp = {"id": gid("Demand", demand.id), "priority": "URGENT"}
    reader = await key_of(world, "m1", ["demands:read"])
    writer = await key_of(world, "m1", ["demands:read", "demands:write"])
    document = """mutation($input: UpdateDemandInput!) { updateDemand(input: $input)
      { ... on DemandPayload { demand { priority } } } }"""
    # when
    _, refused = await execute(reader, document, input=inp)
    data, _ = await execute(writer, document, input=inp)
    # then
    assert refused == ["FORBIDDEN"]
    assert data["updateDemand"]["demand"]["priority"] == "URGENT"
