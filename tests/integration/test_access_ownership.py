"""Who may give a customer to whom, and move it between territories.

The world: m1 manages r1 (North) and r2 (South); m2 manages r3 (North). c1 is r1's
(North), c2 r2's (South), c3 r3's (North, so r1 sees it too), c4 r3's (East).
"""

from __future__ import annotations

import pytest
from beanie import PydanticObjectId

from models import Customer, Demand
from tests.integration.access_support import as_user, gid, run

UPDATE = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { __typename ... on Error { code } }
}
"""
ARCHIVE = """
mutation($input: ArchiveCustomerInput!) {
  archiveCustomer(input: $input) { __typename ... on Error { code } }
}
"""
ADD_CONTACT = """
mutation($input: AddContactInput!) {
  addContact(input: $input) { __typename ... on Error { code } }
}
"""
CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename ... on CustomerPayload { customer { id owner { name } territory } }
    ... on Error { code }
  }
}
"""
MISSING_REP = "missing"


def _owner(world, name: str | None) -> str | None:
    if name is None:
        return None
    if name == MISSING_REP:
        return gid("Rep", PydanticObjectId())
    return gid("Rep", world.users[name].id)


async def _unchanged(world, name: str) -> None:
    before = world.customers[name]
    after = await Customer.get(before.id)
    assert (after.owner_id, after.territory, after.status, after.name) == (
        before.owner_id,
        before.territory,
        before.status,
        before.name,
    )
    assert len(after.contacts) == len(before.contacts)
    demand = await Demand.find_one({"customer_id": before.id})
    assert demand.access == before.access


async def _refused(world, user: str, document: str, **inp) -> None:
    _data, codes = await run(await as_user(world, user), document, input=inp)
    assert codes == ["FORBIDDEN"]


# (user, customer, changes): every one is an attack on ownership or territory.
REP_ATTACKS = [
    ("r1", "c3", {"ownerId": "r1"}),  # take another team's customer
    ("r1", "c3", {"ownerId": None}),  # orphan it
    ("r1", "c3", {"territory": None}),  # take it out of the territory
    ("r1", "c3", {"territory": "South"}),
    ("r1", "c3", {"status": "ARCHIVED"}),  # archive it through an update
    ("r1", "c3", {"name": "Renamed"}),  # any change to a row he does not own
    ("r1", "c1", {"ownerId": None}),  # orphan his own
    ("r1", "c1", {"ownerId": "r2"}),  # give his own to a teammate
    ("r1", "c1", {"ownerId": MISSING_REP}),
    ("r1", "c1", {"territory": None}),
    ("r1", "c1", {"territory": "South"}),
    ("r3", "c1", {"ownerId": "r3"}),
    ("r3", "c1", {"territory": "East"}),
]


@pytest.mark.parametrize(("user", "customer", "changes"), REP_ATTACKS)
async def test_a_rep_cannot_take_orphan_or_move_a_customer(
    world, user, customer, changes
):
    """Tests that reps never change a customer's owner or territory."""
    # given
    inp = {"id": gid("Customer", world.customers[customer].id), **changes}
    if "ownerId" in changes:
        inp["ownerId"] = _owner(world, changes["ownerId"])
    # when / then
    await _refused(world, user, UPDATE, **inp)
    await _unchanged(world, customer)


async def test_a_rep_cannot_archive_or_edit_a_territory_customer_of_another_team(
    world,
):
    """Tests that seeing a customer through the territory gives no right to change it."""
    # given
    c3 = gid("Customer", world.customers["c3"].id)
    # when / then
    await _refused(world, "r1", ARCHIVE, id=c3)
    await _refused(world, "r1", ADD_CONTACT, customerId=c3, contact={"name": "Me"})
    await _unchanged(world, "c3")


async def test_a_rep_keeps_owner_and_territory_when_sending_them_unchanged(world):
    """Tests that repeating the current owner and territory is not a change."""
    # given
    r1 = await as_user(world, "r1")
    c1 = world.customers["c1"]
    # when
    data, codes = await run(
        r1,
        UPDATE,
        input={
            "id": gid("Customer", c1.id),
            "ownerId": gid("Rep", world.users["r1"].id),
            "territory": "North",
            "name": "c1 renamed",
        },
    )
    # then
    assert codes == []
    assert data == {"updateCustomer": {"__typename": "CustomerPayload"}}


@pytest.mark.parametrize(
    ("user", "changes"),
    [
        ("r1", {"ownerId": "r2"}),
        ("r1", {"ownerId": "r3"}),
        ("r1", {"ownerId": MISSING_REP}),
        ("r1", {"territory": "South"}),
        ("m2", {"territory": "South"}),  # a territory m2's team does not work
        ("m2", {"ownerId": "r1"}),  # a rep of another team
        ("m2", {"ownerId": MISSING_REP}),
        ("m1", {"ownerId": "r3", "territory": "North"}),
    ],
)
async def test_nobody_creates_customers_outside_their_reach(world, user, changes):
    """Tests that a new customer gets an owner and territory its creator may give."""
    # given
    before = await Customer.count()
    inp = {"name": "New", **changes}
    if "ownerId" in changes:
        inp["ownerId"] = _owner(world, changes["ownerId"])
    # when / then
    await _refused(world, user, CREATE, **inp)
    assert await Customer.count() == before


async def test_what_users_create_stays_visible_to_them(world):
    """Tests the default owner: a manager's or rep's new customer is their own."""
    # when
    made = {}
    for user in ("r1", "m2"):
        data, codes = await run(
            await as_user(world, user), CREATE, input={"name": f"New of {user}"}
        )
        assert codes == []
        made[user] = data["createCustomer"]["customer"]
    # then
    assert made["r1"]["owner"] == {"name": "r1"}
    assert made["m2"]["owner"] == {"name": "m2"}
    for user, customer in made.items():
        seen, _ = await run(
            await as_user(world, user),
            "query($id: ID!) { customer(id: $id) { id } }",
            id=customer["id"],
        )
        assert seen == {"customer": {"id": customer["id"]}}


MANAGER_ATTACKS = [
    ("m1", "c1", {"territory": "East"}),  # no rep of m1's team works East
    ("m1", "c1", {"territory": None}),
    ("m1", "c1", {"ownerId": None}),
    ("m1", "c1", {"ownerId": "r3"}),
    ("m1", "c1", {"ownerId": MISSING_REP}),
    ("m2", "c3", {"territory": "South"}),
    ("m2", "c4", {"ownerId": None, "territory": None}),
]


@pytest.mark.parametrize(("user", "customer", "changes"), MANAGER_ATTACKS)
async def test_a_manager_assigns_only_within_the_team(world, user, customer, changes):
    """Tests that managers keep customers in their team and its territories."""
    # given
    inp = {"id": gid("Customer", world.customers[customer].id), **changes}
    if "ownerId" in changes:
        inp["ownerId"] = _owner(world, changes["ownerId"])
    # when / then
    await _refused(world, user, UPDATE, **inp)
    await _unchanged(world, customer)


async def test_a_manager_moves_a_customer_to_a_teammate_and_the_team_territory(world):
    """Tests the allowed move: owner and territory both within m1's team."""
    # given
    m1 = await as_user(world, "m1")
    c1 = world.customers["c1"]
    # when
    data, codes = await run(
        m1,
        UPDATE,
        input={
            "id": gid("Customer", c1.id),
            "ownerId": gid("Rep", world.users["r2"].id),
            "territory": "South",
        },
    )
    # then
    assert codes == []
    assert data == {"updateCustomer": {"__typename": "CustomerPayload"}}
    stored = await Customer.get(c1.id)
    assert (stored.owner_id, stored.territory) == (world.users["r2"].id, "South")
