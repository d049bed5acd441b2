"""What failures show to clients and write to the log.

Security checklist rows 13, 14, 20, 27 (log amplification) and 32.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest
from motor.motor_asyncio import AsyncIOMotorClient

import server
from models import Customer
from resolvers import customers
from resolvers.plans import SolverPool
from server import create_app
from settings import Settings
from tests.conftest import TEST_SECRET, signed_in_client

QUERY = "{ customers(first: 1) { totalCount } }"
PRODUCTION = Settings(production=True)


async def post(client, query, **variables):
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}
    )
    assert response.status_code < 500, response.text
    return response.json()


# --- 13: no internals in answers --------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        QUERY,
        "{ a: customers(first: 1) { totalCount } b: customers(first: 2) { nodes { id } } }",
        "query ($s: String) { customers(search: $s) { nodes { name } } }",
    ],
)
async def test_a_planted_bug_shows_nothing_of_itself_in_production(
    db, monkeypatch, query
):
    """Tests that a bug's message, type and traceback never reach the client."""

    # given
    async def planted(*args, **kwargs):
        raise RuntimeError("planted bug in /srv/visitplan/resolvers/customers.py")

    monkeypatch.setattr(customers, "list_customers", planted)
    # when
    async with signed_in_client(PRODUCTION) as client:
        response = await client.post(
            "/graphql", json={"query": query, "variables": {"s": "x"}}
        )
    # then
    assert response.status_code == 200
    for error in response.json()["errors"]:
        assert error["message"] == "Unexpected error."
        assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
        assert error["path"]
    for leak in ("planted", "RuntimeError", "Traceback", "/srv/", ".py"):
        assert leak not in response.text


# --- 14: client errors keep their message -----------------------------------


@pytest.mark.parametrize(
    ("query", "message", "code"),
    [
        (
            "{ customers(first: 1) { totalCount ",
            "Syntax Error: Expected Name",
            "GRAPHQL_PARSE_FAILED",
        ),
        (
            "{ customers(first: 1) { nodes { "
            + "lastVisits(last: 1) { customer { " * 5
            + "name"
            + " }" * 13,
            "exceeds maximum operation depth of 10",
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("{ customers(first: 0) { totalCount } }", "between 1 and 100", "VALIDATION"),
        (
            "{ nope }",
            "Cannot query field 'nope' on type 'Query'.",
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ],
    ids=["syntax", "depth", "bad-user-input", "unknown-field"],
)
async def test_client_errors_keep_their_message_in_production(db, query, message, code):
    """Tests that masking leaves syntax, validation and input errors readable."""
    # when
    async with signed_in_client(PRODUCTION) as client:
        body = await post(client, query)
    # then
    error = body["errors"][0]
    assert message in error["message"]
    assert error.get("extensions", {}).get("code") == code


async def test_refusals_keep_their_code_in_production(db):
    """Tests that UNAUTHENTICATED stays UNAUTHENTICATED when masking is on."""
    # given
    app = create_app(Settings(production=True, secret=TEST_SECRET), connect=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        # when
        body = await post(client, QUERY)
    # then
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- 20: operator injection and ReDoS ----------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        '{ customers(search: "{\\"$ne\\": null}") { totalCount } }',
        '{ customers(search: ".*") { totalCount } }',
        '{ customers(search: "(a+)+$ aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!") { totalCount } }',
        '{ customers(filter: {territories: ["{\\"$ne\\": null}"]}) { totalCount } }',
        '{ customers(filter: {tagsAny: [".*", "$where"]}) { totalCount } }',
        '{ customers(filter: {statuses: [ACTIVE], tagsAll: ["(a+)+$"]}) { totalCount } }',
    ],
    ids=[
        "search-ne",
        "search-dot-star",
        "search-redos",
        "territory-ne",
        "tags-regex",
        "tags-redos",
    ],
)
async def test_operator_and_regex_payloads_are_plain_text(db, query):
    """Tests that Mongo operators and regexes in inputs match nothing."""
    # given
    await Customer(name="Apotheke am Markt", tags=["pharmacy"], territory="N").insert()
    await Customer(name="Bäckerei Huber", tags=["bakery"], territory="S").insert()
    async with signed_in_client() as client:
        # when
        body = await post(client, query)
        control = await post(client, '{ customers(search: "apotheke") { totalCount } }')
    # then
    assert control == {"data": {"customers": {"totalCount": 1}}}
    if "errors" in body:  # refused as input, not run
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
    else:
        assert body["data"]["customers"]["totalCount"] == 0


# --- 27: log amplification --------------------------------------------------


async def test_a_rejected_megabyte_query_logs_less_than_ten_kilobytes(db, caplog):
    """Tests that a 1 MB malformed one-line query adds under 10 KB to the log."""
    # given
    query = "{ customers(first: 1) { " + "totalCount " * 95_000 + "!"
    assert len(query) > 1_000_000
    caplog.set_level(logging.DEBUG)
    async with signed_in_client() as client:
        caplog.clear()
        # when
        body = await post(client, query)
    # then
    assert body["data"] is None
    logged = "\n".join(caplog.messages) + "".join(
        r.exc_text or "" for r in caplog.records
    )
    assert 0 < len(logged) < 10_000


async def test_a_long_query_with_an_error_at_its_end_logs_a_bounded_line(db, caplog):
    """Tests that the logged error does not print the 19 KB line it points into."""
    # given
    query = "{ __typename" + " " * 19_000 + "nope }"
    assert 18_000 < len(query) < 20_000
    caplog.set_level(logging.DEBUG)
    async with signed_in_client() as client:
        caplog.clear()
        # when
        body = await post(client, query)
    # then
    assert "Cannot query field 'nope'" in body["errors"][0]["message"]
    assert "Cannot query field 'nope'" in caplog.text
    assert len(caplog.text) < 2_000


async def test_unexpected_errors_are_logged_without_the_variables(
    db, monkeypatch, caplog
):
    """Tests that the log of a bug holds neither the query's variables nor their size."""

    # given
    async def planted(*args, **kwargs):
        raise RuntimeError("planted bug")

    monkeypatch.setattr(customers, "list_customers", planted)
    sentinel = "SENTINEL-" + "v" * 100_000
    caplog.set_level(logging.DEBUG)
    async with signed_in_client(PRODUCTION) as client:
        caplog.clear()
        # when
        await client.post(
            "/graphql",
            json={
                "query": "query ($s: String) { customers(search: $s) { totalCount } }",
                "variables": {"s": sentinel},
            },
        )
    # then
    logged = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "planted bug" in logged
    assert "SENTINEL" not in logged
    assert len(logged) < 10_000


# --- 32: store down ---------------------------------------------------------

DEAD_STORE = "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300"


async def test_requests_fail_fast_with_store_unavailable_when_the_store_is_down(
    db, monkeypatch
):
    """Tests that an unreachable store gives STORE_UNAVAILABLE, not a hang or a trace."""
    # given
    dead = AsyncIOMotorClient(DEAD_STORE)

    async def reading_the_dead_store(*args, **kwargs):
        await dead.visitplan.customers.find_one({})

    monkeypatch.setattr(customers, "list_customers", reading_the_dead_store)
    async with signed_in_client(PRODUCTION) as client:
        # when
        response = await client.post("/graphql", json={"query": QUERY})
    dead.close()
    # then
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "STORE_UNAVAILABLE"}
    assert error["message"] == "The data store is unavailable; try again later."
    assert "127.0.0.1:1" not in response.text
    assert "Timeout" not in response.text


async def test_health_and_requests_answer_503_at_once_when_the_store_is_down(
    monkeypatch,
):
    """Tests that /healthz and GraphQL answer 503 at once once pings fail."""

    # given: a server whose store stops answering after it connected
    async def open_dead_store(uri, database, *timeouts):
        return AsyncIOMotorClient(DEAD_STORE), None

    monkeypatch.setattr(server, "open_database", open_dead_store)
    monkeypatch.setattr(SolverPool, "warm_up", lambda self: None)
    monkeypatch.setattr(SolverPool, "close", lambda self: None)
    settings = Settings(
        mongodb_uri=DEAD_STORE,
        store_ping_interval_ms=20,
        store_ping_timeout_ms=100,
    )
    app = create_app(settings, connect=True)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        # when: the watch has seen two failed pings
        deadline = time.monotonic() + 5
        while (health := await client.get("/healthz")).status_code == 200:
            assert time.monotonic() < deadline, "the store was never taken as down"
            await asyncio.sleep(0.02)
        started = time.monotonic()
        response = await client.post("/graphql", json={"query": QUERY})
        took = time.monotonic() - started
    # then
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable"}
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"] == {"code": "STORE_UNAVAILABLE"}
    assert took < 0.5
