"""Subscriptions with the graphql-ws npm client against two server processes.

Both processes share one embedded store; a change written through server A
reaches a client of server B through B's change stream, and a client that
comes back with its last event id gets what it missed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from seed.load import DEMO_PASSWORD
from store import EmbeddedStore
from tests.running import store_server

pytestmark = pytest.mark.store

CLIENT = Path(__file__).resolve().parents[1] / "clients" / "graphql-ws"
SECRET = "subscription-test-secret-" + "x" * 32

CUSTOMER_CHANGED = """
subscription Follow($id: ID!, $after: String) {
  customerChanged(id: $id, after: $after) {
    eventId operation customer { id name }
  }
}
"""
VISITS_CHANGED = """
subscription Day($repId: ID!, $day: Date!) {
  visitsChanged(repId: $repId, day: $day) {
    eventId operation visit { id status plannedStart }
  }
}
"""
PLAN_VISIT = """
mutation Plan($input: PlanVisitInput!) {
  planVisit(input: $input) {
    __typename
    ... on VisitPayload { visit { id } }
    ... on Error { code field message }
  }
}
"""
REPS = "{ reps(first: 20) { nodes { id role } } }"
SIGN_IN = """
mutation SignIn($email: String!, $password: String!) {
  signIn(email: $email, password: $password) { accessToken }
}
"""
CREATE = """
mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) { ... on CustomerPayload { customer { id } } }
}
"""
RENAME = """
mutation Rename($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { __typename }
}
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two server processes on one embedded store, and an admin's token."""
    if shutil.which("node") is None or not (CLIENT / "node_modules").exists():
        pytest.fail("run `npm ci` in tests/clients/graphql-ws (make test does)")
    data = tmp_path_factory.mktemp("subscriptions")
    store = EmbeddedStore(data / "db").start()
    try:
        with (
            store_server(data, store.uri, secret=SECRET, demo=True) as (a, log),
            store_server(data, store.uri, secret=SECRET) as (b, _),
        ):
            found = re.search(r"admin\s+(\S+)\s+password", log.read_text())
            assert found, log.read_text()
            variables = {"email": found.group(1), "password": DEMO_PASSWORD}
            token = post(a, None, SIGN_IN, variables)["signIn"]["accessToken"]
            yield {"a": a, "b": b, "token": token}
    finally:
        store.stop()


def post(base: str, token: str | None, query: str, variables: Any) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    answer = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=30,
    )
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]


class Client:
    """The Node client as a process: it prints one JSON line per message."""

    def __init__(
        self,
        base: str,
        token: str,
        variables: Any,
        count: int,
        query: str = CUSTOMER_CHANGED,
    ) -> None:
        url = base.replace("http://", "ws://") + "/graphql"
        self.process = subprocess.Popen(
            [
                *("node", "subscribe.mjs", url, token, query),
                *(json.dumps(variables), str(count)),
            ],
            cwd=CLIENT,
            stdout=subprocess.PIPE,
            text=True,
        )

    def line(self) -> Any:
        assert self.process.stdout is not None
        text = self.process.stdout.readline()
        assert text, "the client ended without a message"
        return json.loads(text)

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def rename(servers: dict[str, Any], customer: str, name: str) -> None:
    data = post(
        servers["a"],
        servers["token"],
        RENAME,
        {"input": {"id": customer, "name": name}},
    )
    assert data["updateCustomer"]["__typename"] == "CustomerPayload"


def subscribed(
    servers: dict[str, Any], variables: Any, count: int, query: str = CUSTOMER_CHANGED
) -> Client:
    """A client of server B, acknowledged; the subscribe message follows the
    ack, so the server is given a moment to open its change stream."""
    client = Client(servers["b"], servers["token"], variables, count, query)
    assert client.line() == {"ready": True}
    time.sleep(1.5)
    return client


def test_a_change_through_one_server_reaches_a_client_of_another(
    servers: dict[str, Any],
) -> None:
    """Tests that a customer renamed through server A arrives at server B's client,
    and that a client resuming after its last event id gets the change it missed."""
    # given
    created = post(servers["a"], servers["token"], CREATE, {"input": {"name": "Ott"}})
    customer = created["createCustomer"]["customer"]["id"]
    client = subscribed(servers, {"id": customer}, 1)
    try:
        # when: renamed until the stream (opened just after the ack) sees one
        rename(servers, customer, "Ott & Söhne")
        first = client.line()
    finally:
        client.close()
    event = first["data"]["customerChanged"]
    # then
    assert event["operation"] == "REPLACE"  # Beanie saves whole documents
    assert event["customer"] == {"id": customer, "name": "Ott & Söhne"}

    # when: a change made while nobody listens, then a client resuming
    rename(servers, customer, "Ott GmbH")
    again = subscribed(servers, {"id": customer, "after": event["eventId"]}, 1)
    try:
        missed = again.line()["data"]["customerChanged"]
    finally:
        again.close()
    # then
    assert missed["customer"]["name"] == "Ott GmbH"
    assert missed["eventId"] != event["eventId"]


def test_a_visit_planned_through_one_server_reaches_a_client_of_the_reps_day(
    servers: dict[str, Any],
) -> None:
    """Tests that a client of server B following a rep's day (visitsChanged)
    gets a visit planned through server A for that day within a second."""
    # given
    created = post(servers["a"], servers["token"], CREATE, {"input": {"name": "Day"}})
    customer = created["createCustomer"]["customer"]["id"]
    reps = post(servers["a"], servers["token"], REPS, None)["reps"]["nodes"]
    rep = next(r["id"] for r in reps if r["role"] == "REP")
    day = date.today() + timedelta(days=8)
    while day.weekday() != 1:  # a Tuesday: inside every demo rep's week
        day += timedelta(days=1)
    start = datetime.combine(day, datetime.min.time(), UTC).replace(hour=10)
    variables = {"repId": rep, "day": day.isoformat()}
    client = subscribed(servers, variables, 1, VISITS_CHANGED)
    try:
        # when
        planned = post(
            servers["a"],
            servers["token"],
            PLAN_VISIT,
            {
                "input": {
                    "customerId": customer,
                    "repId": rep,
                    "purpose": "DEMO",
                    "plannedStart": start.isoformat(),
                    "plannedEnd": (start + timedelta(minutes=45)).isoformat(),
                }
            },
        )["planVisit"]
        answered = time.monotonic()
        event = client.line()["data"]["visitsChanged"]
        waited = time.monotonic() - answered
    finally:
        client.close()
    # then
    assert planned["__typename"] == "VisitPayload", planned
    assert event["operation"] == "INSERT"
    assert event["visit"]["id"] == planned["visit"]["id"]
    assert event["visit"]["status"] == "PLANNED"
    assert waited < 1.0


def test_a_connection_without_a_credential_is_closed_with_4403(
    servers: dict[str, Any],
) -> None:
    """Tests that the graphql-ws client sees close code 4403 for a bad token."""
    # given
    client = Client(servers["b"], "not-a-token", {"id": "x"}, 1)
    try:
        # when
        message = client.line()
    finally:
        client.close()
    # then
    assert message["closed"] == 4403
