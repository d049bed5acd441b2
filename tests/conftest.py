"""Fixtures shared by every lane: a fresh database per test and a GraphQL caller."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from beanie import init_beanie
from mongomock_motor import AsyncMongoMockClient

from models import DOCUMENT_MODELS
from resolvers.access import Principal
from resolvers.context import Context
from schema import schema

_counter = itertools.count()


@pytest.fixture
async def db() -> Any:
    """A fresh in-memory database with Beanie initialised on it."""
    client = AsyncMongoMockClient(tz_aware=True)
    database = client[f"test_{next(_counter)}"]
    await init_beanie(database=database, document_models=DOCUMENT_MODELS)
    return database


class GraphQLCaller:
    """Runs GraphQL documents through the schema with a fresh context each time."""

    async def __call__(self, document: str, **variables: Any) -> dict[str, Any]:
        """Execute ``document``; fail the test on any top-level error."""
        result = await schema.execute(
            document,
            variable_values=variables,
            context_value=Context(principal=Principal.system()),
        )
        assert result.errors is None, result.errors
        assert result.data is not None
        return result.data

    async def errors(self, document: str, **variables: Any) -> list[Any]:
        """Execute ``document`` expecting top-level errors, and return them."""
        result = await schema.execute(
            document,
            variable_values=variables,
            context_value=Context(principal=Principal.system()),
        )
        assert result.errors, "expected a top-level error"
        return list(result.errors)


@pytest.fixture
def gql(db: Any) -> GraphQLCaller:
    """Execute GraphQL against the fresh database."""
    return GraphQLCaller()
