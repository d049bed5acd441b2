"""Client mistakes keep their message and get a code; they are never 500 or faults.

Every case runs in production mode, where a fault would read "Unexpected error."
with INTERNAL_SERVER_ERROR, and checks that nothing was logged as a fault.
"""

from __future__ import annotations

import logging

import pytest
from graphql import get_nullable_type

from schema import schema
from schema.errors import ERRORS
from settings import Settings
from tests.conftest import make_user, signed_in_client
from tests.integration.factories import CREATE_DEMAND, make_customer
from tests.integration.test_plan_mutations import plan_day

PRODUCTION = Settings(production=True)
NO_REP = "UmVwOjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMA=="  # Rep:000...0

EFFECTIVENESS = """
query Q($start: Date!) {
  effectiveness(groupBy: REP, period: {unit: MONTH, start: $start}) { overall { label } }
}
"""


def _faults(caplog):
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def _answer(client, body):
    if isinstance(body, bytes):
        return await client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
    return await client.post("/graphql", json=body)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"query": "query Q($id: ID!) { customer(id: $id) { name } }"},
            "VALIDATION",
            "Variable '$id'",
        ),
        (
            {"query": EFFECTIVENESS, "variables": {"start": "9999-12-01"}},
            "VALIDATION",
            "years 1900 to 2999 only",
        ),
        (
            {
                "query": "{ effectiveness(groupBy: REP, period: {unit: MONTH, "
                'start: "9999-12-01"}) { overall { label } } }'
            },
            "GRAPHQL_VALIDATION_FAILED",
            "years 1900 to 2999 only",
        ),
        (
            {"query": 'mutation { revokeApiKey(id: "x") { ... on Error { code } } }'},
            None,
            None,
        ),
    ],
    ids=["missing-variable", "year-10000-variable", "year-10000-literal", "revoke"],
)
async def test_client_mistakes_are_answered_with_a_code(
    db, caplog, body, code, message
):
    """Tests that a client's mistake keeps its message and code, and is no fault."""
    # given
    caplog.set_level(logging.DEBUG)
    async with signed_in_client(PRODUCTION) as client:
        caplog.clear()
        # when
        response = await _answer(client, body)
    # then
    assert response.status_code == 200, response.text
    answer = response.json()
    if code is None:  # a typed result
        assert "errors" not in answer, answer
    else:
        error = answer["errors"][0]
        assert error["extensions"]["code"] == code
        assert message in error["message"]
    assert "INTERNAL_SERVER_ERROR" not in response.text
    assert _faults(caplog) == []


@pytest.mark.parametrize(
    "body",
    [
        b"null",
        b"5",
        b'"query"',
        b'{"query": "\xff\xfe"}',
        b'{"query": "{ __typename }", "variables": {"a": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}}",
        b'{"query": "query Q($x: Float) { __typename }", "variables": {"x": NaN}}',
        b'{"query": "query Q($x: Float) { __typename }", "variables": {"x": -Infinity}}',
        b'{"query": "query Q($x: Float) { __typename }", "variables": {"x": 1e999}}',
    ],
    ids=["null", "number", "string", "not-utf8", "deep", "nan", "infinity", "huge"],
)
async def test_malformed_bodies_are_400(db, caplog, body):
    """Tests that bodies Strawberry cannot take are 400 with the reason, not 500."""
    # given
    caplog.set_level(logging.DEBUG)
    async with signed_in_client(PRODUCTION) as client:
        caplog.clear()
        # when
        response = await _answer(client, body)
    # then
    assert response.status_code == 400, response.text
    assert "JSON" in response.text
    assert _faults(caplog) == []


async def test_a_negative_seed_is_a_validation_error(gql, team):
    """Tests that planVisits refuses seed -1 before the solver sees it."""
    # when
    result = await plan_day(gql, team[0], seed=-1)
    # then
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "seed"


async def test_a_reused_key_on_create_demand_is_a_conflict(gql):
    """Tests that createDemand answers IDEMPOTENCY_KEY_REUSED as a ConflictError."""
    # given
    customer = await make_customer(gql)
    base = {"customerId": customer["id"], "type": "COMPLAINT", "idempotencyKey": "k"}
    await gql(CREATE_DEMAND, input={**base, "title": "First"})
    # when
    again = await gql(CREATE_DEMAND, input={**base, "title": "Second"})
    # then
    assert again["createDemand"]["__typename"] == "ConflictError"
    assert again["createDemand"]["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_a_reused_key_on_plan_visits_is_a_conflict(gql, team):
    """Tests that planVisits answers IDEMPOTENCY_KEY_REUSED as a ConflictError."""
    # given
    await plan_day(gql, team[0], idempotencyKey="p")
    # when
    again = await plan_day(gql, team[0], idempotencyKey="p", seed=2)
    # then
    assert again["__typename"] == "ConflictError"
    assert again["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_a_malformed_id_on_revoke_api_key_is_a_validation_error(gql):
    """Tests that revokeApiKey(id: "x") is a ValidationError, not a server error."""
    # given
    await make_user("admin")
    # when
    data = await gql(
        'mutation { revokeApiKey(id: "x") { ... on Error { code field } } }'
    )
    # then
    assert data["revokeApiKey"] == {"code": "VALIDATION", "field": "id"}


def test_every_mutation_union_holds_every_error_type():
    """Tests that no mutation's result union can lack an error its resolver raises."""
    # given
    names = {error.__name__ for error in ERRORS}
    plain = {"signIn", "refreshSession", "signOut"}  # refusals are top-level
    # when
    mutations = schema._schema.mutation_type.fields
    # then
    for name, field in mutations.items():
        kind = get_nullable_type(field.type)
        if name in plain:
            continue
        members = {member.name for member in getattr(kind, "types", ())}
        assert names <= members, (name, names - members)
