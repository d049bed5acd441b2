"""Personal fields, and what is derived from them, as each principal reads them.

The world: m1 manages r1 (North) and r2 (South); m2 manages r3 (North).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from beanie import PydanticObjectId
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType

from models import Customer, Demand, Rep, Visit, VisitPlan
from models.common import DayHours, GeoPoint, TimeRange, utc_now
from models.customer import Address
from models.plan import (
    PlannedRoute,
    PlannedStop,
    PlanTotals,
    SolverStats,
    UnservedCustomer,
)
from models.visit import Outcome, VisitStatus
from resolvers import access
from resolvers.access import Principal
from schema import schema
from tests.integration.access_support import as_user, gid, run

REP_FIELDS = schema._schema.type_map["Rep"].fields  # type: ignore[union-attr]


def _select(name: str) -> str:
    gql_type = REP_FIELDS[name].type
    while isinstance(gql_type, GraphQLNonNull | GraphQLList):
        gql_type = gql_type.of_type
    return (
        f"{name} {{ __typename }}" if isinstance(gql_type, GraphQLObjectType) else name
    )


DETAILS = sorted(set(REP_FIELDS) - access.COLLEAGUE_FIELDS)
ONE_REP = "query($id: ID!) {{ rep(id: $id) {{ name {field} }} }}"


@pytest.mark.parametrize("field", DETAILS)
async def test_a_rep_reads_only_the_names_of_colleagues(world, field):
    """Tests every field of the manager and a teammate, as a rep."""
    # given
    r1 = await as_user(world, "r1")
    for colleague in ("m1", "r2"):
        # when
        data, codes = await run(
            r1,
            ONE_REP.format(field=_select(field)),
            id=gid("Rep", world.users[colleague].id),
        )
        # then
        assert codes == ["FORBIDDEN"], (colleague, field)
        assert data is None or data["rep"] is None or data["rep"][field] is None


async def test_a_rep_reads_no_colleague_email_or_home_through_any_path(world):
    """Tests the reported paths: the user list and one's own manager."""
    # given
    r1 = await as_user(world, "r1")
    secrets = [world.users[n].email for n in ("m1", "r2")]
    # when
    listed = await run(r1, "{ reps { nodes { name email home { lat } } } }")
    manager = await run(r1, "{ me { email manager { name email home { lat } } } }")
    names = await run(r1, "{ me { name manager { name } } reps { nodes { name } } }")
    # then
    for data, codes in (listed, manager):
        assert "FORBIDDEN" in codes
        assert not any(secret in str(data) for secret in secrets)
    assert names[1] == []
    assert names[0]["me"] == {"name": "r1", "manager": {"name": "m1"}}


async def test_users_read_themselves_and_managers_their_team_in_full(world):
    """Tests that the rule hides colleagues, not one's own or one's team's data."""
    # when
    own, own_codes = await run(
        await as_user(world, "r1"), "{ me { email home { lat } } }"
    )
    team, team_codes = await run(
        await as_user(world, "m1"),
        "query($id: ID!) { rep(id: $id) { email workingHours { weekday } } }",
        id=gid("Rep", world.users["r1"].id),
    )
    # then
    assert own_codes == team_codes == []
    assert own["me"]["email"] == "r1@example.com"
    assert team["rep"]["email"] == "r1@example.com"


def manager_key(world, creator: str = "m1", scopes=None) -> Principal:
    """An API key made by a manager, acting within that manager's team."""
    user = world.users[creator]
    return Principal(
        user_id=user.id,
        role="partner",
        key_id=PydanticObjectId(),
        scopes=frozenset(scopes or access.SCOPES),
        team=(user.id, world.users["r1"].id, world.users["r2"].id),
        creator_role="manager",
    )


RECOMMEND = """
query($repId: ID!, $date: Date!, $near: GeoPointInput) {
  recommendations(repId: $repId, date: $date, near: $near) {
    customer { name } rank score reasons distanceKm
  }
}
"""
_SOON = utc_now().date() + timedelta(days=30)
# A Monday, so that the rep's working week (Monday to Saturday) holds it.
DAY = _SOON + timedelta(days=-_SOON.weekday() % 7)


async def _spread_customers(world) -> None:
    """Customers of r1 around Munich, and a working day for r1."""
    r1 = world.users["r1"]
    for n, (lat, lng) in enumerate([(48.20, 11.50), (48.10, 11.70), (48.0, 11.4)]):
        await Customer(
            name=f"spread {n}",
            owner_id=r1.id,
            territory="North",
            status="active",
            addresses=[Address(label="shop", location=GeoPoint.at(lat, lng))],
        ).insert()
    r1.working_hours = [
        DayHours(weekday=d, intervals=[TimeRange(start="08:00", end="17:00")])
        for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
    ]
    await r1.save()


async def _move_home(world, lat: float, lng: float) -> None:
    r1 = await Rep.get(world.users["r1"].id)
    r1.home = GeoPoint.at(lat, lng)
    await r1.save()


@pytest.mark.parametrize("near", [None, {"lat": 48.15, "lng": 11.58}])
async def test_a_key_learns_nothing_of_a_reps_home_from_recommendations(world, near):
    """Tests that moving the rep's home changes nothing a key reads."""
    # given
    await _spread_customers(world)
    key = manager_key(world)
    answers = []
    for lat, lng in [(48.10, 11.50), (48.30, 11.90)]:
        await _move_home(world, lat, lng)
        # when
        data, codes = await run(
            key,
            RECOMMEND,
            repId=gid("Rep", world.users["r1"].id),
            date=str(DAY),
            near=near,
        )
        assert codes == []
        answers.append(data)
    # then
    assert answers[0] == answers[1]
    assert "home" not in str(answers[0])
    # ...while the rep himself still gets distances from home
    own, own_codes = await run(
        await as_user(world, "r1"),
        RECOMMEND,
        repId=gid("Rep", world.users["r1"].id),
        date=str(DAY),
        near=None,
    )
    assert own_codes == []
    assert any("home" in " ".join(r["reasons"]) for r in own["recommendations"])


async def test_a_key_gets_no_free_slot_and_no_working_day(world):
    """Tests the slot field and the working-day check for a key."""
    # given
    await _spread_customers(world)
    key = manager_key(world)
    sunday = DAY + timedelta(days=(6 - DAY.weekday()))  # r1 does not work then
    query = RECOMMEND.replace("distanceKm", "distanceKm slot { start }")
    # when
    _slots, slot_codes = await run(
        key, query, repId=gid("Rep", world.users["r1"].id), date=str(DAY)
    )
    rest, rest_codes = await run(
        key, RECOMMEND, repId=gid("Rep", world.users["r1"].id), date=str(sunday)
    )
    # then
    assert "FORBIDDEN" in slot_codes
    assert rest_codes == []  # no 'does not work on sunday' to a key
    assert rest["recommendations"]


PLAN_READ = """
query($id: ID!) { visitPlan(id: $id) { routes { %s } totals { value } } }
"""
START = datetime(2031, 3, 4, 8, tzinfo=UTC)


async def _plan(world) -> VisitPlan:
    r1, c1 = world.users["r1"], world.customers["c1"]
    stop = PlannedStop(
        customer_id=c1.id,
        arrive=START + timedelta(minutes=23),
        start=START + timedelta(minutes=23),
        end=START + timedelta(minutes=83),
        value=5,
        reason="value 5",
        travel_minutes=23,
    )
    plan = VisitPlan(
        rep_ids=[r1.id],
        first_day=date(2031, 3, 4),
        last_day=date(2031, 3, 4),
        routes=[
            PlannedRoute(
                rep_id=r1.id,
                day=date(2031, 3, 4),
                depart=START,
                back=START + timedelta(minutes=106),
                travel_minutes=46,
                stops=[stop],
            )
        ],
        unserved=[
            UnservedCustomer(
                customer_id=world.customers["c1"].id,
                value=1,
                reason="no window reachable in any shift",
            )
        ],
        totals=PlanTotals(
            objective=4,
            value=5,
            travel_minutes=46,
            travel_cost=1,
            visits=1,
            candidates=1,
        ),
        solver=SolverStats(name="test", seconds=0, seed=0, time_limit=1),
    )
    await plan.insert()
    return plan


@pytest.mark.parametrize(
    "selection",
    [
        "depart",
        "back",
        "travelMinutes",
        "breaks { start }",
        "stops { arrive }",
        "stops { start }",
        "stops { end }",
        "stops { travelMinutes }",
    ],
)
async def test_a_key_reads_no_leg_from_or_to_home_in_a_plan(world, selection):
    """Tests the route fields derived from the rep's home, as a key."""
    # given
    plan = await _plan(world)
    # when
    _data, codes = await run(
        manager_key(world), PLAN_READ % selection, id=gid("VisitPlan", plan.id)
    )
    own, own_codes = await run(
        await as_user(world, "r1"), PLAN_READ % selection, id=gid("VisitPlan", plan.id)
    )
    # then
    assert codes == ["FORBIDDEN"]
    assert own_codes == []
    assert own["visitPlan"]["routes"]


async def test_a_key_reads_no_reason_that_tells_reach_from_home(world):
    """Tests the unserved reasons ('no window reachable') as a key."""
    # given
    plan = await _plan(world)
    document = "query($id: ID!) { visitPlan(id: $id) { unserved { value reason } } }"
    # when
    _data, codes = await run(manager_key(world), document, id=gid("VisitPlan", plan.id))
    own, own_codes = await run(
        await as_user(world, "r1"), document, id=gid("VisitPlan", plan.id)
    )
    # then
    assert codes == ["FORBIDDEN"]
    assert own_codes == []
    assert own["visitPlan"]["unserved"][0]["reason"].startswith("no window")


async def test_a_key_reads_which_customers_a_plan_visits(world):
    """Tests that the plan's non-personal parts still answer to a key."""
    # given
    plan = await _plan(world)
    # when
    data, codes = await run(
        manager_key(world),
        PLAN_READ % "stops { value customer { name } }",
        id=gid("VisitPlan", plan.id),
    )
    # then
    assert codes == []
    assert data["visitPlan"]["routes"][0]["stops"] == [
        {"value": 5.0, "customer": {"name": "c1"}}
    ]


SENTINEL = "Eva Roth"


async def _texts(world) -> Customer:
    """c1 with the sentinel in every free text, a tag, a titled demand, a visit."""
    c1 = await Customer.get(world.customers["c1"].id)
    c1.tags = ["eva-roth", "retail"]
    c1.contacts[0].name = SENTINEL
    await c1.save()
    demand = await Demand.find_one({"customer_id": c1.id})
    demand.title = f"Call {SENTINEL}"
    demand.description = f"{SENTINEL} called"
    await demand.save()
    visit = await Visit.get(world.visits["v1"].id)
    visit.purpose_text = f"lunch with {SENTINEL}"
    visit.agenda = f"meet {SENTINEL}"
    visit.outcome = Outcome(notes=f"{SENTINEL} ordered", result=7, recorded_at=START)
    await visit.save()
    return c1


@pytest.mark.parametrize(
    "document",
    [
        "{ visits { nodes { purposeText } } }",
        "{ demands { nodes { title } } }",
        "{ customers { nodes { tags } } }",
        '{ customers(filter: {tagsAny: ["retail"]}) { totalCount } }',
        '{ customers(filter: {tagsAll: ["eva-roth"]}) { totalCount } }',
        '{ customers(search: "eva") { totalCount } }',
    ],
)
async def test_free_texts_and_tags_are_hidden_from_keys(world, document):
    """Tests the fields the name pattern missed, and filters that read them."""
    # given
    await _texts(world)
    # when
    data, codes = await run(manager_key(world), document)
    # then
    assert codes == ["FORBIDDEN"]
    assert SENTINEL not in str(data)
    assert "eva-roth" not in str(data)


EXPORT = """
mutation($id: ID!) { exportPersonalData(customerId: $id) {
  ... on PersonalDataExport { data } } }
"""
ERASE = """
mutation($id: ID!) { erasePersonalData(customerId: $id) { __typename } }
"""


async def test_export_and_erasure_cover_every_declared_personal_field(world):
    """Tests export, erasure and search against the one declaration."""
    # given
    c1 = await _texts(world)
    admin = await as_user(world, "admin")
    # when
    exported, _ = await run(admin, EXPORT, id=gid("Customer", c1.id))
    erased, _ = await run(admin, ERASE, id=gid("Customer", c1.id))
    found, _ = await run(admin, '{ customers(search: "eva") { totalCount } }')
    by_tag, _ = await run(
        admin, '{ customers(filter: {tagsAny: ["eva-roth"]}) { totalCount } }'
    )
    # then
    data = exported["exportPersonalData"]["data"]
    assert data["customer"]["tags"] == ["eva-roth", "retail"]
    assert SENTINEL in data["demands"][0]["title"]
    assert SENTINEL in data["visits"][0]["purpose_text"]
    for item in access.PERSONAL:
        if item.document is not None:
            part = {
                "Customer": data["customer"],
                "Demand": data["demands"][0],
                "Visit": data["visits"][0],
            }[item.document]
            assert item.path.split(".")[0] in part, item.label
    assert erased == {"erasePersonalData": {"__typename": "CustomerPayload"}}
    stored = [
        d.model_dump_json()
        for d in [
            await Customer.get(c1.id),
            *await Demand.find({"customer_id": c1.id}).to_list(),
            *await Visit.find({"customer_id": c1.id}).to_list(),
        ]
    ]
    assert not any("Eva" in text or "eva" in text for text in stored)
    assert found == {"customers": {"totalCount": 0}}
    assert by_tag == {"customers": {"totalCount": 0}}
    visit = await Visit.get(world.visits["v1"].id)
    assert visit.outcome.result == 7


EFFECTIVENESS = """
query($groupBy: EffectivenessGroupBy!) {
  effectiveness(groupBy: $groupBy, period: {unit: DAY, start: "2031-03-03"},
                includeTravel: true) {
    groups { key label total { effectiveness hours travelHours } }
  }
}
"""


@pytest.mark.parametrize("group_by", ["REP", "CUSTOMER"])
async def test_a_key_learns_nothing_of_a_reps_home_from_travel_hours(world, group_by):
    """Tests that effectiveness with travel does not depend on the home, for keys."""
    # given: r1's completed visit v1, the first of its day
    visit = await Visit.get(world.visits["v1"].id)
    visit.status, visit.duration_min = VisitStatus.COMPLETED, 60
    visit.outcome = Outcome(notes="", result=7, recorded_at=START)
    await visit.save()
    answers = []
    for lat, lng in [(48.10, 11.50), (48.60, 12.40)]:
        await _move_home(world, lat, lng)
        # when
        data, codes = await run(manager_key(world), EFFECTIVENESS, groupBy=group_by)
        assert codes == []
        answers.append(data)
    own, _ = await run(await as_user(world, "m1"), EFFECTIVENESS, groupBy=group_by)
    # then
    assert answers[0] == answers[1]
    assert own["effectiveness"]["groups"][0]["total"]["travelHours"] > 0
