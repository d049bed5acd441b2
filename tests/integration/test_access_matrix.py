"""The role x operation matrix, generated from the schema.

Every root field is called once per principal with placeholder arguments; the
outcome (UNAUTHENTICATED, FORBIDDEN, or answered) must match the table below. A
new query or mutation without a row, or a row without a field, fails the test,
and so does a type with a field that looks personal but is not declared.
"""

from __future__ import annotations

import re

import pytest
from beanie import PydanticObjectId

from models import Rep
from resolvers import access
from resolvers.access import SCOPES, Principal
from resolvers.auth import principal_for
from resolvers.context import Context
from schema import schema
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
    # writes
    "signIn": set(),
    "refreshSession": set(),
    "signOut": set(),
    "createApiKey": {"key", "rep"},
    "revokeApiKey": {"key", "rep"},
    "createCustomer": {"key"},
    "updateCustomer": {"key"},
    "archiveCustomer": {"key"},
    "addContact": {"key"},
    "updateContact": {"key"},
    "removeContact": {"key"},
    "createRep": {"key", "rep", "manager"},
    "updateRep": {"key"},
    "createDemand": set(),
    "transitionDemand": set(),  # keys with demands:write
    "planVisit": {"key"},
    "rescheduleVisit": {"key"},
    "confirmVisit": {"key"},
    "pinVisit": {"key"},
    "checkInVisit": {"key"},
    "checkOutVisit": {"key"},
    "cancelVisit": {"key"},
    "markVisitMissed": {"key"},
    "recordVisitOutcome": {"key"},
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
    "UnservedCustomer.reason",
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
