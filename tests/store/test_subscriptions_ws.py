"""Subscriptions through the real server (uvicorn in the test's loop) with a
WebSocket client, on the store's change streams: the per-connection operation
limit, credentials that stop holding, and the row rules of each topic."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from beanie import Document

from models import Demand
from models.plan import PlanStatus
from resolvers.auth import hash_password, sign_out
from server import create_app
from settings import Settings
from tests.conftest import TEST_PASSWORD, TEST_SECRET
from tests.integration.access_support import START, World, build_world, gid
from tests.integration.factories import empty_plan
from tests.integration.ws_support import (
    WSClient,
    connected,
    serving,
    signed_in,
)

pytestmark = pytest.mark.store

#: Time for the server to open an operation's change stream after `subscribe`.
OPENING_S = 1.5

VISITS = """
subscription Visits($rep: ID!, $day: Date!) {
  visitsChanged(repId: $rep, day: $day) { operation visit { id agenda } }
}
"""
PLAN = """
subscription Plan($id: ID!) {
  visitPlanUpdated(id: $id) { operation plan { id status } }
}
"""
DEMANDS = """
subscription { myDemandsChanged { operation demand { id title } } }
"""
CUSTOMER = """
subscription Customer($id: ID!) {
  customerChanged(id: $id) { operation customer { id name } }
}
"""


@pytest.fixture
async def world(db: Any) -> World:
    """Two teams (``access_support``); every user can sign in."""
    built = await build_world()
    for user in built.users.values():
        user.password_hash = hash_password(TEST_PASSWORD)
        await user.save()
    return built


def app(**settings: Any) -> Any:
    """The app with the test secret, and pings rare unless asked."""
    values: dict[str, Any] = {"secret": TEST_SECRET, "ws_ping_interval_s": 30.0}
    return create_app(Settings(**(values | settings)), connect=False)


def delivered(messages: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """Each message's operation id and data."""
    return [(m["id"], m["payload"]["data"]) for m in messages]


def event(op: str, field: str, key: str, row: dict[str, Any]) -> tuple[str, Any]:
    """What ``delivered`` gives for an update event of ``row`` on ``op``."""
    return op, {field: {"operation": "UPDATE", key: row}}


async def quiet(ws: WSClient, seconds: float) -> list[dict[str, Any]]:
    """The messages that arrive within ``seconds`` (none, when all is withheld)."""
    messages = []
    try:
        while True:
            messages.append(await ws.receive(within=seconds))
    except TimeoutError:
        return messages


async def first_delivery(
    ws: WSClient, subscriptions: dict[str, tuple[str, dict[str, Any]]], writes: Any
) -> list[dict[str, Any]]:
    """Start ``subscriptions`` (id: document and variables), wait for their
    change streams, run ``writes``; the messages of the next moment."""
    for op, (document, variables) in subscriptions.items():
        await ws.subscribe(op, document, variables)
    await asyncio.sleep(OPENING_S)
    await writes()
    received = [await ws.receive(within=10)]
    return received + await quiet(ws, 1.0)


async def test_an_operation_past_the_connection_limit_gets_an_error(world: World):
    """Tests that with ws_max_subscriptions 2 the third operation on a
    connection gets an `error` message, and one more fits once one completes."""
    # given
    c1 = gid("Customer", world.customers["c1"].id)
    token = (await signed_in(world.users["r1"])).access_token
    async with (
        serving(app(ws_max_subscriptions=2)) as port,
        connected(port, token) as ws,
    ):
        await ws.subscribe("1", CUSTOMER, {"id": c1})
        await ws.subscribe("2", CUSTOMER, {"id": c1})
        # when
        await ws.subscribe("3", CUSTOMER, {"id": c1})
        refused = await ws.receive()
        await ws.send({"id": "1", "type": "complete"})
        await asyncio.sleep(0.2)
        await ws.subscribe("4", CUSTOMER, {"id": c1})
        after = await quiet(ws, 1.0)
    # then
    assert refused["id"] == "3"
    assert refused["type"] == "error"
    assert refused["payload"][0]["message"] == "Subscription limit reached"
    assert after == []


@pytest.mark.parametrize("ending", ["disabled", "signed out"])
async def test_a_subscription_stops_once_the_credential_ends(world: World, ending: str):
    """Tests that once the user is disabled (or the session ended) an open
    subscription delivers no further event, ends with an UNAUTHENTICATED error,
    and the connection is closed with 4403 at the next ping."""
    # given
    r1, visit = world.users["r1"], world.visits["v1"]
    tokens = await signed_in(r1)
    variables = {"rep": gid("Rep", r1.id), "day": START.date().isoformat()}

    async def first_change() -> None:
        visit.agenda = "first"
        await visit.save()

    async with (
        serving(app(ws_ping_interval_s=2.0)) as port,
        connected(port, tokens.access_token) as ws,
    ):
        delivered = await first_delivery(ws, {"v": (VISITS, variables)}, first_change)
        # when
        if ending == "disabled":
            r1.active = False
            await r1.save()
        else:
            await sign_out(None, tokens.refresh_token)
        visit.agenda = "second"
        await visit.save()
        code, after = await ws.closed(within=10)
    # then
    assert [m["payload"]["data"]["visitsChanged"]["visit"] for m in delivered] == [
        {"id": gid("Visit", visit.id), "agenda": "first"}
    ]
    assert after[0]["type"] == "next"
    assert after[0]["payload"]["data"] is None
    assert [
        (e["message"], e["extensions"]["code"]) for e in after[0]["payload"]["errors"]
    ] == [("the session has ended; sign in again", "UNAUTHENTICATED")]
    assert after[1:] == [{"id": "v", "type": "complete"}]
    assert code == 4403


@dataclass
class Topic:
    """A topic case: what r1 subscribes to, the rows changed in order (the
    withheld ones first: a change stream keeps the order), and the one event
    r1 gets."""

    subscriptions: dict[str, tuple[str, dict[str, Any]]]
    rows: list[Document]
    change: Callable[[Any], None]
    expected: tuple[str, Any]


async def visits(world: World) -> Topic:
    """r1 follows its own day and r3's (another team); both visits change."""
    day = START.date().isoformat()
    own, other = world.visits["v1"], world.visits["v3"]
    return Topic(
        {
            "own": (VISITS, {"rep": gid("Rep", world.users["r1"].id), "day": day}),
            "other": (VISITS, {"rep": gid("Rep", world.users["r3"].id), "day": day}),
        },
        [other, own],
        lambda visit: setattr(visit, "agenda", "changed"),
        event(
            "own",
            "visitsChanged",
            "visit",
            {"id": gid("Visit", own.id), "agenda": "changed"},
        ),
    )


async def plans(world: World) -> Topic:
    """r1 follows its own plan and one of r3's; both fail."""
    own = empty_plan([world.users["r1"].id], START.date())
    other = empty_plan([world.users["r3"].id], START.date())
    for plan in (own, other):
        await plan.insert()
    ids = {"own": gid("VisitPlan", own.id), "other": gid("VisitPlan", other.id)}
    return Topic(
        {op: (PLAN, {"id": plan}) for op, plan in ids.items()},
        [other, own],
        lambda plan: setattr(plan, "status", PlanStatus.FAILED),
        event(
            "own", "visitPlanUpdated", "plan", {"id": ids["own"], "status": "FAILED"}
        ),
    )


async def demands(world: World) -> Topic:
    """Demands of c1 (r1's) and c4 (another team's) are both assigned to r1."""
    own = await Demand.find_one({"customer_id": world.customers["c1"].id})
    other = await Demand.find_one({"customer_id": world.customers["c4"].id})
    assert own is not None
    assert other is not None
    mine = {"id": gid("Demand", own.id), "title": "Demand of c1"}
    return Topic(
        {"mine": (DEMANDS, {})},
        [other, own],
        lambda demand: setattr(demand, "assignee_id", world.users["r1"].id),
        event("mine", "myDemandsChanged", "demand", mine),
    )


async def customer(world: World) -> Topic:
    """r1 follows c1; c2, which r1 may see too once it owns it, changes first."""
    followed, unrelated = world.customers["c1"], world.customers["c2"]
    unrelated.owner_id = world.users["r1"].id
    await unrelated.save()
    renamed = {"id": gid("Customer", followed.id), "name": "renamed"}
    return Topic(
        {"c1": (CUSTOMER, {"id": renamed["id"]})},
        [unrelated, followed],
        lambda row: setattr(row, "name", "renamed"),
        event("c1", "customerChanged", "customer", renamed),
    )


@pytest.mark.parametrize("topic", [visits, plans, demands, customer])
async def test_a_topic_delivers_what_the_subscriber_may_see_and_nothing_else(
    world: World, topic: Callable[[World], Awaitable[Topic]]
):
    """Tests that r1 gets the change to a row it may see and nothing of a row
    of another team (a topic naming one row: nothing of another row either)."""
    # given
    case = await topic(world)
    token = (await signed_in(world.users["r1"])).access_token

    async def writes() -> None:
        for row in case.rows:
            case.change(row)
            await row.save()

    # when
    async with serving(app()) as port, connected(port, token) as ws:
        messages = await first_delivery(ws, case.subscriptions, writes)
    # then
    assert delivered(messages) == [case.expected]
