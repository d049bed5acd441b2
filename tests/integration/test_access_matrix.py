"""The role x operation matrix, generated from the schema, and its finer tables.

Every root field is called once per principal with placeholder arguments; the
outcome (UNAUTHENTICATED, FORBIDDEN, or answered) must match the table below. A
new query or mutation without a row, or a row without a field, fails the test,
and so does a type with a field that looks personal but is not declared.

Below it, on a world of two teams (tests/integration/access_support.py):

* CHANGES and CREATES: every owner and territory change, and new customer, by
  every kind of actor (own row, territory row, invisible row, team, admin, key);
* READS: personal fields and values derived from them (slots, distances, route
  legs) of one rep, as the rep, a teammate, the manager, another manager, an
  admin and the manager's key;
* PROBES: existence oracles, each asking about an invisible row and a made-up
  id, which must answer alike.
"""

from __future__ import annotations

import re

import pytest
from beanie import PydanticObjectId

from models import Customer, Rep
from resolvers import access
from resolvers.access import SCOPES, Principal
from resolvers.auth import principal_for
from resolvers.context import Context
from schema import schema
from tests.integration.access_support import gid, run
from tests.integration.matrix_support import operation

ROLES = ("anonymous", "key", "rep", "manager", "admin")
#: Root fields anyone may call, signed in or not.
PUBLIC = {"signIn", "refreshSession", "signOut"}
#: Root field -> the signed-in principals refused (FORBIDDEN). Anonymous callers
#: are refused every field but the public ones. "key" is a partner key holding
#: every scope, made by an admin.
REFUSED: dict[str, set[str]] = {
    # reads
    "me": set(),
    "customer": set(),
    "customers": set(),
    "rep": set(),
    "reps": set(),
    "demand": set(),
    "demands": set(),
    "visit": set(),
    "visits": set(),
    "visitPlan": set(),
    "node": set(),
    "effectiveness": set(),
    "customerPriority": set(),
    "customerPriorities": set(),
    "coverage": set(),
    "scoringSettings": set(),
    "recommendations": {"rep", "manager"},  # for someone outside their team
    "apiKeys": {"key", "rep"},
    "auditRecords": {"key", "rep", "manager"},
    "calendarToken": {"key"},  # a user's own; keys have no calendar
    # writes
    "signIn": set(),
    "refreshSession": set(),
    "signOut": set(),
    "createApiKey": {"key", "rep"},
    "revokeApiKey": {"key", "rep"},
    "createCalendarToken": {"key"},
    "revokeCalendarToken": {"key"},
    # keys with customers:write, by their creator's rules
    "createCustomer": set(),
    "updateCustomer": set(),
    "upsertCustomer": set(),
    "archiveCustomer": set(),
    "addContact": set(),
    "updateContact": set(),
    "removeContact": set(),
    "createRep": {"key", "rep", "manager"},
    "updateRep": {"key"},
    "createDemand": set(),
    "transitionDemand": set(),  # keys with demands:write
    "updateDemand": set(),
    "upsertDemand": set(),
    # keys with visits:write, by their creator's rules
    "planVisit": set(),
    "upsertVisit": set(),
    "rescheduleVisit": set(),
    "confirmVisit": set(),
    "pinVisit": set(),
    "checkInVisit": {"key"},  # a check-in or check-out is the rep's own
    "checkOutVisit": {"key"},
    "cancelVisit": set(),
    "markVisitMissed": set(),
    "recordVisitOutcome": set(),
    "planVisits": {"key"},
    "acceptVisitPlan": {"key"},
    "discardVisitPlan": {"key"},
    "replanDay": {"key"},
    "updateScoringSettings": {"key", "rep", "manager"},
    "exportPersonalData": {"key", "rep", "manager"},
    "erasePersonalData": {"key", "rep", "manager"},
}

#: Fields hidden from API keys, as Type.field: the one declaration.
PERSONAL = {item.label for item in access.PERSONAL}
#: Fields whose names look personal but are not (business data, or ids).
NOT_PERSONAL = {
    "Address.street",
    "Address.city",
    "Address.postalCode",
    "Address.country",
    "Address.location",
    "Address.label",
    "Customer.addresses",
    "Customer.name",
    "Customer.legalName",
    "Rep.name",
    "Contact.name",
    "Contact.phones",
    "Contact.emails",
    "Contact.role",
    "Contact.preferredChannel",
    "Contact.id",
    "AuthSession.user",
    "ApiKey.name",
    "SolverStats.name",
    "ScoreComponent.name",
    # plain-words explanations the planner and scoring write
    "PlannedStop.reason",
    "CustomerPriority.reasons",
    "Recommendation.reasons",
    # reachable only through Visit.checkIn and Visit.checkOut, which are personal
    "Presence.location",
    "Visit.customer",
    "Customer.location",
    "Presence.distanceM",  # reachable only through Visit.checkIn and checkOut
    "Slot.travelMinutes",  # reachable only through Recommendation.slot
    # distances and travel from a rep's home are computed only for those who may
    # see the home; API keys get them from `near` alone, or none
    "Recommendation.distanceKm",
    "EffectivenessValue.travelHours",
    "EffectivenessReport.includeTravel",
    "Rep.flexibleBreak",  # colleagues see names only (access.COLLEAGUE_FIELDS)
    "ScoringSettings.strategicTags",  # the admins' vocabulary, not a person's
    # the bounds of check-ins, the same for everyone
    "ScoringSettings.checkInRadiusM",
    "ScoringSettings.checkInEarlyMinutes",
    "Presence.geofence",  # reachable only through Visit.checkIn and checkOut
    # a count of check-ins away from the customer says nothing of where
    "EffectivenessValue.unverifiedCheckIns",
    "Coverage.unverifiedCheckIns",
}
LOOKS_PERSONAL = re.compile(
    r"name|mail|phone|contact|street|address|home|notes|agenda|description|"
    r"comment|checkIn|checkOut|reason|location|title|text|tag|slot|travel|"
    r"distance|depart|back|arrive|break",
    re.IGNORECASE,
)


@pytest.fixture
async def principals(db) -> dict[str, Principal | None]:
    """One principal per role: a team of a manager and a rep, an admin, a key."""
    admin = Rep(name="Admin", email="admin@example.com", role="admin")
    manager = Rep(name="Manager", email="manager@example.com", role="manager")
    for user in (admin, manager):
        await user.insert()
    rep = Rep(
        name="Rep",
        email="rep@example.com",
        role="rep",
        manager_id=manager.id,
        territory="North",
    )
    await rep.insert()
    key = Principal(
        user_id=admin.id,
        role="partner",
        key_id=PydanticObjectId(),
        scopes=frozenset(SCOPES),
        creator_role="admin",
    )
    return {
        "anonymous": None,
        "key": key,
        "rep": await principal_for(rep),
        "manager": await principal_for(manager),
        "admin": await principal_for(admin),
    }


def root_fields() -> list[tuple[str, str, object]]:
    """(operation kind, field name, field) for every root field."""
    graphql_schema = schema._schema
    return [
        (kind, name, field)
        for kind, root in (
            ("query", graphql_schema.query_type),
            ("mutation", graphql_schema.mutation_type),
        )
        for name, field in root.fields.items()
    ]


def test_every_root_field_has_a_row():
    """Tests that the table covers the schema exactly."""
    # given
    names = {name for _, name, _ in root_fields()}
    # then
    assert names - set(REFUSED) == set(), "add the new fields to REFUSED"
    assert set(REFUSED) - names == set(), "remove fields that no longer exist"


@pytest.mark.parametrize(
    ("kind", "name", "field"),
    root_fields(),
    ids=lambda v: v if isinstance(v, str) else "",
)
async def test_each_role_gets_exactly_its_access(principals, kind, name, field):
    """Tests one root field under every role."""
    # given
    document = operation(kind, name, field)
    outcome = {}
    # when
    for role, who in principals.items():
        result = await schema.execute(document, context_value=Context(principal=who))
        codes = {(e.extensions or {}).get("code") for e in result.errors or []}
        outcome[role] = (
            "UNAUTHENTICATED"
            if "UNAUTHENTICATED" in codes
            else "FORBIDDEN"
            if "FORBIDDEN" in codes
            else "answered"
        )
    # then
    expected = {
        role: "FORBIDDEN" if role in REFUSED[name] else "answered" for role in ROLES
    }
    expected["anonymous"] = "answered" if name in PUBLIC else "UNAUTHENTICATED"
    if name in {"signIn", "refreshSession"}:  # placeholder credentials never match
        expected = dict.fromkeys(ROLES, "UNAUTHENTICATED")
    assert outcome == expected


def test_every_personal_looking_field_is_declared():
    """Tests that a new field that may hold personal data gets a decision."""
    # given
    undeclared = []
    for type_name, gql_type in schema._schema.type_map.items():
        fields = getattr(gql_type, "fields", None)
        skipped = type_name.startswith("__") or type_name in {"Query", "Mutation"}
        if skipped or not fields or type_name.endswith("Input"):
            continue
        for field_name in fields:
            label = f"{type_name}.{field_name}"
            if (
                LOOKS_PERSONAL.search(field_name)
                and label not in PERSONAL | NOT_PERSONAL
            ):
                undeclared.append(label)
    # then
    assert undeclared == []


async def test_personal_fields_are_refused_to_keys(principals):
    """Tests the declared personal fields against an API key."""
    # given
    from models import Customer

    await Customer(name="C", contacts=[{"name": "P"}]).insert()
    # when
    result = await schema.execute(
        "{ customers { nodes { contacts { name } } } }",
        context_value=Context(principal=principals["key"]),
    )
    # then
    assert result.errors[0].extensions["code"] == "FORBIDDEN"


def test_every_declared_personal_field_exists_and_says_so():
    """Tests the declaration against the schema: no stale entry, each marked."""
    # given
    type_map = schema._schema.type_map
    for item in access.PERSONAL:
        type_name, field_name = item.label.split(".")
        # then
        field = type_map[type_name].fields[field_name]  # KeyError: stale entry
        assert "Personal" in (field.description or ""), item.label


@pytest.mark.parametrize("label", sorted(PERSONAL))
def test_every_declared_personal_field_is_refused_to_keys_only(principals, label):
    """Tests the field rule the schema applies to every declared field."""
    # given
    type_name, field_name = label.split(".")
    # when / then
    with pytest.raises(access.Forbidden):
        access.check_field(principals["key"], type_name, field_name, None)
    for role in ("admin",):
        access.check_field(principals[role], type_name, field_name, None)


# Ownership and territory: who may give a customer to whom, or move it. The world
# of tests/integration/access_support.py: m1 manages r1 (North) and r2 (South);
# m2 manages r3 (North); c1 is r1's (North), c3 r3's (North).

#: Column -> (acting principal, customer acted on).
ACTORS = {
    "rep:own": ("r1", "c1"),
    "rep:territory": ("r1", "c3"),  # sees it through North, another team's
    "rep:foreign": ("r2", "c1"),  # cannot see it
    "manager:team": ("m1", "c1"),
    "manager:foreign": ("m2", "c1"),
    "admin": ("admin", "c1"),
    "key": ("key", "c1"),  # m1's key, every scope: m1's rules
}
OK, NO, GONE = "ok", "FORBIDDEN", "NOT_FOUND"
#: Change -> outcome per column, in the order of ACTORS.
CHANGES: dict[str, tuple[dict[str, object], tuple[str, ...]]] = {
    "rename": ({"name": "x"}, (OK, NO, GONE, OK, GONE, OK, OK)),
    "owner: self": ({"ownerId": "self"}, (OK, NO, GONE, OK, GONE, OK, OK)),
    "owner: teammate r2": ({"ownerId": "r2"}, (NO, NO, GONE, OK, GONE, OK, OK)),
    "owner: other team r3": ({"ownerId": "r3"}, (NO, NO, GONE, NO, GONE, OK, NO)),
    "owner: nobody": ({"ownerId": None}, (NO, NO, GONE, NO, GONE, OK, NO)),
    "owner: made-up id": ({"ownerId": "?"}, (NO, NO, GONE, NO, GONE, GONE, NO)),
    "territory: North": ({"territory": "North"}, (OK, NO, GONE, OK, GONE, OK, OK)),
    "territory: South": ({"territory": "South"}, (NO, NO, GONE, OK, GONE, OK, OK)),
    "territory: East": ({"territory": "East"}, (NO, NO, GONE, NO, GONE, OK, NO)),
    "territory: none": ({"territory": None}, (NO, NO, GONE, NO, GONE, OK, NO)),
    "status: archived": ({"status": "ARCHIVED"}, (OK, NO, GONE, OK, GONE, OK, OK)),
    "archiveCustomer": ({"archive": True}, (OK, NO, GONE, OK, GONE, OK, OK)),
}
#: New customers: input -> outcome for r1, m1, admin, key (m1's).
CREATES: dict[str, tuple[dict[str, object], tuple[str, ...]]] = {
    "default owner": ({}, (OK, OK, OK, OK)),
    "owner: teammate r2": ({"ownerId": "r2"}, (NO, OK, OK, OK)),
    "owner: other team r3": ({"ownerId": "r3"}, (NO, NO, OK, NO)),
    "owner: made-up id": ({"ownerId": "?"}, (NO, NO, GONE, NO)),
    "territory: North": ({"territory": "North"}, (OK, OK, OK, OK)),
    "territory: South": ({"territory": "South"}, (NO, OK, OK, OK)),
    "territory: East": ({"territory": "East"}, (NO, NO, OK, NO)),
}
CHANGE_CUSTOMER = """
mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { __typename ... on Error { code } } }
"""
ARCHIVE_CUSTOMER = """
mutation($input: ArchiveCustomerInput!) {
  archiveCustomer(input: $input) { __typename ... on Error { code } } }
"""
CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { __typename ... on Error { code } } }
"""


def _key_of(world, creator: str = "m1") -> Principal:
    user = world.users[creator]
    return Principal(
        user_id=user.id,
        role="partner",
        key_id=PydanticObjectId(),
        scopes=frozenset(SCOPES),
        team=(user.id, world.users["r1"].id, world.users["r2"].id),
        team_territories=("North", "South"),
        creator_role="manager",
    )


async def _actor(world, name: str) -> Principal:
    if name == "key":
        return _key_of(world)
    return await principal_for(world.users[name])


def _ids(world, actor: str, values: dict[str, object]) -> dict[str, object]:
    """Input with rep names turned into global ids ('self' is the actor)."""
    out = dict(values)
    if "ownerId" in out and out["ownerId"] is not None:
        name = out["ownerId"]
        name = ("m1" if actor == "key" else actor) if name == "self" else name
        oid = PydanticObjectId() if name == "?" else world.users[name].id
        out["ownerId"] = gid("Rep", oid)
    return out


def _outcome(data: dict | None, codes: list) -> str:
    if codes:
        return codes[0]
    result = next(iter(data.values()))
    return result.get("code") or OK


@pytest.mark.parametrize("column", list(ACTORS))
@pytest.mark.parametrize("change", list(CHANGES))
async def test_ownership_and_territory_changes_by_role(world, change, column):
    """Tests one cell of the role x ownership-change table; nothing else changes."""
    # given
    values, expected = CHANGES[change]
    actor, customer = ACTORS[column]
    doc = world.customers[customer]
    who = await _actor(world, actor)
    ref = {"id": gid("Customer", doc.id)}
    # when
    if "archive" in values:
        data, codes = await run(who, ARCHIVE_CUSTOMER, input=ref)
    else:
        inp = {**ref, **_ids(world, actor, values)}
        data, codes = await run(who, CHANGE_CUSTOMER, input=inp)
    # then
    outcome = _outcome(data, codes)
    assert outcome == expected[list(ACTORS).index(column)]
    if outcome != OK:
        stored = await Customer.get(doc.id)
        assert (stored.owner_id, stored.territory, stored.status, stored.rev) == (
            doc.owner_id,
            doc.territory,
            doc.status,
            doc.rev,
        )


@pytest.mark.parametrize("actor", ["r1", "m1", "admin", "key"])
@pytest.mark.parametrize("case", list(CREATES))
async def test_new_customers_by_role(world, case, actor):
    """Tests one cell of the role x new-customer table; refusals store nothing."""
    # given
    values, expected = CREATES[case]
    before = await Customer.count()
    inp = {"name": "New", **_ids(world, actor, values)}
    # when
    data, codes = await run(await _actor(world, actor), CREATE_CUSTOMER, input=inp)
    # then
    outcome = _outcome(data, codes)
    assert outcome == expected[["r1", "m1", "admin", "key"].index(actor)]
    assert await Customer.count() == before + (outcome == OK)


# Personal data and what is derived from it: who reads r1's. r2 is r1's teammate
# (a colleague), m1 their manager, m2 another team's manager, "key" m1's key.
READERS = ("r1", "r2", "m1", "m2", "admin", "key")
NULL = "null"  # the row is not visible: it reads as missing
READS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Rep.email": (
        "query($rep: ID!) { rep(id: $rep) { email } }",
        (OK, NO, OK, NULL, OK, NO),
    ),
    "Rep.home": (
        "query($rep: ID!) { rep(id: $rep) { home { lat } } }",
        (OK, NO, OK, NULL, OK, NO),
    ),
    "Rep.workingHours": (
        "query($rep: ID!) { rep(id: $rep) { workingHours { weekday } } }",
        (OK, NO, OK, NULL, OK, OK),
    ),
    "Recommendation.slot": (
        "query($rep: ID!) { recommendations(repId: $rep, date: $day) "
        "{ slot { start } } }",
        (OK, NO, OK, NO, OK, NO),
    ),
    "Recommendation.distanceKm (from home)": (
        "query($rep: ID!) { recommendations(repId: $rep, date: $day) { distanceKm } }",
        (OK, NO, OK, NO, OK, NULL),
    ),
    "PlannedRoute.depart": (
        "query($plan: ID!) { visitPlan(id: $plan) { routes { depart } } }",
        (OK, NULL, OK, NULL, OK, NO),
    ),
    "PlannedStop.travelMinutes": (
        "query($plan: ID!) { visitPlan(id: $plan) "
        "{ routes { stops { travelMinutes } } } }",
        (OK, NULL, OK, NULL, OK, NO),
    ),
    "Visit.purposeText": (
        "query($visit: ID!) { visit(id: $visit) { purposeText } }",
        (OK, NULL, OK, NULL, OK, NO),
    ),
    "Demand.title": (
        "query($demand: ID!) { demand(id: $demand) { title } }",
        (OK, NULL, OK, NULL, OK, NO),
    ),
    "Customer.tags": (
        "query($customer: ID!) { customer(id: $customer) { tags } }",
        (OK, NULL, OK, NULL, OK, NO),
    ),
}


async def _r1_with_a_day_and_a_plan(world) -> dict[str, str]:
    """Working hours for r1, a plan of r1's, and the ids the reads need."""
    from datetime import timedelta

    from models import Demand, Visit, VisitPlan
    from models.common import DayHours, TimeRange, Weekday, utc_now
    from models.plan import PlannedRoute, PlannedStop, PlanTotals, SolverStats

    r1 = world.users["r1"]
    r1.working_hours = [
        DayHours(weekday=d, intervals=[TimeRange(start="08:00", end="17:00")])
        for d in Weekday
    ]
    await r1.save()
    c1 = await Customer.get(world.customers["c1"].id)
    c1.tags = ["retail"]
    await c1.save()
    visit = await Visit.get(world.visits["v1"].id)
    visit.purpose_text = "lunch"
    await visit.save()
    at = world.visits["v1"].planned_start
    stop = PlannedStop(
        customer_id=world.customers["c1"].id,
        arrive=at,
        start=at,
        end=at + timedelta(hours=1),
        value=1,
        reason="r",
        travel_minutes=20,
    )
    plan = VisitPlan(
        rep_ids=[r1.id],
        first_day=at.date(),
        last_day=at.date(),
        routes=[
            PlannedRoute(
                rep_id=r1.id,
                day=at.date(),
                depart=at,
                back=at,
                travel_minutes=40,
                stops=[stop],
            )
        ],
        totals=PlanTotals(
            objective=0,
            value=1,
            travel_minutes=40,
            travel_cost=1,
            visits=1,
            candidates=1,
        ),
        solver=SolverStats(name="t", seconds=0, seed=0, time_limit=1),
    )
    await plan.insert()
    demand = await Demand.find_one({"customer_id": world.customers["c1"].id})
    return {
        "rep": gid("Rep", r1.id),
        "plan": gid("VisitPlan", plan.id),
        "visit": gid("Visit", visit.id),
        "demand": gid("Demand", demand.id),
        "customer": gid("Customer", world.customers["c1"].id),
        "day": str(utc_now().date() + timedelta(days=30)),
    }


def _read_outcome(data: dict | None, codes: list) -> str:
    if codes:
        return codes[0]
    text = str(data)
    return NULL if "None" in text or "[]" in text else OK


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("read", list(READS))
async def test_personal_and_derived_reads_by_role(world, read, reader):
    """Tests one cell of the role x personal-field table (r1's data)."""
    # given
    document, expected = READS[read]
    ids = await _r1_with_a_day_and_a_plan(world)
    names = [
        n for n in ("rep", "plan", "visit", "demand", "customer") if f"${n}" in document
    ]
    variables = {n: ids[n] for n in names}
    if "$day" in document:
        document = document.replace("query(", "query($day: Date!, ", 1)
        variables["day"] = ids["day"]
    who = await _actor(world, reader)
    # when
    data, codes = await run(who, document, **variables)
    # then
    assert _read_outcome(data, codes) == expected[READERS.index(reader)]


# Existence oracles: each probe asks about a row the actor may not see and about a
# made-up id of the same kind; the answers must be the same but for the id.
E = "... on Error { code field message }"
_VISIT = (
    '"repId": $rep, "purpose": "DEMO", "plannedStart": "2031-03-05T09:00:00Z", '
    '"plannedEnd": "2031-03-05T10:00:00Z"'
)
#: Probe -> (actor, kind of the hidden row, the hidden row, document with $x).
PROBES: dict[str, tuple[str, str, str, str]] = {
    "customer(id)": ("r2", "Customer", "c1", "{ customer(id: $x) { id } }"),
    "node(id)": ("r2", "Customer", "c1", "{ node(id: $x) { id } }"),
    "updateCustomer": (
        "r2",
        "Customer",
        "c1",
        f'{{ updateCustomer(input: {{id: $x, name: "n"}}) {{ __typename {E} }} }}',
    ),
    "addContact": (
        "r2",
        "Customer",
        "c1",
        '{ addContact(input: {customerId: $x, contact: {name: "n"}}) '
        f"{{ __typename {E} }} }}",
    ),
    "createDemand(customerId)": (
        "r2",
        "Customer",
        "c1",
        '{ createDemand(input: {customerId: $x, type: COMPLAINT, title: "t"}) '
        f"{{ __typename {E} }} }}",
    ),
    "createDemand(assigneeId)": (
        "r1",
        "Rep",
        "r3",
        '{ createDemand(input: {customerId: $c1, type: COMPLAINT, title: "t", '
        f"assigneeId: $x}}) {{ __typename {E} }} }}",
    ),
    "planVisit(customerId)": (
        "r2",
        "Customer",
        "c1",
        "{ planVisit(input: {customerId: $x, repId: $r2, purpose: DEMO, "
        'plannedStart: "2031-03-05T09:00:00Z", plannedEnd: "2031-03-05T10:00:00Z"}) '
        f"{{ __typename {E} }} }}",
    ),
    "planVisit(repId)": (
        "r1",
        "Rep",
        "r3",
        "{ planVisit(input: {customerId: $c1, repId: $x, purpose: DEMO, "
        'plannedStart: "2031-03-05T09:00:00Z", plannedEnd: "2031-03-05T10:00:00Z"}) '
        f"{{ __typename {E} }} }}",
    ),
    "planVisit(demandIds)": (
        "r2",
        "Demand",
        "c1",
        "{ planVisit(input: {customerId: $c2, repId: $r2, purpose: DEMO, "
        'plannedStart: "2031-03-05T09:00:00Z", plannedEnd: "2031-03-05T10:00:00Z", '
        f"demandIds: [$x]}}) {{ __typename {E} }} }}",
    ),
    "transitionDemand": (
        "r2",
        "Demand",
        "c1",
        "{ transitionDemand(input: {id: $x, to: IN_PROGRESS}) "
        f"{{ __typename {E} }} }}",
    ),
    "demand(id)": ("r2", "Demand", "c1", "{ demand(id: $x) { id } }"),
    "rep(id)": ("r1", "Rep", "r3", "{ rep(id: $x) { id } }"),
    "visit(id)": ("r2", "Visit", "v1", "{ visit(id: $x) { id } }"),
    "pinVisit": (
        "r2",
        "Visit",
        "v1",
        f"{{ pinVisit(input: {{id: $x, pinned: true}}) {{ __typename {E} }} }}",
    ),
    "customers(ownerIds)": (
        "r1",
        "Rep",
        "r3",
        "{ customers(filter: {ownerIds: [$x]}) { totalCount nodes { id } } }",
    ),
    "demands(assigneeIds)": (
        "r1",
        "Rep",
        "r3",
        "{ demands(filter: {assigneeIds: [$x]}) { totalCount } }",
    ),
    "visits(repIds)": (
        "r1",
        "Rep",
        "r3",
        "{ visits(filter: {repIds: [$x]}) { totalCount } }",
    ),
    "customerPriorities(ownerId)": (
        "r1",
        "Rep",
        "r3",
        "{ customerPriorities(ownerId: $x) { score } }",
    ),
    "coverage(repIds)": (
        "r1",
        "Rep",
        "r3",
        '{ coverage(firstDay: "2026-11-01", lastDay: "2026-11-30", repIds: [$x]) '
        "{ key label total { customers } } }",
    ),
    "effectiveness(repIds)": (
        "r1",
        "Rep",
        "r3",
        '{ effectiveness(groupBy: REP, period: {unit: DAY, start: "2031-03-03"}, '
        "filter: {repIds: [$x]}) { groups { key } } }",
    ),
    "recommendations(repId)": (
        "m2",
        "Rep",
        "r1",
        '{ recommendations(repId: $x, date: "2031-03-05") { score } }',
    ),
}


def _hidden_id(world, kind: str, row: str) -> PydanticObjectId:
    if kind == "Rep":
        return world.users[row].id
    if kind == "Customer":
        return world.customers[row].id
    if kind == "Visit":
        return world.visits[row].id
    raise AssertionError(kind)


@pytest.mark.parametrize("probe", list(PROBES))
async def test_an_invisible_row_answers_like_a_missing_one(world, probe):
    """Tests one existence oracle: hidden row and made-up id answer alike."""
    # given
    from models import Demand

    actor, kind, row, body = PROBES[probe]
    if kind == "Demand":
        hidden = (await Demand.find_one({"customer_id": world.customers[row].id})).id
    else:
        hidden = _hidden_id(world, kind, row)
    # r3 holds c3's demand, so filters by r3 would find it if they looked
    await Demand.find({"customer_id": world.customers["c3"].id}).update_many(
        {"$set": {"assignee_id": world.users["r3"].id}}
    )
    made_up = PydanticObjectId()
    refs = {
        "c1": gid("Customer", world.customers["c1"].id),
        "c2": gid("Customer", world.customers["c2"].id),
        "r2": gid("Rep", world.users["r2"].id),
    }
    used = [n for n in refs if f"${n}" in body]
    head = ", ".join(["$x: ID!", *(f"${n}: ID!" for n in used)])
    kind_of_op = (
        "mutation" if body.lstrip("{ ").split("(")[0] in _MUTATIONS else "query"
    )
    document = f"{kind_of_op}({head}) {body}"
    who = await _actor(world, actor)
    # when
    answers = [
        await run(who, document, x=gid(kind, oid), **{n: refs[n] for n in used})
        for oid in (hidden, made_up)
    ]
    # then
    texts = [
        str(a)
        .replace(str(hidden), "ID")
        .replace(str(made_up), "ID")
        .replace(gid(kind, hidden), "GID")
        .replace(gid(kind, made_up), "GID")
        for a in answers
    ]
    assert texts[0] == texts[1]


_MUTATIONS = {
    "updateCustomer",
    "addContact",
    "createDemand",
    "planVisit",
    "transitionDemand",
    "pinVisit",
}
