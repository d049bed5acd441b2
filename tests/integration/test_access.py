"""Row rules per role: what each principal sees and may change."""

from __future__ import annotations

import pytest
from beanie import PydanticObjectId

from models import Customer, Demand, Visit
from resolvers.access import Principal
from resolvers.context import Context
from schema import schema
from tests.integration.access_support import as_user, gid, run

LIST = "{ customers { totalCount nodes { name } } demands { totalCount nodes { title } } visits { totalCount } }"


@pytest.mark.parametrize(
    ("user", "customers", "demands", "visits"),
    [
        ("admin", ["c1", "c2", "c3", "c4"], 4, 2),
        ("m1", ["c1", "c2"], 2, 1),
        ("m2", ["c3", "c4"], 2, 1),
        ("r1", ["c1", "c3"], 2, 1),  # own, and the North territory
        ("r2", ["c2"], 1, 0),
        ("r3", ["c1", "c3", "c4"], 3, 1),
    ],
)
async def test_each_role_lists_exactly_its_share(
    world, user, customers, demands, visits
):
    """Tests lists and totalCount under each role's row rules."""
    # when
    data, codes = await run(await as_user(world, user), LIST)
    # then
    assert codes == []
    assert sorted(n["name"] for n in data["customers"]["nodes"]) == customers
    assert data["customers"]["totalCount"] == len(customers)
    assert data["demands"]["totalCount"] == demands
    assert data["visits"]["totalCount"] == visits


ONE = """
query($id: ID!) { customer(id: $id) { name } node(id: $id) { id } }
"""


async def test_a_foreign_customer_reads_like_a_missing_one(world):
    """Tests that 'exists but not yours' and 'does not exist' answer the same."""
    # given
    r2 = await as_user(world, "r2")
    foreign = gid("Customer", world.customers["c1"].id)
    missing = gid("Customer", PydanticObjectId())
    # when
    seen_foreign = await run(r2, ONE, id=foreign)
    seen_missing = await run(r2, ONE, id=missing)
    # then
    assert seen_foreign == seen_missing == ({"customer": None, "node": None}, [])


NESTED = "query($id: ID!) { visit(id: $id) { customer { name } rep { name } } }"


async def test_nested_fields_follow_the_same_rules(world):
    """Tests a path that reaches a customer through a visit."""
    # given: m2 manages r3 and sees v3 and its customer c3
    m2 = await as_user(world, "m2")
    # when
    own = await run(m2, NESTED, id=gid("Visit", world.visits["v3"].id))
    other = await run(m2, NESTED, id=gid("Visit", world.visits["v1"].id))
    # then
    assert own[0] == {"visit": {"customer": {"name": "c3"}, "rep": {"name": "r3"}}}
    assert other[0] == {"visit": None}


UPDATE = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { __typename ... on Error { code } }
}
"""


async def test_a_rep_cannot_give_a_customer_away(world):
    """Tests that ownership writes are refused to reps, and nothing changes."""
    # given
    r1 = await as_user(world, "r1")
    c1 = world.customers["c1"]
    # when
    _, owner_codes = await run(
        r1,
        UPDATE,
        input={
            "id": gid("Customer", c1.id),
            "ownerId": gid("Rep", world.users["r2"].id),
        },
    )
    _, territory_codes = await run(
        r1, UPDATE, input={"id": gid("Customer", c1.id), "territory": "South"}
    )
    # then
    assert owner_codes == territory_codes == ["FORBIDDEN"]
    stored = await Customer.get(c1.id)
    assert stored.owner_id == world.users["r1"].id
    assert stored.territory == "North"


async def test_a_manager_moves_customers_within_the_team_and_demands_follow(world):
    """Tests that a manager reassigns inside the team and demands keep up."""
    # given
    m1 = await as_user(world, "m1")
    c1 = world.customers["c1"]
    # when
    data, _codes = await run(
        m1,
        UPDATE,
        input={
            "id": gid("Customer", c1.id),
            "ownerId": gid("Rep", world.users["r2"].id),
        },
    )
    _, outside = await run(
        m1,
        UPDATE,
        input={
            "id": gid("Customer", c1.id),
            "ownerId": gid("Rep", world.users["r3"].id),
        },
    )
    # then
    assert data == {"updateCustomer": {"__typename": "CustomerPayload"}}
    assert outside == ["FORBIDDEN"]
    demand = await Demand.find_one({"customer_id": c1.id})
    assert demand.customer_owner_id == world.users["r2"].id


async def test_changing_a_foreign_customer_is_not_found(world):
    """Tests that a write to an invisible row reads like a missing row."""
    # given
    r2 = await as_user(world, "r2")
    # when
    data, _ = await run(
        r2,
        UPDATE,
        input={"id": gid("Customer", world.customers["c3"].id), "name": "Mine now"},
    )
    # then
    assert data == {
        "updateCustomer": {"__typename": "NotFoundError", "code": "NOT_FOUND"}
    }


PLAN = """
mutation($input: PlanVisitInput!) { planVisit(input: $input) { __typename ... on Error { code } } }
"""


async def test_a_rep_plans_only_their_own_visits(world):
    """Tests that a rep cannot fill another rep's calendar."""
    # given
    r1 = await as_user(world, "r1")
    base = {
        "customerId": gid("Customer", world.customers["c1"].id),
        "purpose": "DEMO",
        "plannedStart": "2031-03-04T09:00:00Z",
        "plannedEnd": "2031-03-04T10:00:00Z",
    }
    # when
    own, _ = await run(
        r1, PLAN, input={**base, "repId": gid("Rep", world.users["r1"].id)}
    )
    other, codes = await run(
        r1, PLAN, input={**base, "repId": gid("Rep", world.users["r3"].id)}
    )
    # then
    assert own == {"planVisit": {"__typename": "VisitPayload"}}
    assert other in (
        None,
        {"planVisit": {"__typename": "NotFoundError", "code": "NOT_FOUND"}},
    )
    assert codes in ([], ["FORBIDDEN"])
    assert await Visit.find({"rep_id": world.users["r3"].id}).count() == 1


async def test_personal_fields_are_hidden_from_api_keys(world):
    """Tests that a partner key reads customers but not their contacts."""
    # given
    admin = world.users["admin"]
    key = Principal(
        user_id=admin.id,
        role="partner",
        key_id=PydanticObjectId(),
        scopes=frozenset({"customers:read"}),
        creator_role="admin",
    )
    # when
    names, name_codes = await run(key, "{ customers { nodes { name } } }")
    _contacts, contact_codes = await run(
        key, "{ customers(first: 1) { nodes { name contacts { name } } } }"
    )
    _searched, search_codes = await run(
        key, '{ customers(search: "contact") { totalCount } }'
    )
    # then
    assert len(names["customers"]["nodes"]) == 4
    assert name_codes == []
    assert contact_codes == ["FORBIDDEN"]
    assert search_codes == ["FORBIDDEN"]


async def test_without_a_principal_nothing_but_sign_in_answers(world):
    """Tests the guard on every root field."""
    # when
    result = await schema.execute(
        "{ customers { totalCount } }", context_value=Context()
    )
    # then
    assert result.data is None
    assert result.errors[0].extensions["code"] == "UNAUTHENTICATED"


async def test_reps_see_their_manager_and_teammates_but_no_other_team(world):
    """Tests the user directory a rep sees."""
    # when
    data, codes = await run(await as_user(world, "r1"), "{ reps { nodes { name } } }")
    # then
    assert codes == []
    assert sorted(n["name"] for n in data["reps"]["nodes"]) == ["m1", "r1", "r2"]


PIN = """
mutation($input: PinVisitInput!) { pinVisit(input: $input) { __typename ... on Error { code } } }
"""


async def test_a_rep_pins_only_visits_they_may_change(world):
    """Tests that pinning another team's visit reads like a missing visit."""
    # given
    r1 = await as_user(world, "r1")
    # when
    own, _ = await run(
        r1, PIN, input={"id": gid("Visit", world.visits["v1"].id), "pinned": True}
    )
    other, _ = await run(
        r1, PIN, input={"id": gid("Visit", world.visits["v3"].id), "pinned": True}
    )
    # then
    assert own == {"pinVisit": {"__typename": "VisitPayload"}}
    assert other == {"pinVisit": {"__typename": "NotFoundError", "code": "NOT_FOUND"}}
    assert (await Visit.get(world.visits["v1"].id)).pinned is True
    assert (await Visit.get(world.visits["v3"].id)).pinned is False
