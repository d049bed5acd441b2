"""Crashes: acknowledged writes survive a killed store, retries survive a killed server."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from store import EmbeddedStore, free_port
from tests.store.support import using_embedded_store

pytestmark = [
    pytest.mark.store,
    pytest.mark.skipif(not using_embedded_store(), reason="kills the embedded store"),
]

SIGN_IN = "mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { accessToken } }"
CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { __typename ... on CustomerPayload { customer { id } } }
}
"""


def test_acknowledged_writes_survive_a_killed_store(tmp_path: Path) -> None:
    """Tests that every write the store acknowledged is there after kill -9."""
    # given
    store = EmbeddedStore(tmp_path / "db", sync_on_commit=True).start()
    acknowledged: list[int] = []

    def write() -> None:
        with MongoClient(store.uri, serverSelectionTimeoutMS=2000) as client:
            for n in range(100_000):
                try:
                    client.crash.log.insert_one({"_id": n})
                except PyMongoError:
                    return
                acknowledged.append(n)

    writer = threading.Thread(target=write)
    writer.start()
    # when
    time.sleep(random.Random(7).uniform(1.0, 2.0))
    store.kill()
    writer.join(timeout=60)
    # then
    with EmbeddedStore(tmp_path / "db") as again, MongoClient(again.uri) as client:
        stored = {doc["_id"] for doc in client.crash.log.find()}
    assert acknowledged, "nothing was written before the kill"
    assert set(acknowledged) <= stored


def _serve(uri: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MONGODB_URI": uri,
        "VISITPLAN_DB": "crash",
        "VISITPLAN_SECRET": "a-secret-that-outlives-the-server-process-0123",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli",
                "serve",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=out,
            stderr=out,
        )


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, "the server stopped"
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)


def test_retries_after_a_killed_server_create_nothing_twice(tmp_path: Path) -> None:
    """Tests idempotency keys across kill -9 of the server: no loss, no duplicate."""
    # given: a store, an admin, and the server
    store = EmbeddedStore(tmp_path / "db", sync_on_commit=True).start()
    server: subprocess.Popen[bytes] | None = None
    try:
        env = {
            **os.environ,
            "MONGODB_URI": store.uri,
            "VISITPLAN_DB": "crash",
            "VISITPLAN_PASSWORD": "crash-test-password",
        }
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cli",
                "user",
                "create",
                "--email",
                "a@x.io",
                "--name",
                "Admin",
                "--role",
                "admin",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = _serve(store.uri, port, tmp_path / "server.log")
        _wait(url, server)
        token = httpx.post(
            f"{url}/graphql",
            json={
                "query": SIGN_IN,
                "variables": {"e": "a@x.io", "p": "crash-test-password"},
            },
        ).json()["data"]["signIn"]["accessToken"]
        headers = {"Authorization": f"Bearer {token}"}
        keys = [f"order-{n}" for n in range(200)]
        acked: dict[str, str] = {}

        def create(key: str) -> None:
            body = {
                "query": CREATE,
                "variables": {"input": {"name": key, "idempotencyKey": key}},
            }
            answer = httpx.post(
                f"{url}/graphql", json=body, headers=headers, timeout=30
            )
            acked[key] = answer.json()["data"]["createCustomer"]["customer"]["id"]

        def create_with_retries(key: str) -> None:
            # A key whose request died with the server is released after a while.
            for attempt in range(30):
                try:
                    create(key)
                    return
                except (httpx.HTTPError, KeyError, TypeError, ValueError):
                    if attempt == 29:
                        raise
                    time.sleep(1)

        # when: the server is killed part-way through, then restarted, then retried
        killer = threading.Timer(1.0, server.kill)
        killer.start()
        for key in keys:
            try:
                create(key)
            except (httpx.HTTPError, KeyError, TypeError, ValueError):
                break
        killer.join()
        server.wait()
        server = _serve(store.uri, port, tmp_path / "server.log")
        _wait(url, server)
        first = dict(acked)
        for key in keys:
            create_with_retries(key)
        # then
        with MongoClient(store.uri) as client:
            names = [doc["name"] for doc in client.crash.customers.find()]
        assert len(first) < len(keys), "the server was not killed part-way"
        assert sorted(names) == sorted(keys)
        assert all(acked[key] == first[key] for key in first)
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
        store.stop()
