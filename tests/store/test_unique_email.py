"""The unique email index on reps, on a store that enforces it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo.errors import DuplicateKeyError

from models import Rep
from resolvers.access import Principal
from resolvers.context import Context
from schema import schema

pytestmark = pytest.mark.store

CREATE_REP = """
mutation CreateRep($input: CreateRepInput!) {
  createRep(input: $input) {
    __typename
    ... on RepPayload { rep { id email revision } }
    ... on Error { code field message }
  }
}
"""

UPDATE_REP = """
mutation UpdateRep($input: UpdateRepInput!) {
  updateRep(input: $input) {
    __typename
    ... on RepPayload { rep { email } }
    ... on Error { code field }
  }
}
"""


async def test_create_rep_refuses_an_email_in_another_case(gql: Any) -> None:
    """Tests that a second rep with the same email in other case is a conflict."""
    # given
    first = await gql(CREATE_REP, input={"name": "Ada", "email": "ada@example.com"})
    assert first["createRep"]["__typename"] == "RepPayload"

    # when
    second = await gql(CREATE_REP, input={"name": "Ada 2", "email": "ADA@Example.COM"})

    # then
    assert second["createRep"]["__typename"] == "ConflictError"
    assert second["createRep"]["code"] == "CONFLICT"
    assert second["createRep"]["field"] == "email"
    assert await Rep.find({"email": "ada@example.com"}).count() == 1


async def test_concurrent_create_rep_lets_exactly_one_through(
    db: AsyncIOMotorDatabase,
) -> None:
    """Tests that racing createRep calls give one rep and one conflict on email."""
    # given
    variables = [
        {"input": {"name": f"Bo {n}", "email": email}}
        for n, email in enumerate(
            ["bo@example.com", "Bo@Example.com", "BO@example.com"]
        )
    ]

    # when
    results = await asyncio.gather(
        *(
            schema.execute(
                CREATE_REP,
                variable_values=v,
                context_value=Context(principal=Principal.system()),
            )
            for v in variables
        )
    )

    # then
    assert all(r.errors is None for r in results), [r.errors for r in results]
    outcomes = sorted(r.data["createRep"]["__typename"] for r in results)
    assert outcomes == ["ConflictError", "ConflictError", "RepPayload"]
    assert {
        r.data["createRep"]["field"]
        for r in results
        if r.data["createRep"]["__typename"] == "ConflictError"
    } == {"email"}
    assert await Rep.find({"email": "bo@example.com"}).count() == 1


async def test_unique_index_stops_a_race_past_the_lookup(
    db: AsyncIOMotorDatabase,
) -> None:
    """Tests that two direct inserts of one email raise DuplicateKeyError once."""
    # given
    reps = [Rep(name=f"Cy {n}", email="cy@example.com") for n in range(2)]

    # when
    results = await asyncio.gather(
        *(rep.insert() for rep in reps), return_exceptions=True
    )

    # then
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1
    assert isinstance(errors[0], DuplicateKeyError)
    assert errors[0].code == 11000
    assert await Rep.find({"email": "cy@example.com"}).count() == 1


async def test_update_rep_refuses_another_reps_email(gql: Any) -> None:
    """Tests that changing a rep's email to one in use is a conflict on email."""
    # given
    await gql(CREATE_REP, input={"name": "Di", "email": "di@example.com"})
    created = await gql(CREATE_REP, input={"name": "Ed", "email": "ed@example.com"})
    ed = created["createRep"]["rep"]

    # when
    data = await gql(
        UPDATE_REP,
        input={"id": ed["id"], "revision": ed["revision"], "email": "DI@example.com"},
    )

    # then
    assert data["updateRep"]["__typename"] == "ConflictError"
    assert data["updateRep"]["field"] == "email"
    stored = await Rep.find_one({"name": "Ed"})
    assert stored is not None
    assert stored.email == "ed@example.com"
