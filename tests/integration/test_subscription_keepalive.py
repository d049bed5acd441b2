"""Keep-alive of subscription WebSockets: the init deadline, server pings, dead
clients and credentials that stop holding (docs/subscriptions.md)."""

from __future__ import annotations

import time

from server import create_app
from settings import Settings
from tests.conftest import TEST_SECRET, make_user
from tests.integration.ws_support import access_token, connected, opened, serving

FAST = Settings(
    secret=TEST_SECRET,
    ws_init_timeout_s=0.3,
    ws_ping_interval_s=0.2,
    ws_pong_timeout_s=0.3,
)


async def test_a_websocket_without_connection_init_is_closed_with_4408(db):
    """Tests that a socket that never sends connection_init is closed with 4408
    once the init timeout has passed, and not before."""
    # given
    app = create_app(FAST, connect=False)
    async with serving(app) as port, opened(port) as client:
        started = time.monotonic()
        # when
        code, messages = await client.closed(within=5)
        waited = time.monotonic() - started
    # then
    assert code == 4408
    assert client.ws.close_reason == "Connection initialisation timeout"
    assert messages == []
    assert 0.25 <= waited < 3


async def test_an_acknowledged_client_is_pinged_within_the_interval(db):
    """Tests that the server pings a connected client every ping interval and
    keeps a client that answers with pong."""
    # given
    user = await make_user("rep", email="pinged@example.com")
    app = create_app(FAST, connect=False)
    async with serving(app) as port, connected(port, await access_token(user)) as ws:
        # when: a few intervals pass with nothing to deliver
        started = time.monotonic()
        messages = await ws.pinged(3, within=3)
        waited = time.monotonic() - started
        # then: still open, so the pongs counted
        assert ws.ws.close_code is None
    assert messages == []
    assert 0.5 <= waited < 3


async def test_a_client_that_stops_answering_pings_is_closed_with_4408(db):
    """Tests that a client that does not answer a ping within the pong timeout
    is closed with 4408 "Pong timeout"."""
    # given
    user = await make_user("rep", email="silent@example.com")
    app = create_app(FAST, connect=False)
    async with serving(app) as port, connected(port, await access_token(user)) as ws:
        ws.answer_pings = False
        # when
        code, messages = await ws.closed(within=5)
    # then
    assert code == 4408
    assert ws.ws.close_reason == "Pong timeout"
    assert ws.pings == 1
    assert messages == []


async def test_a_disabled_users_connection_is_closed_with_4403_at_the_next_ping(db):
    """Tests that once the user is disabled, the connection is closed with 4403
    before the next ping, with no event needed to notice."""
    # given
    user = await make_user("rep", email="leaving@example.com")
    app = create_app(FAST, connect=False)
    async with serving(app) as port, connected(port, await access_token(user)) as ws:
        # when
        user.active = False
        await user.save()
        code, _ = await ws.closed(within=5)
    # then
    assert code == 4403
    assert ws.ws.close_reason == "Forbidden"


async def test_pings_can_be_turned_off(db):
    """Tests that with ws_ping_interval_s 0 the server sends no ping."""
    # given
    user = await make_user("rep", email="quiet@example.com")
    settings = Settings(secret=TEST_SECRET, ws_ping_interval_s=0)
    app = create_app(settings, connect=False)
    async with serving(app) as port, connected(port, await access_token(user)) as ws:
        # when
        try:
            message = await ws.receive(within=0.5)
        except TimeoutError:
            message = None
    # then
    assert message is None
    assert ws.pings == 0
