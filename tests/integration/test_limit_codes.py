"""Every limit answers with the ``extensions.code`` docs/api.md promises, and the
status the draft gives it in either media type."""

from __future__ import annotations

import asyncio
import json

import pytest

from defenses.limits import MAX_ALIASES, MAX_DEPTH, MAX_DIRECTIVES, MAX_TOKENS
from graphql_http import GRAPHQL_RESPONSE_JSON, JSON
from resolvers import customers
from settings import Settings
from tests.conftest import TEST_SECRET, signed_in_client
from tests.integration.test_defenses_limits import EXPENSIVE, deep_query

PRODUCTION = Settings(production=True, secret=TEST_SECRET)
DEEP_INTROSPECTION = (
    '{ __type(name: "Customer") { fields { type { fields { type { fields { '
    "type { fields { name } } } } } } } } }"
)
DIRECTIVES = (
    "{ __typename "
    + " ".join("__typename @include(if: true)" for _ in range(MAX_DIRECTIVES + 1))
    + " }"
)
ALIASES = "{ " + " ".join(f"a{n}: __typename" for n in range(MAX_ALIASES + 1)) + " }"

#: (what, the request body, the code, status with graphql-response+json, with
#: application/json, settings): one row per limit of docs/security.md.
LIMITS = [
    ("source length", {"query": "{ __typename }#" + "x" * 20_000}, "GRAPHQL_PARSE_FAILED", 400, 200, None),
    ("tokens", {"query": "{ " + "__typename " * MAX_TOKENS + "}"}, "GRAPHQL_PARSE_FAILED", 400, 200, None),
    ("depth", {"query": deep_query(MAX_DEPTH + 1)}, "GRAPHQL_VALIDATION_FAILED", 400, 200, None),
    ("aliases", {"query": ALIASES}, "GRAPHQL_VALIDATION_FAILED", 400, 200, None),
    ("directives", {"query": DIRECTIVES}, "GRAPHQL_VALIDATION_FAILED", 400, 200, None),
    ("cost", {"query": EXPENSIVE, "variables": {"n": 100}}, "GRAPHQL_VALIDATION_FAILED", 400, 200, None),
    ("introspection depth", {"query": DEEP_INTROSPECTION}, "GRAPHQL_VALIDATION_FAILED", 400, 200, None),
    ("introspection in production", {"query": "{ __schema { types { name } } }"}, "GRAPHQL_VALIDATION_FAILED", 400, 200, PRODUCTION),
    (
        "list argument",
        {
            "query": "query Q($t: [String!]) { customers(filter: {tagsAny: $t}) { totalCount } }",
            "variables": {"t": ["x"] * 51},
        },
        "VALIDATION",
        400,
        200,
        None,
    ),
    ("page size", {"query": "{ customers(first: 101) { totalCount } }"}, "VALIDATION", 200, 200, None),
    ("body size", {"query": "{ __typename }", "pad": "x" * 3_000_000}, "PAYLOAD_TOO_LARGE", 413, 413, None),
]  # fmt: skip


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE_JSON, JSON])
@pytest.mark.parametrize(
    ("what", "body", "code", "graphql_status", "json_status", "settings"),
    LIMITS,
    ids=[row[0] for row in LIMITS],
)
async def test_each_limit_has_its_code_and_status(
    db, accept, what, body, code, graphql_status, json_status, settings
):
    """Tests that a request over a limit is refused with its documented code."""
    # given
    async with signed_in_client(settings) as client:
        # when
        response = await client.post(
            "/graphql",
            content=json.dumps(body),
            headers={"content-type": "application/json", "accept": accept},
        )
    # then
    expected = graphql_status if accept == GRAPHQL_RESPONSE_JSON else json_status
    assert response.status_code == expected, (what, response.text[:300])
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code, (what, error)


async def test_the_time_limit_has_its_code(db, monkeypatch):
    """Tests the last limit: a request over VISITPLAN_REQUEST_TIMEOUT is TIMEOUT."""

    # given
    async def slow(*args, **kwargs):
        await asyncio.sleep(30)

    monkeypatch.setattr(customers, "list_customers", slow)
    async with signed_in_client(Settings(request_timeout_s=0.3)) as client:
        # when
        response = await client.post(
            "/graphql", json={"query": "{ customers { totalCount } }"}
        )
    # then
    assert response.status_code == 504
    assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
