"""Fixtures shared by every lane: a fresh database per test and a GraphQL caller."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import mongomock
import pytest
from beanie import init_beanie
from mongomock_motor import AsyncMongoMockClient

from models import DOCUMENT_MODELS
from resolvers.access import Principal
from resolvers.auth import Auth
from resolvers.context import Context
from resolvers.plans import PlanJobs, SolverPool
from schema import schema
from tests.integration.engine_support import ThreadEngine

_counter = itertools.count()


def _create_indexes(
    self: mongomock.Collection, indexes: list[Any], session: Any = None
) -> list[str]:
    """mongomock's ``create_indexes``, keeping each index's partial filter.

    mongomock honours ``partialFilterExpression`` in ``create_index`` but drops
    it in ``create_indexes``, which Beanie uses; without it the unique indexes
    on external ids (partial, so that rows without one do not collide) would
    refuse every second row without an external id, which MongoDB does not.
    """
    return [
        self.create_index(
            index.document["key"].items(),
            session=session,
            unique=index.document.get("unique", False),
            sparse=index.document.get("sparse", False),
            name=index.document.get("name"),
            expireAfterSeconds=index.document.get("expireAfterSeconds"),
            partialFilterExpression=index.document.get("partialFilterExpression"),
        )
        for index in indexes
    ]


mongomock.Collection.create_indexes = _create_indexes  # type: ignore[method-assign]


@pytest.fixture
async def db() -> Any:
    """A fresh in-memory database with Beanie initialised on it."""
    client = AsyncMongoMockClient(tz_aware=True)
    database = client[f"test_{next(_counter)}"]
    await init_beanie(database=database, document_models=DOCUMENT_MODELS)
    return database


@pytest.fixture(scope="session")
def pool() -> Iterator[SolverPool]:
    """The planner's worker processes, shared by the session as by a server."""
    solvers = SolverPool()
    yield solvers
    solvers.close()


@pytest.fixture
def engine() -> ThreadEngine:
    """The engine of this test's background plans: the planner in threads."""
    return ThreadEngine()


@pytest.fixture
async def jobs(db: Any, engine: ThreadEngine) -> AsyncIterator[PlanJobs]:
    """This test's background plans; stopped when it ends, as at server exit."""
    running = PlanJobs(engine)
    yield running
    await running.stop()
    await engine.close()


class GraphQLCaller:
    """Runs GraphQL documents through the schema with a fresh context each time."""

    def __init__(self, pool: SolverPool, jobs: PlanJobs) -> None:
        self.pool = pool
        self.jobs = jobs

    def context(self, **fields: Any) -> Context:
        """A context as the server builds it: ``fields``, the pool and the jobs."""
        return Context(pool=self.pool, jobs=self.jobs, **fields)

    async def __call__(self, document: str, **variables: Any) -> dict[str, Any]:
        """Execute ``document``; fail the test on any top-level error."""
        result = await schema.execute(
            document,
            variable_values=variables,
            context_value=self.context(
                principal=Principal.system(), auth=Auth(secret=TEST_SECRET)
            ),
        )
        assert result.errors is None, result.errors
        assert result.data is not None
        return result.data

    async def errors(self, document: str, **variables: Any) -> list[Any]:
        """Execute ``document`` expecting top-level errors, and return them."""
        result = await schema.execute(
            document,
            variable_values=variables,
            context_value=self.context(
                principal=Principal.system(), auth=Auth(secret=TEST_SECRET)
            ),
        )
        assert result.errors, "expected a top-level error"
        return list(result.errors)


@pytest.fixture
def gql(db: Any, pool: SolverPool, jobs: PlanJobs) -> GraphQLCaller:
    """Execute GraphQL against the fresh database."""
    return GraphQLCaller(pool, jobs)


SIGN_IN = """
mutation SignIn($email: String!, $password: String!) {
  signIn(email: $email, password: $password) { accessToken refreshToken }
}
"""
TEST_PASSWORD = "correct horse battery staple"
TEST_SECRET = "test-secret-for-signing-access-tokens-0123456789"


async def make_user(role: str = "admin", email: str | None = None, **extra: Any) -> Any:
    """Store a user who can sign in with ``TEST_PASSWORD``."""
    from models import Rep
    from resolvers.auth import hash_password

    user = Rep(
        name=f"Test {role}",
        email=email or f"{role}@example.com",
        role=role,
        password_hash=hash_password(TEST_PASSWORD),
        **extra,
    )
    await user.insert()
    return user


async def sign_in(client: Any, role: str = "admin") -> Any:
    """Create a user of ``role``, sign in through ``client`` and keep the token."""
    user = await make_user(role)
    variables = {"email": user.email, "password": TEST_PASSWORD}
    answer = await client.post(
        "/graphql", json={"query": SIGN_IN, "variables": variables}
    )
    token = answer.json()["data"]["signIn"]["accessToken"]
    client.headers["Authorization"] = f"Bearer {token}"
    return user


@contextlib.asynccontextmanager
async def anonymous_client(settings: Any = None) -> AsyncIterator[Any]:
    """An HTTP client on a fresh app, without a credential.

    Beanie must already be initialised (the ``db`` fixture); the app does not
    connect on its own.
    """
    import httpx

    from server import create_app
    from settings import Settings

    settings = settings or Settings()
    if settings.secret is None:
        settings = dataclasses.replace(settings, secret=TEST_SECRET)
    app = create_app(settings, connect=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@contextlib.asynccontextmanager
async def signed_in_client(
    settings: Any = None, role: str = "admin"
) -> AsyncIterator[Any]:
    """An HTTP client on a fresh app, signed in as a new user of ``role``."""
    async with anonymous_client(settings) as client:
        await sign_in(client, role)
        yield client
