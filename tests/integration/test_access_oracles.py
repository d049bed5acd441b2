"""Existence oracles: a row the caller may not see answers exactly as a missing one.

The world: m1 manages r1 (North) and r2 (South); m2 manages r3 (North). r1 sees c1
(his) and c3 (r3's, in North); r3 is in another team, so r1 may not see him.
"""

from __future__ import annotations

import pytest
from beanie import PydanticObjectId

from models import Customer, Demand
from tests.integration.access_support import as_user, gid, run

PLAN = """
mutation($input: PlanVisitInput!) {
  planVisit(input: $input) { __typename ... on Error { code field message } }
}
"""
CREATE_DEMAND = """
mutation($input: CreateDemandInput!) {
  createDemand(input: $input) { __typename ... on Error { code field message } }
}
"""


def _same(answer: object, hidden: str, made_up: str) -> object:
    """``answer`` with the id asked for replaced, to compare two answers."""
    return str(answer).replace(hidden, "ID").replace(made_up, "ID")


async def _demand_of(world, customer: str) -> PydanticObjectId:
    demand = await Demand.find_one({"customer_id": world.customers[customer].id})
    return demand.id


async def test_a_foreign_demand_in_plan_visit_reads_like_a_missing_one(world):
    """Tests that planVisit does not tell an invisible demand from a made-up one."""
    # given: c1's demand is invisible to r2
    r2 = await as_user(world, "r2")
    hidden, made_up = await _demand_of(world, "c1"), PydanticObjectId()
    base = {
        "customerId": gid("Customer", world.customers["c2"].id),
        "repId": gid("Rep", world.users["r2"].id),
        "purpose": "DEMO",
        "plannedStart": "2031-03-04T09:00:00Z",
        "plannedEnd": "2031-03-04T10:00:00Z",
    }
    # when
    seen_hidden = await run(
        r2, PLAN, input={**base, "demandIds": [gid("Demand", hidden)]}
    )
    seen_missing = await run(
        r2, PLAN, input={**base, "demandIds": [gid("Demand", made_up)]}
    )
    # then
    assert seen_hidden[0]["planVisit"]["code"] == "NOT_FOUND"
    assert _same(seen_hidden, str(hidden), str(made_up)) == _same(
        seen_missing, str(hidden), str(made_up)
    )


async def test_a_visible_demand_of_another_customer_is_still_refused(world):
    """Tests that a demand one may see but of another customer is a bad input."""
    # given: r1 sees c3's demand, but plans a visit to c1
    r1 = await as_user(world, "r1")
    # when
    data, _ = await run(
        r1,
        PLAN,
        input={
            "customerId": gid("Customer", world.customers["c1"].id),
            "repId": gid("Rep", world.users["r1"].id),
            "purpose": "DEMO",
            "plannedStart": "2031-03-04T09:00:00Z",
            "plannedEnd": "2031-03-04T10:00:00Z",
            "demandIds": [gid("Demand", await _demand_of(world, "c3"))],
        },
    )
    # then
    assert data["planVisit"]["code"] == "VALIDATION"


async def test_an_invisible_assignee_reads_like_a_missing_one(world):
    """Tests that createDemand does not accept, or tell apart, another team's user."""
    # given
    r1 = await as_user(world, "r1")
    hidden, made_up = world.users["r3"].id, PydanticObjectId()
    base = {
        "customerId": gid("Customer", world.customers["c1"].id),
        "type": "COMPLAINT",
        "title": "Broken",
    }
    before = await Demand.count()
    # when
    seen_hidden = await run(
        r1, CREATE_DEMAND, input={**base, "assigneeId": gid("Rep", hidden)}
    )
    seen_missing = await run(
        r1, CREATE_DEMAND, input={**base, "assigneeId": gid("Rep", made_up)}
    )
    # then
    assert seen_hidden[0]["createDemand"]["code"] == "NOT_FOUND"
    assert _same(seen_hidden, str(hidden), str(made_up)) == _same(
        seen_missing, str(hidden), str(made_up)
    )
    assert await Demand.count() == before


async def test_a_teammate_may_be_the_assignee(world):
    """Tests that a visible user is still a valid assignee."""
    # when
    data, codes = await run(
        await as_user(world, "r1"),
        CREATE_DEMAND,
        input={
            "customerId": gid("Customer", world.customers["c1"].id),
            "type": "COMPLAINT",
            "title": "Broken",
            "assigneeId": gid("Rep", world.users["r2"].id),
        },
    )
    # then
    assert codes == []
    assert data["createDemand"]["__typename"] == "DemandPayload"


COVERAGE = """
query($groupBy: CoverageGroupBy!, $repIds: [ID!]) {
  coverage(firstDay: "2026-11-01", lastDay: "2026-11-30", groupBy: $groupBy,
           repIds: $repIds) { key label total { customers } }
}
"""


@pytest.mark.parametrize("group_by", ["REP", "TEAM"])
async def test_coverage_names_only_users_one_may_see(world, group_by):
    """Tests that customers of invisible owners count without the owner's id."""
    # given: r1 sees c3, owned by r3 of another team
    r1 = await as_user(world, "r1")
    visible = {str(world.users[n].id) for n in ("r1", "r2", "m1")}
    # when
    data, codes = await run(r1, COVERAGE, groupBy=group_by)
    # then
    assert codes == []
    keys = {row["key"] for row in data["coverage"]}
    assert keys - {None} <= visible
    assert str(world.users["r3"].id) not in str(data)
    assert sum(row["total"]["customers"] for row in data["coverage"]) == 2


async def test_filtering_by_an_invisible_user_matches_like_a_made_up_one(world):
    """Tests owner and assignee filters: naming another team's rep finds nothing."""
    # given
    r1 = await as_user(world, "r1")
    hidden, made_up = gid("Rep", world.users["r3"].id), gid("Rep", PydanticObjectId())
    documents = [
        ("query($r: ID!) { customers(filter: {ownerIds: [$r]}) { totalCount } }"),
        ("query($r: ID!) { demands(filter: {assigneeIds: [$r]}) { totalCount } }"),
        ("query($r: ID!) { customerPriorities(ownerId: $r) { customer { name } } }"),
        COVERAGE.replace("$repIds: [ID!]", "$r: ID!")
        .replace("$repIds", "[$r]")
        .replace("$groupBy: CoverageGroupBy!, ", "")
        .replace("groupBy: $groupBy,", ""),
    ]
    await Demand.find({"customer_id": world.customers["c3"].id}).update_many(
        {"$set": {"assignee_id": world.users["r3"].id}}
    )
    for document in documents:
        # when
        seen_hidden = await run(r1, document, r=hidden)
        seen_missing = await run(r1, document, r=made_up)
        # then
        assert seen_hidden == seen_missing, document


STAMPS = """
query($id: ID!) { customer(id: $id) {
  stamp { createdById updatedById }
  openDemands { stamp { createdById } history { byId } } } }
"""


async def test_who_changed_a_row_is_named_only_when_one_may_see_them(world):
    """Tests stamps and demand history: r3's id is not shown to r1."""
    # given: c3 (visible to r1 through North) was created and changed by r3
    r3 = world.users["r3"].id
    c3 = await Customer.get(world.customers["c3"].id)
    c3.stamp.created_by = c3.stamp.updated_by = r3
    await c3.save()
    await Demand.find({"customer_id": c3.id}).update_many(
        {
            "$set": {
                "stamp.created_by": r3,
                "history": [{"from_status": None, "to_status": "open", "by": r3}],
            }
        }
    )
    # when
    seen_by_r1, codes = await run(
        await as_user(world, "r1"), STAMPS, id=gid("Customer", c3.id)
    )
    seen_by_m2, _ = await run(
        await as_user(world, "m2"), STAMPS, id=gid("Customer", c3.id)
    )
    # then
    assert codes == []
    assert str(r3) not in str(seen_by_r1)
    assert seen_by_r1["customer"]["stamp"] == {"createdById": None, "updatedById": None}
    assert seen_by_m2["customer"]["stamp"]["createdById"] == gid("Rep", r3)
    assert seen_by_m2["customer"]["openDemands"][0]["history"][0]["byId"] == gid(
        "Rep", r3
    )


@pytest.mark.parametrize(
    "document",
    [
        '{ reps(territory: "South") { nodes { name } } }',
        "query($m: ID!) { reps(managerId: $m) { nodes { name } } }",
    ],
)
async def test_filtering_users_does_not_read_colleagues_hidden_fields(world, document):
    """Tests that a rep cannot learn a teammate's territory or manager by filter."""
    # given
    r1 = await as_user(world, "r1")
    variables = {"m": gid("Rep", world.users["m1"].id)} if "$m" in document else {}
    # when
    data, codes = await run(r1, document, **variables)
    # then
    assert codes == []
    assert "r2" not in str(data)
