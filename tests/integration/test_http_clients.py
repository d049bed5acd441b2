"""What browser and mobile clients send and expect: the headers a CORS preflight
must allow, compressed answers, and the whole exchange against a running uvicorn."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from defenses.http import CORS_HEADERS
from models import Rep
from resolvers.persisted import sha256
from server import create_app
from settings import Settings
from tests.conftest import TEST_SECRET, sign_in, signed_in_client
from tests.integration.test_defenses_http import anonymous, serving

ORIGIN = "https://app.example.com"
#: What Apollo Client with Sentry's browser tracing and OpenTelemetry sends.
BROWSER_HEADERS = [
    "authorization",
    "content-type",
    "apollographql-client-name",
    "apollographql-client-version",
    "traceparent",
    "tracestate",
    "sentry-trace",
    "baggage",
]
#: A page of 100 reps' ids and names: far over a kilobyte.
LARGE = "{ reps(first: 100) { nodes { id name email } } }"


def preflight(headers: list[str], method: str = "POST") -> dict[str, str]:
    """The OPTIONS request a browser sends before a cross-origin call."""
    return {
        "origin": ORIGIN,
        "access-control-request-method": method,
        "access-control-request-headers": ", ".join(headers),
    }


@pytest.mark.parametrize("header", BROWSER_HEADERS)
async def test_a_preflight_for_each_client_header_is_allowed(db, header):
    """Tests that the Apollo, trace-context and Sentry headers pass a preflight."""
    # given
    async with anonymous(Settings(cors_origins=(ORIGIN,))) as client:
        # when
        response = await client.options("/graphql", headers=preflight([header]))
    # then
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ORIGIN
    allowed = response.headers["access-control-allow-headers"].lower().split(", ")
    assert header in allowed


async def test_a_preflight_with_all_of_them_at_once_is_allowed(db):
    """Tests the preflight a browser sends for a traced Apollo request."""
    # when
    async with anonymous(Settings(cors_origins=(ORIGIN,))) as client:
        response = await client.options("/graphql", headers=preflight(BROWSER_HEADERS))
        get = await client.options(
            "/graphql", headers=preflight(["traceparent"], "GET")
        )
    # then
    assert response.status_code == 200
    assert get.status_code == 200
    assert "access-control-allow-credentials" not in response.headers


async def test_a_header_not_listed_fails_the_preflight(db):
    """Tests that the list still refuses what is not on it."""
    # when
    async with anonymous(Settings(cors_origins=(ORIGIN,))) as client:
        response = await client.options(
            "/graphql", headers=preflight(["traceparent", "x-internal-admin"])
        )
    # then
    assert response.status_code == 400
    assert "x-internal-admin" not in response.headers.get(
        "access-control-allow-headers", ""
    )


async def test_the_allowed_headers_are_a_setting(db):
    """Tests that cors_headers replaces the default list."""
    # given
    settings = Settings(
        cors_origins=(ORIGIN,), cors_headers=("Authorization", "X-Tenant")
    )
    async with anonymous(settings) as client:
        # when
        tenant = await client.options("/graphql", headers=preflight(["x-tenant"]))
        trace = await client.options("/graphql", headers=preflight(["traceparent"]))
    # then
    assert tenant.status_code == 200
    assert trace.status_code == 400


def test_the_allowed_headers_come_from_the_environment(monkeypatch):
    """Tests VISITPLAN_CORS_HEADERS, comma-separated, and its default."""
    # when
    default = Settings.from_env().cors_headers
    monkeypatch.setenv("VISITPLAN_CORS_HEADERS", " Authorization, X-Tenant ,")
    configured = Settings.from_env().cors_headers
    # then
    assert default == CORS_HEADERS
    assert {h.lower() for h in BROWSER_HEADERS} <= {h.lower() for h in default}
    assert configured == ("Authorization", "X-Tenant")


async def many_reps() -> None:
    """Sixty reps: their page is several kilobytes."""
    await Rep.insert_many(
        [Rep(name=f"Rep {n:03d}", email=f"rep{n}@example.com") for n in range(60)]
    )


async def test_large_answers_are_gzipped_for_clients_that_accept_it(db):
    """Tests compression above a kilobyte, and none for small answers or clients
    that do not ask."""
    # given
    await many_reps()
    async with signed_in_client() as client:
        gzip_ok = {"accept-encoding": "gzip"}
        # when
        large = await client.post("/graphql", json={"query": LARGE}, headers=gzip_ok)
        small = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers=gzip_ok
        )
        plain = await client.post(
            "/graphql", json={"query": LARGE}, headers={"accept-encoding": "identity"}
        )
    # then
    assert large.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in large.headers["vary"].lower()
    assert len(large.json()["data"]["reps"]["nodes"]) == 61
    assert int(large.headers["content-length"]) < len(plain.content) / 3
    assert "content-encoding" not in small.headers
    assert "content-encoding" not in plain.headers
    assert len(plain.content) > 1024


async def test_a_browser_client_against_a_running_server(db):
    """Tests, through uvicorn on 127.0.0.1: the preflight, then Apollo's hashed GET,
    its retry with the query, the cached GET, a gzipped answer in
    graphql-response+json, and a request error as 400."""
    # given
    await many_reps()
    app = create_app(
        Settings(secret=TEST_SECRET, cors_origins=(ORIGIN,)), connect=False
    )
    query = "query Reps { reps(first: 100) { nodes { id name email role } } }"
    hashed = {"persistedQuery": {"version": 1, "sha256Hash": sha256(query)}}
    accept = "application/graphql-response+json,application/json;q=0.9"
    headers = {
        "origin": ORIGIN,
        "accept": accept,
        "apollographql-client-name": "web",
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    }
    async with serving(app) as port:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base) as client:
            await sign_in(client)
            client.headers.update(headers)
            # when
            options = await client.options(
                "/graphql",
                headers=preflight(BROWSER_HEADERS) | {"accept": accept},
            )
            params = {"operationName": "Reps", "extensions": json.dumps(hashed)}
            missing = await client.get("/graphql", params=params)
            retry = await client.post(
                "/graphql", json={"query": query, "extensions": hashed}
            )
            cached = await client.get("/graphql", params=params)
            raw = await client.send(
                client.build_request("GET", "/graphql", params=params), stream=True
            )
            compressed = b"".join([chunk async for chunk in raw.aiter_raw()])
            await raw.aclose()
            broken = await client.post("/graphql", json={"query": "{ reps { "})
    # then
    assert options.status_code == 200
    assert missing.status_code == 200
    assert missing.json()["errors"][0]["extensions"]["code"] == (
        "PERSISTED_QUERY_NOT_FOUND"
    )
    assert missing.headers["access-control-allow-origin"] == ORIGIN
    assert retry.json() == cached.json()
    assert cached.headers["content-type"] == (
        "application/graphql-response+json; charset=utf-8"
    )
    assert raw.headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(compressed)) == cached.json()
    assert broken.status_code == 400
    assert "data" not in broken.json()
