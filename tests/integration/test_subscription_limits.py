"""The per-user limit on subscription WebSockets (docs/subscriptions.md#limits)."""

from __future__ import annotations

import asyncio
import contextlib

from defenses.limits import MAX_DEPTH
from server import create_app
from settings import Settings
from tests.conftest import TEST_SECRET, make_user
from tests.integration.ws_support import access_token, connected, opened, serving


async def test_a_connection_past_the_per_user_limit_is_closed_with_4403(db):
    """Tests that with ws_max_connections_per_user 2 a user's third connection
    is closed with 4403 Forbidden, another user's is not, and a closed
    connection gives its slot back."""
    # given
    user = await make_user("rep", email="many@example.com")
    other = await make_user("rep", email="other@example.com")
    token, other_token = await access_token(user), await access_token(other)
    settings = Settings(secret=TEST_SECRET, ws_max_connections_per_user=2)
    async with (
        serving(create_app(settings, connect=False)) as port,
        contextlib.AsyncExitStack() as stack,
    ):
        first = await stack.enter_async_context(connected(port, token))
        await stack.enter_async_context(connected(port, token))
        # when
        async with opened(port) as third:
            init = {"authorization": f"Bearer {token}"}
            await third.send({"type": "connection_init", "payload": init})
            code, messages = await third.closed()
        async with connected(port, other_token):
            pass  # then: another user still connects
        await first.ws.close()
        await asyncio.sleep(0.3)  # the server gives the slot back after the close
        async with connected(port, token):
            pass  # then: the slot of the closed connection is free again
    # then
    assert code == 4403
    assert third.ws.close_reason == "Forbidden"
    assert messages == []


def deep_subscription(depth: int) -> str:
    """A subscription whose deepest field is ``depth`` levels below the root."""
    fields = ['customerChanged(id: "Q3VzdG9tZXI6MA==")', "customer"]
    while len(fields) < depth:
        fields.append("lastVisits(last: 1)" if len(fields) % 2 == 0 else "customer")
    leaf = "status" if len(fields) % 2 == 1 else "name"
    body = " { ".join([*fields, leaf]) + " }" * len(fields)
    return "subscription { " + body + " }"


async def test_a_subscription_past_the_depth_limit_is_refused_with_its_code(db):
    """Tests that the depth limit of queries holds for subscription documents:
    one too deep gets an error message coded GRAPHQL_VALIDATION_FAILED and
    never starts."""
    # given
    user = await make_user("rep", email="deep@example.com")
    app = create_app(Settings(secret=TEST_SECRET), connect=False)
    async with serving(app) as port, connected(port, await access_token(user)) as ws:
        # when
        await ws.subscribe("deep", deep_subscription(MAX_DEPTH + 1))
        message = await ws.receive(within=5)
    # then
    assert message["type"] == "error"
    assert message["id"] == "deep"
    [error] = message["payload"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "depth" in error["message"]
