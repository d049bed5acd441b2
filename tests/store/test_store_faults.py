"""Store faults fail fast: kill -9 of the store, then service resumes by itself.

Each test starts its own embedded store (not the session's) and a server app
on it, with the app's own lifespan on the test's event loop, and kills the
store's process as a crash would.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from server import create_app
from settings import Settings
from store import EmbeddedStore
from store_watch import StoreWatch
from tests.conftest import TEST_SECRET, sign_in

pytestmark = pytest.mark.store

CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { __typename ... on CustomerPayload { customer { id } } }
}
"""
READ = "query($id: ID!) { customer(id: $id) { name } }"
SETTINGS = Settings(database="faults", secret=TEST_SECRET)
HUNG = 10.0
"""Seconds a request hung before stores failed fast (the request timeout)."""
SOON = 3.0
"""The bound these tests hold failing fast to: well under :data:`HUNG`, with room
for a loaded machine (the times a quiet one shows are in docs/operations.md)."""


@contextlib.asynccontextmanager
async def serving(
    settings: Settings, store: EmbeddedStore | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, StoreWatch]]:
    """A signed-in client of a server app on ``settings``, and its store watch."""
    app = create_app(settings, store=store)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        await sign_in(client)
        yield client, app.state.store_watch


async def until(
    check: Callable[[], Awaitable[bool]], within: float, what: str
) -> float:
    """Poll ``check`` until it holds; the seconds it took, failing past ``within``."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < within, f"{what}: not within {within} s"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def health(client: httpx.AsyncClient) -> int:
    """The status code of ``/healthz``."""
    return (await client.get("/healthz")).status_code


async def create_customer(client: httpx.AsyncClient, name: str) -> str:
    """Create a customer through GraphQL and return its id."""
    answer = await client.post(
        "/graphql", json={"query": CREATE, "variables": {"input": {"name": name}}}
    )
    return str(answer.json()["data"]["createCustomer"]["customer"]["id"])


async def read_customer(client: httpx.AsyncClient, id_: str) -> httpx.Response:
    """Ask for one customer by id."""
    return await client.post("/graphql", json={"query": READ, "variables": {"id": id_}})


def code_of(response: httpx.Response) -> Any:
    """The first error's ``extensions.code`` of a GraphQL answer, if any."""
    errors = response.json().get("errors") or [{}]
    return errors[0].get("extensions", {}).get("code")


def kill_9(store: EmbeddedStore) -> None:
    """Kill the store's process as a crash would."""
    assert store.pid is not None
    os.kill(store.pid, signal.SIGKILL)


async def crash(
    client: httpx.AsyncClient, store: EmbeddedStore, customer: str
) -> tuple[float, httpx.Response, float]:
    """Kill -9 the store, wait for /healthz to say 503, then read ``customer``.

    Returns the seconds until the 503, the read's answer and its seconds.
    """
    kill_9(store)
    down_after = await until(
        lambda: _answers(client, 503), SOON, "/healthz 503 after kill -9"
    )
    started = time.monotonic()
    refused = await read_customer(client, customer)
    return down_after, refused, time.monotonic() - started


def hold_restarts(store: EmbeddedStore) -> threading.Event:
    """Make the store's next starts wait until the returned event is set."""
    release = threading.Event()
    start = store.start

    def held() -> EmbeddedStore:
        assert release.wait(60), "the restart was never released"
        return start()

    store.start = held  # type: ignore[method-assign]
    return release


async def test_a_killed_embedded_store_fails_fast_and_is_restarted(
    tmp_path: Path,
) -> None:
    """Tests that a killed embedded store is 503 at once, restarted, data kept."""
    # given: the server on its own embedded store, with a customer written
    store = EmbeddedStore(tmp_path / "db").start()
    port = store.port
    release = hold_restarts(store)
    async with serving(SETTINGS, store) as (client, watch):
        customer = await create_customer(client, "Before the crash")
        # when
        down_after, refused, refused_after = await crash(client, store, customer)
        # when: the restart goes ahead
        release.set()
        await until(lambda: _answers(client, 200), 30.0, "/healthz 200 again")
        read = await read_customer(client, customer)
        restarts = watch.restarts
    # then: health said so within a second, and requests failed at once
    assert down_after < SOON
    assert refused.status_code == 503
    assert code_of(refused) == "STORE_UNAVAILABLE"
    assert refused_after < 1.0
    assert restarts == 1
    assert store.port == port
    assert read.json() == {"data": {"customer": {"name": "Before the crash"}}}


async def test_a_killed_mongodb_is_reported_and_used_again_when_back(
    tmp_path: Path,
) -> None:
    """Tests that a killed MONGODB_URI store is 503 at once and used when back."""
    # given: a store the server only knows by its URI
    store = EmbeddedStore(tmp_path / "db").start()
    settings = dataclasses.replace(SETTINGS, mongodb_uri=store.uri)
    try:
        async with serving(settings) as (client, watch):
            customer = await create_customer(client, "Kept")
            # when
            down_after, refused, refused_after = await crash(client, store, customer)
            assert store.exit_code == -signal.SIGKILL  # nobody started it again
            # when: its own supervisor starts it again
            store.start()
            await until(lambda: _answers(client, 200), 10.0, "/healthz 200 again")
            read = await read_customer(client, customer)
            restarts = watch.restarts
    finally:
        store.stop()
    # then
    assert down_after < SOON
    assert code_of(refused) == "STORE_UNAVAILABLE"
    assert refused_after < 1.0
    assert restarts == 0
    assert read.json() == {"data": {"customer": {"name": "Kept"}}}


async def test_a_request_racing_the_watch_fails_in_about_a_second(
    tmp_path: Path,
) -> None:
    """Tests that a request the watch has not stopped fails on the driver's timeout."""
    # given: a watch too slow to notice, so only the driver's timeouts act
    store = EmbeddedStore(tmp_path / "db").start()
    settings = dataclasses.replace(
        SETTINGS, mongodb_uri=store.uri, store_ping_interval_ms=600_000
    )
    try:
        async with serving(settings) as (client, watch):
            customer = await create_customer(client, "Raced")
            kill_9(store)
            # when
            answers, took = [], []
            for _ in range(3):
                started = time.monotonic()
                answers.append(await read_customer(client, customer))
                took.append(time.monotonic() - started)
            up = watch.up
    finally:
        store.stop()
    # then
    assert up is True
    assert [code_of(answer) for answer in answers] == ["STORE_UNAVAILABLE"] * 3
    assert max(took) < SOON < HUNG, took


async def _answers(client: httpx.AsyncClient, status: int) -> bool:
    return await health(client) == status
