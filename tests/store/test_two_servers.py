"""Two server processes on one embedded store behave as one: the same sign-in
limits and the same background plans, whichever a client asks."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from seed.load import DEMO_PASSWORD
from store import EmbeddedStore
from tests.running import store_server

pytestmark = pytest.mark.store

SECRET = "two-servers-test-secret-" + "x" * 32
SIGN_IN = """
mutation SignIn($email: String!, $password: String!) {
  signIn(email: $email, password: $password) { accessToken }
}
"""
REPS = "{ reps(first: 20) { nodes { id role } } }"
PLAN = """
mutation Plan($input: PlanVisitsInput!) {
  planVisits(input: $input) {
    __typename
    ... on VisitPlanPayload { plan { id status } }
    ... on Error { code message }
  }
}
"""
READ = """
query Read($id: ID!) {
  visitPlan(id: $id) { status progress { objective } totals { objective } }
}
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Servers A (which seeds the demo data) and B on one embedded store."""
    data = tmp_path_factory.mktemp("two-servers")
    store = EmbeddedStore(data / "db").start()
    try:
        with (
            store_server(data, store.uri, secret=SECRET, demo=True) as (a, log),
            store_server(data, store.uri, secret=SECRET) as (b, _),
        ):
            text = log.read_text()
            admin = re.search(r"admin\s+(\S+)\s+password", text)
            manager = re.search(r"manager\s+(\S+)\s+password", text)
            assert admin, text
            assert manager, text
            yield {"a": a, "b": b, "admin": admin[1], "manager": manager[1]}
    finally:
        store.stop()


def post(base: str, query: str, variables: Any, token: str | None = None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    answer = httpx.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables},
        headers=headers,
        timeout=60,
    )
    return answer.json()


def code(body: Any) -> Any:
    return (body.get("errors") or [{}])[0].get("extensions", {}).get("code")


def sign_in(base: str, email: str) -> str:
    body = post(base, SIGN_IN, {"email": email, "password": DEMO_PASSWORD})
    return str(body["data"]["signIn"]["accessToken"])


def test_failed_sign_ins_count_on_both_servers(servers: dict[str, Any]) -> None:
    """Tests that five failures spread over A and B lock the account on both."""
    email = servers["manager"]
    wrong = {"email": email, "password": "not the password"}
    # when: five failures, alternating
    failures = [
        code(post(servers["a" if i % 2 else "b"], SIGN_IN, wrong)) for i in range(5)
    ]
    # then: the right password is refused on either server now
    right = {"email": email, "password": DEMO_PASSWORD}
    after = [code(post(servers[s], SIGN_IN, right)) for s in ("a", "b")]
    assert failures == ["UNAUTHENTICATED"] * 5
    assert after == ["RATE_LIMITED", "RATE_LIMITED"]


def test_a_background_plan_of_one_server_is_read_on_the_other(
    servers: dict[str, Any],
) -> None:
    """Tests that B reports the plan A computes, running and then ready."""
    token = sign_in(servers["a"], servers["admin"])
    reps = post(servers["a"], REPS, {}, token)["data"]["reps"]["nodes"]
    rep = next(r["id"] for r in reps if r["role"] == "REP")
    monday = date.today() + timedelta(days=7 - date.today().weekday())
    request = {
        "repIds": [rep],
        "firstDay": monday.isoformat(),
        "lastDay": (monday + timedelta(days=4)).isoformat(),
        "timeLimitSeconds": 6,
        "background": True,
    }
    # when: A starts it
    started = post(servers["a"], PLAN, {"input": request}, token)["data"]
    plan = started["planVisits"]["plan"]
    progress_on_b = []
    deadline = time.monotonic() + 60
    while True:
        ready = post(servers["b"], READ, {"id": plan["id"]}, token)["data"]
        if ready["visitPlan"]["status"] != "RUNNING" or time.monotonic() > deadline:
            break
        if ready["visitPlan"]["progress"]:
            progress_on_b.append(ready["visitPlan"]["progress"]["objective"])
        time.sleep(0.3)
    # then: B saw it running, with the progress A noted, and then ready
    assert plan["status"] == "RUNNING"
    assert progress_on_b
    assert ready["visitPlan"]["status"] == "DRAFT"
    assert min(progress_on_b) > 0
    assert ready["visitPlan"]["totals"]["objective"] > 0
