"""The HTTP surface: GraphQL over POST and GET, GraphiQL, health, error masking."""

from __future__ import annotations

import httpx
import pytest

from resolvers import customers
from server import create_app
from settings import Settings
from tests.conftest import signed_in_client

QUERY = "{ customers(first: 1) { totalCount } }"


PRODUCTION = Settings(
    production=True, secret="test-secret-for-signing-access-tokens-0123456789"
)


def client_for(settings: Settings) -> httpx.AsyncClient:
    """An anonymous HTTP client talking to the app in-process."""
    app = create_app(settings, connect=False)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    )


async def test_graphql_over_post(db):
    """Tests that a query over HTTP POST answers with data."""
    # given
    async with signed_in_client() as client:
        # when
        response = await client.post("/graphql", json={"query": QUERY})
    # then
    assert response.status_code == 200
    assert response.json() == {"data": {"customers": {"totalCount": 0}}}


async def test_graphiql_is_served_in_development_only(db):
    """Tests that browsers get GraphiQL in development and not in production."""
    # given
    headers = {"accept": "text/html"}
    # when
    async with client_for(Settings()) as dev:
        shown = await dev.get("/graphql", headers=headers)
    async with client_for(PRODUCTION) as prod:
        hidden = await prod.get("/graphql", headers=headers)
    # then
    assert shown.status_code == 200
    assert "graphiql" in shown.text.lower()
    assert hidden.status_code == 404


async def test_mutations_are_refused_over_get(db):
    """Tests that GET cannot change data (CSRF through links)."""
    # when
    async with client_for(Settings()) as client:
        response = await client.get(
            "/graphql",
            params={
                "query": 'mutation { archiveCustomer(input: {id: "x"}) { __typename } }'
            },
        )
    # then
    assert response.status_code == 400
    assert "not allowed" in response.text


@pytest.mark.parametrize(
    ("production", "shown"), [(False, "disk on fire"), (True, "Unexpected error.")]
)
async def test_unexpected_errors_are_masked_in_production(
    db, monkeypatch, production, shown
):
    """Tests that a bug's message reaches clients only outside production."""

    # given
    async def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(customers, "list_customers", broken)
    # when
    settings = PRODUCTION if production else Settings()
    async with signed_in_client(settings) as client:
        response = await client.post("/graphql", json={"query": QUERY})
    # then
    error = response.json()["errors"][0]
    assert error["message"] == shown
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


async def test_expected_errors_keep_their_message_in_production(db):
    """Tests that a refused argument keeps its message and code when masking is on."""
    # when
    async with signed_in_client(PRODUCTION) as client:
        response = await client.post(
            "/graphql", json={"query": "{ customers(first: 0) { totalCount } }"}
        )
    # then
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "VALIDATION", "field": "first"}
    assert "between 1 and 100" in error["message"]


async def test_health_says_only_its_status(db):
    """Tests that the public /healthz tells neither the store nor its address."""
    # when
    async with client_for(Settings()) as client:
        response = await client.get("/healthz")
    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_without_a_credential_only_sign_in_and_health_answer(db):
    """Tests that an anonymous query gets UNAUTHENTICATED and no data."""
    # when
    async with client_for(Settings()) as client:
        response = await client.post("/graphql", json={"query": QUERY})
        health = await client.get("/healthz")
    # then
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert health.status_code == 200


def test_production_refuses_to_start_without_a_signing_secret():
    """Tests that production mode needs VISITPLAN_SECRET."""
    # when / then
    with pytest.raises(RuntimeError, match="VISITPLAN_SECRET"):
        create_app(Settings(production=True), connect=False)


async def _failed_sign_ins(settings: Settings, count: int) -> list[str | None]:
    """Codes of ``count`` failed sign-ins from 127.0.0.1, each spoofing an address."""
    import uvicorn

    from cli.server import uvicorn_options
    from tests.conftest import SIGN_IN

    config = uvicorn.Config(
        create_app(settings, connect=False), **uvicorn_options(settings)
    )
    config.load()
    transport = httpx.ASGITransport(app=config.loaded_app, client=("127.0.0.1", 4000))
    codes = []
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for n in range(count):
            body = (
                await client.post(
                    "/graphql",
                    json={
                        "query": SIGN_IN,
                        "variables": {"email": f"u{n}@example.com", "password": "x"},
                    },
                    headers={"X-Forwarded-For": f"203.0.113.{n}"},
                )
            ).json()
            codes.append(body["errors"][0]["extensions"]["code"])
    return codes


async def test_a_spoofed_forwarded_for_does_not_dodge_the_address_limit(db):
    """Tests that without trusted proxies the limiter counts the socket's address."""
    # when
    codes = await _failed_sign_ins(Settings(secret="s" * 32), 21)
    # then
    assert codes[:20] == ["UNAUTHENTICATED"] * 20
    assert codes[20] == "RATE_LIMITED"


async def test_a_trusted_proxy_names_the_client_address(db):
    """Tests that X-Forwarded-For from a configured proxy is the limiter's address."""
    # when
    codes = await _failed_sign_ins(
        Settings(secret="s" * 32, trusted_proxies=("127.0.0.1",)), 21
    )
    # then
    assert codes == ["UNAUTHENTICATED"] * 21


def test_an_oversized_header_block_is_refused_by_the_server():
    """Tests that an unfinished header block past 16 KiB is refused, not kept."""
    import socket
    import threading
    import time

    import uvicorn

    from cli.server import MAX_HEADER_BYTES, uvicorn_options

    # given: the server on a free port, with the options serve passes
    settings = Settings(secret="s" * 32)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, connect=False),
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="critical",
        **uvicorn_options(settings),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)

    def status(header_bytes: int, finish: bool) -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
            try:
                for n in range(header_bytes // 1000):  # a slow client, line by line
                    conn.sendall(b"X-Pad-%d: %s\r\n" % (n, b"a" * 985))
                    time.sleep(0.002)
                if finish:
                    conn.sendall(b"\r\n")
            except OSError:  # the server closed the connection
                pass
            return conn.recv(100).split(b"\r\n", 1)[0]

    try:
        # when: headers still unfinished past the cap, and a normal request
        big = status(MAX_HEADER_BYTES + 4000, finish=False)
        small = status(1000, finish=True)
    finally:
        server.should_exit = True
        thread.join(5)
    # then
    assert small == b"HTTP/1.1 200 OK"
    assert b" 400 " in big
