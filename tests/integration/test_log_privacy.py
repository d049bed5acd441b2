"""Personal data stays out of the server log, whatever the requests carry."""

from __future__ import annotations

import logging

import pytest

from resolvers import customers
from tests.conftest import signed_in_client
from tests.integration.factories import CREATE_CUSTOMER, customer_input

SENTINELS = ("+49-SENTINEL-5550", "sentinel@pii.test", "Sentinel Person")


async def test_sentinel_personal_data_never_reaches_the_log(db, caplog, monkeypatch):
    """Tests good, refused and failing requests that carry personal data."""
    # given
    caplog.set_level(logging.DEBUG)
    contact = {"name": SENTINELS[2], "phones": [SENTINELS[0]], "emails": [SENTINELS[1]]}
    async with signed_in_client() as client:
        # when: a good write, a refused write, a malformed one and a failing read
        await client.post(
            "/graphql",
            json={
                "query": CREATE_CUSTOMER,
                "variables": {"input": customer_input(contacts=[contact])},
            },
        )
        await client.post(
            "/graphql",
            json={
                "query": CREATE_CUSTOMER,
                "variables": {
                    "input": customer_input(
                        "", contacts=[{**contact, "emails": ["not-an-email"]}]
                    )
                },
            },
        )
        await client.post(
            "/graphql",
            json={"query": f'{{ customers(search: "{SENTINELS[1]}" {{ x }} }}'},
        )

        async def broken(*args, **kwargs):
            raise RuntimeError("failed while reading")

        monkeypatch.setattr(customers, "list_customers", broken)
        await client.post(
            "/graphql",
            json={
                "query": "query($s: String) { customers(search: $s) { totalCount } }",
                "variables": {"s": SENTINELS[2]},
            },
        )
    # then
    assert "RuntimeError" in caplog.text  # the failure was logged, with its type
    for sentinel in SENTINELS:
        assert sentinel not in caplog.text


@pytest.mark.parametrize("size", [1_000_000])
async def test_a_huge_rejected_query_adds_little_to_the_log(db, caplog, size):
    """Tests that a 1 MB malformed query does not write megabytes to the log."""
    # given
    caplog.set_level(logging.DEBUG)
    async with signed_in_client() as client:
        # when
        await client.post("/graphql", json={"query": "{ " + "x" * size})
    # then
    assert len(caplog.text) < 10_000


async def test_a_variable_of_the_wrong_type_is_not_logged_as_a_fault(db, caplog):
    """Tests that a bad variable is answered VALIDATION and its value never logged."""
    # given
    caplog.set_level(logging.DEBUG)
    async with signed_in_client() as client:
        # when
        response = await client.post(
            "/graphql",
            json={
                "query": "query($n: Int) { customers(first: $n) { totalCount } }",
                "variables": {"n": SENTINELS[1]},
            },
        )
    # then
    assert response.json()["errors"][0]["extensions"] == {"code": "VALIDATION"}
    assert "unexpected error" not in caplog.text
    assert SENTINELS[1] not in caplog.text


async def test_the_access_log_leaves_out_the_query_string(db, caplog):
    """Tests that a GET query with variables reaches the access log as its path."""
    # given
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    access = logging.getLogger("uvicorn.access")
    access.addHandler(caplog.handler)  # uvicorn may have stopped its propagation
    async with signed_in_client():
        # when: uvicorn's access-log call for a GET request
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            f"/graphql?query=%7Bme%7D&variables=%7B%22e%22%3A%22{SENTINELS[1]}%22%7D",
            "1.1",
            200,
        )
    access.removeHandler(caplog.handler)
    # then
    assert '"GET /graphql HTTP/1.1" 200' in caplog.text
    assert SENTINELS[1] not in caplog.text


class Collected(logging.Handler):
    """Keeps the formatted messages of the records it handles."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def _feed_token() -> str:
    """A stored user with a live calendar feed token; the token."""
    from models import CalendarToken
    from resolvers.auth import digest
    from tests.conftest import make_user

    user = await make_user("rep", time_zone="Europe/Berlin")
    token = "vpc_SENTINEL-feed-token-0123456789abcdefghijk"
    await CalendarToken(user_id=user.id, token_hash=digest(token)).insert()
    return token


async def test_uvicorn_access_log_never_shows_a_feed_token(db):
    """Tests a real server's access log for a feed fetch, a mistyped feed
    address and a feed path with a query string: none shows the token."""
    import httpx

    from settings import Settings
    from tests.integration.http_support import running

    # given
    token = await _feed_token()
    collected = Collected()
    with running(Settings(secret="s" * 32), log_level="info") as port:
        access = logging.getLogger("uvicorn.access")
        access.addHandler(collected)
        try:
            # when
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                ok = await client.get(f"/calendar/{token}.ics")
                typo = await client.get(f"/calendar/{token}")
                query = await client.get(f"/calendar/{token}.ics?token={token}")
        finally:
            access.removeHandler(collected)
    # then
    assert ok.status_code == 200
    assert typo.status_code == 404
    assert query.status_code == 200
    assert len(collected.lines) == 3, collected.lines
    assert all('"GET /calendar/[redacted] HTTP/1.1"' in x for x in collected.lines)
    assert not any("SENTINEL" in x for x in collected.lines)


async def test_a_stopped_feed_request_logs_no_token(db, caplog, monkeypatch):
    """Tests the request-timeout warning for a feed: it names the path, redacted."""
    import asyncio

    import httpx

    import server
    from settings import Settings

    # given
    token = await _feed_token()
    caplog.set_level(logging.DEBUG)

    async def slow(token: str) -> bytes:
        await asyncio.sleep(5)
        return b""

    monkeypatch.setattr(server, "read_feed", slow)
    app = server.create_app(Settings(request_timeout_s=0.2), connect=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        # when
        response = await client.get(f"/calendar/{token}.ics")
    # then
    server_lines = [
        r.getMessage() for r in caplog.records if not r.name.startswith("httpx")
    ]  # httpx logs the URL it was asked to fetch, on the client's side
    assert response.status_code == 504
    assert "request to /calendar/[redacted] stopped after 0.2 s" in server_lines
    assert not any("SENTINEL" in line for line in server_lines)
