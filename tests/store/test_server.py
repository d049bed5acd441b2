"""The whole server on the store: lifespan, health check, GraphQL and GraphiQL.

The app's own lifespan is entered directly (Starlette's ``TestClient`` would do
the same in a thread, but importing it with plain httpx warns on Starlette 1.x),
so the Motor client it opens lives on the test's event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pymongo import MongoClient

from server import create_app
from settings import Settings
from tests.conftest import sign_in
from tests.store.support import unique_database_name

pytestmark = pytest.mark.store

CREATE_CUSTOMER = """
mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename
    ... on CustomerPayload { customer { id name tier } }
    ... on Error { code message }
  }
}
"""

READ_CUSTOMER = """
query Read($id: ID!) { customer(id: $id) { name tier } }
"""


@pytest.fixture
async def server(store_uri: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app, its lifespan connected to the store on a fresh database."""
    name = unique_database_name()
    app = create_app(Settings(mongodb_uri=store_uri, database=name))
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        ):
            await sign_in(client)
            yield client
    finally:
        with MongoClient(store_uri) as admin:
            admin.drop_database(name)


async def test_health_reports_the_connected_store(server: httpx.AsyncClient) -> None:
    """Tests that /healthz says ok, and nothing more, once MongoDB answers."""
    # when
    response = await server.get("/healthz")

    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_graphql_creates_and_reads_a_customer(server: httpx.AsyncClient) -> None:
    """Tests that POST /graphql writes a customer that a later request reads."""
    # given
    created = (
        await server.post(
            "/graphql",
            json={
                "query": CREATE_CUSTOMER,
                "variables": {"input": {"name": "Hofladen"}},
            },
        )
    ).json()
    assert created.get("errors") is None
    payload = created["data"]["createCustomer"]
    assert payload["__typename"] == "CustomerPayload"

    # when
    read = (
        await server.post(
            "/graphql",
            json={
                "query": READ_CUSTOMER,
                "variables": {"id": payload["customer"]["id"]},
            },
        )
    ).json()

    # then
    assert read.get("errors") is None
    assert read["data"]["customer"] == {"name": "Hofladen", "tier": "C"}


async def test_graphiql_is_served_to_browsers(server: httpx.AsyncClient) -> None:
    """Tests that GET /graphql asking for HTML returns the GraphiQL page."""
    # when
    response = await server.get("/graphql", headers={"Accept": "text/html"})

    # then
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_graphql_over_http_uses_the_test_database(
    http: httpx.AsyncClient,
) -> None:
    """Tests that the ASGI app on the test database answers a mutation over HTTP."""
    # when
    response = await http.post(
        "/graphql",
        json={"query": CREATE_CUSTOMER, "variables": {"input": {"name": ""}}},
    )

    # then
    assert response.status_code == 200
    result = response.json()["data"]["createCustomer"]
    assert result["__typename"] == "ValidationError"
    assert result["code"] == "VALIDATION"
