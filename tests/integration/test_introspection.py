"""Introspection without a credential in development.

GraphiQL, codegen and schema inspectors introspect before anyone signs in. The
root introspection fields are public (``schema.auth.PUBLIC_FIELDS``); whether
introspection runs at all is the production rule's decision (defenses.limits),
tested with and without a token in test_defenses_limits.py.
"""

from __future__ import annotations

import pytest
from graphql import get_introspection_query

from settings import Settings
from tests.conftest import TEST_SECRET, anonymous_client

PRODUCTION = Settings(production=True, secret=TEST_SECRET)

INTROSPECTION = [
    "{ __schema { queryType { name } } }",
    '{ __type(name: "Customer") { name fields { name } } }',
    "query { __typename __schema { mutationType { name } } }",
]
MIXED = "{ __schema { queryType { name } } customers(first: 1) { totalCount } }"


async def post(client, query, headers=None):
    response = await client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("query", INTROSPECTION)
async def test_development_introspects_without_a_token(db, query):
    """Tests that __schema and __type answer an anonymous request in development."""
    # when
    async with anonymous_client() as client:
        body = await post(client, query)
    # then
    assert "errors" not in body
    assert body["data"]


async def test_graphiqls_introspection_needs_no_token(db):
    """Tests that GraphiQL's full introspection query answers before signing in."""
    # given
    query = get_introspection_query(descriptions=True, input_value_deprecation=True)
    # when
    async with anonymous_client() as client:
        body = await post(client, query)
    # then
    assert "errors" not in body
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Customer", "Visit", "Error", "Query", "Mutation"} <= names


async def test_an_expired_token_does_not_stop_introspection(db):
    """Tests that a bad Authorization header still gets the schema in development."""
    # when
    async with anonymous_client() as client:
        body = await post(
            client, INTROSPECTION[0], headers={"Authorization": "Bearer not-a-token"}
        )
    # then
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_real_fields_beside_introspection_still_need_a_token(db):
    """Tests that a document mixing __schema with customers gets customers refused."""
    # when
    async with anonymous_client() as client:
        body = await post(client, MIXED)
    # then
    refused = [e for e in body["errors"] if e["path"] == ["customers"]]
    assert [e["extensions"]["code"] for e in refused] == ["UNAUTHENTICATED"]
    assert len(body["errors"]) == 1


async def test_real_fields_alone_still_need_a_token(db):
    """Tests that an anonymous query of a real field is UNAUTHENTICATED."""
    # when
    async with anonymous_client() as client:
        body = await post(client, "{ me { name } }")
    # then
    assert body["data"] == {"me": None}
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_production_answers_typename_anonymously(db):
    """Tests that __typename, which is not introspection, answers in production."""
    # when
    async with anonymous_client(PRODUCTION) as client:
        body = await post(client, "{ __typename }")
    # then
    assert body == {"data": {"__typename": "Query"}}
