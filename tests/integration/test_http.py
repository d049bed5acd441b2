"""The HTTP surface: GraphQL over POST and GET, GraphiQL, health, error masking."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from resolvers import customers
from server import create_app
from settings import Settings
from tests.conftest import signed_in_client
from tests.integration.http_support import running

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
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "not allowed" in response.json()["errors"][0]["message"]


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


def _closed_by_server(conn: socket.socket, wait: float) -> bool:
    """Whether the server closes ``conn`` within ``wait`` seconds."""
    conn.settimeout(wait)
    try:
        return conn.recv(100) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def _healthz(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        return conn.recv(100).split(b"\r\n", 1)[0]


def test_an_oversized_header_block_is_refused_by_the_server():
    """Tests that an unfinished header block past 16 KiB is refused, not kept."""
    from cli.server import MAX_HEADER_BYTES

    def status(port: int, header_bytes: int, finish: bool) -> bytes:
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

    # given: the server on a free port, with the options serve passes
    with running(Settings(secret="s" * 32)) as port:
        # when: headers still unfinished past the cap, and a normal request
        big = status(port, MAX_HEADER_BYTES + 4000, finish=False)
        small = status(port, 1000, finish=True)
    # then
    assert small == b"HTTP/1.1 200 OK"
    assert b" 400 " in big


def test_a_client_sending_headers_slowly_is_cut_off():
    """Tests that a header block still unfinished after the deadline closes the
    connection, while requests that finish in time are served, also a second one
    on the same connection."""
    # given: a 1 s header deadline
    with running(Settings(secret="s" * 32, header_timeout_s=1.0)) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            # when: one header line every 0.3 s, for longer than the deadline
            slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
            began = time.monotonic()
            cut = False
            while time.monotonic() - began < 4 and not cut:
                try:
                    slow.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    cut = True
                    break
                cut = _closed_by_server(slow, 0.3)
            took = time.monotonic() - began
        with socket.create_connection(("127.0.0.1", port), timeout=5) as kept:
            # a keep-alive connection: two requests, each inside the deadline
            answers = []
            for _ in range(2):
                kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
                answers.append(kept.recv(1000).split(b"\r\n", 1)[0])
                time.sleep(0.5)
    # then
    assert cut
    assert 0.9 < took < 2.5
    assert answers == [b"HTTP/1.1 200 OK"] * 2


def test_one_address_cannot_hold_every_connection():
    """Tests that connections past the per-address cap are closed at once and
    that the address gets a connection again once one of its own is closed."""
    settings = Settings(secret="s" * 32, max_connections_per_address=3)
    with running(settings) as port:
        # given: three idle connections of 127.0.0.1
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        try:
            time.sleep(0.2)
            # when: a fourth
            with socket.create_connection(("127.0.0.1", port)) as extra:
                refused = _closed_by_server(extra, 2)
            # then: it is closed; the held ones are not
            assert refused
            assert not _closed_by_server(held[0], 0.2)
            # and after one of them ends, the address is served again
            held.pop().close()
            time.sleep(0.2)
            assert _healthz(port) == b"HTTP/1.1 200 OK"
        finally:
            for conn in held:
                conn.close()


def test_connection_limits_must_be_positive():
    """Tests that a header deadline or a per-address cap that allows nothing is
    refused when the server is configured."""
    from defenses.connections import protocol

    with pytest.raises(ValueError, match="header_timeout_s"):
        protocol(0, 10)
    with pytest.raises(ValueError, match="max_per_address"):
        protocol(10, 0)
