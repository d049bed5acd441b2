"""The transport: body size, timeouts, content types, CORS, batching, WebSockets.

Security checklist rows 8, 15, 17, 18, 19, 33, 35 and 37.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect

from defenses.http import BodySizeLimit
from resolvers import customers
from resolvers import subscriptions as events
from server import create_app
from settings import Settings
from tests.conftest import TEST_SECRET, make_user, signed_in_client
from tests.integration.ws_support import access_token, connected, serving

QUERY = "{ customers(first: 1) { totalCount } }"
MB = 1024 * 1024


def anonymous(settings: Settings | None = None) -> httpx.AsyncClient:
    """An HTTP client on a fresh app, without a credential."""
    app = create_app(settings or Settings(), connect=False)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    )


@pytest.fixture
def customer_calls(monkeypatch):
    """Counts the calls of the customers list resolver."""
    calls = []
    original = customers.list_customers

    async def counting(*args, **kwargs):
        calls.append(kwargs)
        return await original(*args, **kwargs)

    monkeypatch.setattr(customers, "list_customers", counting)
    return calls


# --- 8: body size -----------------------------------------------------------


async def test_a_body_over_two_megabytes_gets_413(db, customer_calls):
    """Tests that a 3 MB body (huge variables) is refused with 413."""
    # given
    body = json.dumps({"query": QUERY, "variables": {"pad": "x" * (3 * MB)}})
    async with signed_in_client() as client:
        # when
        response = await client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
    # then
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert customer_calls == []


async def test_a_body_under_two_megabytes_is_served(db):
    """Tests that a 1.9 MB body (large unused variables) still gets an answer."""
    # given
    body = {"query": QUERY, "variables": {"pad": "x" * (19 * MB // 10)}}
    async with signed_in_client() as client:
        # when
        response = await client.post("/graphql", json=body)
    # then
    assert response.status_code == 200
    assert response.json() == {"data": {"customers": {"totalCount": 0}}}


async def test_a_chunked_body_is_cut_at_the_first_chunk_over_the_limit():
    """Tests that a body without Content-Length is read no further than the limit."""
    # given
    chunk = b"x" * 65536
    sent = {"chunks": 0}
    answer = []

    async def receive():
        sent["chunks"] += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        answer.append(message)

    async def app(scope, receive, send):  # pragma: no cover - must not run
        raise AssertionError("the app ran")

    limit = BodySizeLimit(app, max_bytes=2 * MB)
    # when
    await limit({"type": "http", "headers": []}, receive, send)
    # then
    assert sent["chunks"] == 2 * MB // len(chunk) + 1
    assert answer[0]["status"] == 413


async def test_a_chunked_upload_gets_413_as_soon_as_it_passes_the_limit(db):
    """Tests that uvicorn on 127.0.0.1 answers 413 once a chunked body passes 2 MB.

    The client sends 2 MB and one more 64 KB chunk of a 3 MB upload, then waits:
    the answer comes without the rest of the body.
    """
    # given
    app = create_app(Settings(), connect=False)
    chunk = b"x" * 65536
    async with serving(app) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        # when
        for _ in range(2 * MB // len(chunk) + 1):
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=5)
        writer.close()
    # then
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


# --- 15: batching -----------------------------------------------------------


async def test_batched_operations_are_refused(db, customer_calls):
    """Tests that a JSON array of operations gets 400 and runs nothing."""
    # when
    async with signed_in_client() as client:
        response = await client.post("/graphql", json=[{"query": QUERY}] * 2)
    # then
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "Batching is not enabled",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }
    assert customer_calls == []


# --- 17: CSRF ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", json.dumps({"query": QUERY})),
        ("application/x-www-form-urlencoded", f"query={QUERY}"),
        (
            "multipart/form-data; boundary=x",
            '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
            + json.dumps({"query": QUERY})
            + "\r\n--x--\r\n",
        ),
    ],
    ids=["text-plain", "form-urlencoded", "multipart"],
)
async def test_simple_content_types_are_refused(db, customer_calls, content_type, body):
    """Tests that the three CORS "simple" content types get 415 and run nothing."""
    # when
    async with signed_in_client() as client:
        response = await client.post(
            "/graphql", content=body, headers={"content-type": content_type}
        )
    # then
    assert response.status_code == 415
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert error["message"].startswith("Unsupported content type")
    assert customer_calls == []


async def test_mutations_over_get_are_refused(db):
    """Tests that GET cannot run a mutation, even with a valid credential: 405."""
    # when
    async with signed_in_client() as client:
        response = await client.get(
            "/graphql",
            params={"query": 'mutation { signOut(refreshToken: "x") }'},
        )
    # then
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert "mutations are not allowed" in error["message"]


async def test_queries_over_get_need_the_authorization_header(db):
    """Tests that GET queries answer, but a cookie alone is no credential."""
    # given
    async with signed_in_client() as client:
        token = client.headers["Authorization"].removeprefix("Bearer ")
        # when
        with_header = await client.get("/graphql", params={"query": QUERY})
    async with anonymous() as browser:
        browser.cookies.set("Authorization", f"Bearer {token}")
        browser.cookies.set("token", token)
        cookie_only = await browser.get("/graphql", params={"query": QUERY})
    # then
    assert with_header.json() == {"data": {"customers": {"totalCount": 0}}}
    assert cookie_only.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_graphql_response_json_is_accepted(db):
    """Tests that clients asking for application/graphql-response+json are served."""
    # when
    async with signed_in_client() as client:
        response = await client.post(
            "/graphql",
            json={"query": QUERY},
            headers={"accept": "application/graphql-response+json"},
        )
    # then
    assert response.status_code == 200
    assert response.json() == {"data": {"customers": {"totalCount": 0}}}


# --- 18: CORS ---------------------------------------------------------------

ALLOWED = "https://app.example.com"
EVIL = "http://evil.test"


def preflight(origin: str) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
    }


async def test_cors_answers_only_listed_origins(db):
    """Tests that the allowed origin is echoed and another origin gets nothing."""
    # given
    settings = Settings(cors_origins=(ALLOWED,))
    async with anonymous(settings) as client:
        # when
        good = await client.options("/graphql", headers=preflight(ALLOWED))
        evil = await client.options("/graphql", headers=preflight(EVIL))
        evil_post = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"origin": EVIL}
        )
    # then
    assert good.status_code == 200
    assert good.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in good.headers
    assert "access-control-allow-origin" not in evil.headers
    assert "access-control-allow-origin" not in evil_post.headers


def test_cors_origins_come_from_the_environment(monkeypatch):
    """Tests that VISITPLAN_CORS_ORIGINS is a comma-separated list, empty by default."""
    # given
    monkeypatch.setenv("VISITPLAN_CORS_ORIGINS", f" {ALLOWED}/ , http://localhost:3000")
    # when
    listed = Settings.from_env().cors_origins
    monkeypatch.delenv("VISITPLAN_CORS_ORIGINS")
    default = Settings.from_env().cors_origins
    # then
    assert listed == (ALLOWED, "http://localhost:3000")
    assert default == ()


async def test_no_origin_is_allowed_by_default(db):
    """Tests that without VISITPLAN_CORS_ORIGINS no origin gets CORS headers."""
    # when
    async with anonymous() as client:
        response = await client.options("/graphql", headers=preflight(ALLOWED))
    # then
    assert "access-control-allow-origin" not in response.headers


# --- 19: GraphiQL -----------------------------------------------------------


async def test_production_serves_no_ide(db):
    """Tests that a browser GET in production gets no GraphiQL page."""
    # when
    async with anonymous(Settings(production=True, secret=TEST_SECRET)) as client:
        response = await client.get("/graphql", headers={"accept": "text/html"})
    # then
    assert "graphiql" not in response.text.lower()


# --- 33: request timeout ----------------------------------------------------


async def test_a_slow_request_is_stopped_and_others_are_not(db, monkeypatch):
    """Tests that a request over the timeout gets 504 TIMEOUT, a parallel one answers."""

    # given
    async def slow(*args, **kwargs):
        await asyncio.sleep(30)

    monkeypatch.setattr(customers, "list_customers", slow)
    async with signed_in_client(Settings(request_timeout_s=0.5)) as client:

        async def ask(query):
            return await client.post("/graphql", json={"query": query})

        # when: the slow request would take 30 s without the 0.5 s limit
        stopped, probe = await asyncio.gather(ask(QUERY), ask("{ __typename }"))
    # then
    assert stopped.status_code == 504
    error = stopped.json()["errors"][0]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert probe.json() == {"data": {"__typename": "Query"}}


async def test_a_resolvers_own_timeout_error_is_not_a_request_timeout(db, monkeypatch):
    """Tests that a TimeoutError raised by code is an internal error, not a 504."""

    # given
    async def failing(*args, **kwargs):
        raise TimeoutError("the planner gave up")

    monkeypatch.setattr(customers, "list_customers", failing)
    # when
    async with signed_in_client() as client:
        response = await client.post("/graphql", json={"query": QUERY})
    # then
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


def test_the_timeout_comes_from_the_environment(monkeypatch):
    """Tests that VISITPLAN_REQUEST_TIMEOUT sets the timeout (10 s by default)."""
    # when
    default = Settings.from_env().request_timeout_s
    monkeypatch.setenv("VISITPLAN_REQUEST_TIMEOUT", "2.5")
    configured = Settings.from_env().request_timeout_s
    # then
    assert default == 10
    assert configured == 2.5


# --- 35: malformed transport input ------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{broken", "Unable to parse request body as JSON"),
        (json.dumps({"query": 5}), "must be a string"),
        (json.dumps({"query": QUERY, "variables": [1]}), "must be an object"),
        (json.dumps({"variables": {}}), "No GraphQL query found in the request"),
    ],
    ids=["broken-json", "query-not-a-string", "variables-not-an-object", "no-query"],
)
async def test_malformed_requests_get_400(db, body, message):
    """Tests that unparsable requests get 400 with a reason, never 500."""
    # when
    async with signed_in_client() as client:
        response = await client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
    # then
    assert response.status_code == 400
    assert message in response.text


async def test_other_methods_get_405(db):
    """Tests that PUT and DELETE get 405."""
    # when
    async with anonymous() as client:
        put = await client.put("/graphql", json={"query": QUERY})
        delete = await client.delete("/graphql")
    # then
    assert put.status_code == 405
    assert delete.status_code == 405


# --- 37: subscriptions ------------------------------------------------------


async def test_websockets_of_the_legacy_protocol_are_closed():
    """Tests that only graphql-transport-ws is served: graphql-ws gets 4406."""
    # given
    app = create_app(Settings(), connect=False)
    async with (
        serving(app) as port,
        connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-ws"]) as ws,
    ):
        # when
        await ws.wait_closed()
    # then
    assert ws.close_code == 4406


async def test_a_websocket_without_a_credential_is_closed_with_4403():
    """Tests that connection_init without a credential closes with 4403."""
    # given
    app = create_app(Settings(), connect=False)
    async with (
        serving(app) as port,
        connect(
            f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
        ) as ws,
    ):
        # when
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        await ws.wait_closed()
    # then
    assert ws.close_code == 4403


FOLLOW = """
subscription { customerChanged(id: "Q3VzdG9tZXI6NjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw") {
  operation } }
"""


@pytest.mark.parametrize(
    ("production", "message"),
    [(True, "Unexpected error."), (False, "at mongodb://db.internal:27017")],
)
async def test_a_subscriptions_unexpected_error_is_coded_and_masked_in_production(
    db, monkeypatch, production, message
):
    """Tests that an error raised while a subscription runs reaches the
    WebSocket client as over HTTP: coded INTERNAL_SERVER_ERROR, its message
    masked in production."""

    # given
    async def broken(*args):
        raise RuntimeError("at mongodb://db.internal:27017")
        yield

    monkeypatch.setattr(events, "customer_changed", broken)
    user = await make_user("admin", email="follower@example.com")
    settings = Settings(secret=TEST_SECRET, production=production)
    app = create_app(settings, connect=False)
    async with serving(app) as port, connected(port, await access_token(user)) as ws:
        # when
        await ws.subscribe("1", FOLLOW)
        first, second = await ws.receive(), await ws.receive()
    # then
    assert first["payload"] == {
        "data": None,
        "errors": [
            {"message": message, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ],
    }
    assert second == {"id": "1", "type": "complete"}


async def test_a_subscription_document_that_does_not_parse_closes_with_4400(db):
    """Tests that a syntax error in a subscribe message still closes the
    connection with 4400, as the protocol asks, rather than an error message."""
    # given
    user = await make_user("admin", email="typo@example.com")
    app = create_app(Settings(secret=TEST_SECRET), connect=False)
    async with serving(app) as port, connected(port, await access_token(user)) as ws:
        # when
        await ws.subscribe("1", "subscription { customerChanged(")
        code, messages = await ws.closed()
    # then
    assert code == 4400
    assert messages == []
