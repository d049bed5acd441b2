"""The calendar feed on a wire-protocol store: stored times, the unique token
per user, and the feed's query plan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from models import CalendarToken
from resolvers.auth import principal_for
from resolvers.context import Context
from schema import schema
from tests.integration.calendar_support import (
    CANCEL,
    CREATE_TOKEN,
    RESCHEDULE,
    Team,
    build_team,
    events,
    graphql,
    local,
    new_feed,
    plan,
    uid,
)
from tests.store.support import CommandLog

pytestmark = pytest.mark.store


@pytest.fixture
async def team(gql: Any) -> AsyncIterator[Team]:
    """Anna and Ben under one manager, on the store."""
    async with build_team(gql) as built:
        yield built


async def test_the_feed_follows_changes_on_the_store(gql, team, commands):
    """Tests times read back from the store in the rep's zone, a stable ETag,
    a reschedule and a cancellation, and that the feed's visit query is served
    by the visits' rep-and-start index."""
    # given
    moved = await plan(gql, team.annas_customer, team.anna, local(2, 9))
    dropped = await plan(gql, team.annas_customer, team.anna, local(2, 13))
    path = await new_feed(team, team.anna)
    one = await team.feeds.get(path)
    two = await team.feeds.get(path, headers={"If-None-Match": one.headers["etag"]})
    # when
    async with team.signed_in(team.anna) as anna:
        await graphql(
            anna,
            RESCHEDULE,
            input={
                "id": moved["id"],
                "plannedStart": local(3, 10).isoformat(),
                "plannedEnd": local(3, 11).isoformat(),
            },
        )
    await gql(CANCEL, input={"id": dropped["id"], "reason": "Closed"})
    commands.clear()
    three = await team.feeds.get(path, headers={"If-None-Match": one.headers["etag"]})
    # then
    assert events(one.content)[uid(moved)].start == local(2, 9)
    assert two.status_code == 304
    assert three.status_code == 200
    before, after = events(one.content), events(three.content)
    assert after[uid(moved)].start == local(3, 10)
    assert after[uid(moved)]["SEQUENCE"] > before[uid(moved)]["SEQUENCE"]
    assert str(after[uid(dropped)]["STATUS"]) == "CANCELLED"
    await _uses_index(team, commands)


async def _uses_index(team: Team, commands: CommandLog) -> None:
    """The feed's query on visits, explained, has no collection scan."""
    db = CalendarToken.get_motor_collection().database
    finds = [c for c in commands.queries(db.name) if c.collection == "visits"]
    assert finds, "the feed sent no query on visits"
    for command in finds:
        inner = {
            k: command.body[k]
            for k in ("find", "filter", "sort", "limit")
            if k in command.body
        }
        explained = await db.command({"explain": inner, "verbosity": "queryPlanner"})
        assert "COLLSCAN" not in str(explained["queryPlanner"]["winningPlan"])


async def test_simultaneous_token_requests_leave_one_token(team):
    """Tests that racing createCalendarToken calls of one user store one record,
    and that only the token of the last successful call opens the feed."""
    # given
    who = await principal_for(team.anna)

    async def create() -> Any:
        result = await schema.execute(
            CREATE_TOKEN, context_value=Context(principal=who)
        )
        assert result.errors is None, result.errors
        return result.data["createCalendarToken"]

    # when
    answers = await asyncio.gather(*(create() for _ in range(4)))
    # then
    kinds = {a["__typename"] for a in answers}
    assert kinds <= {"CalendarTokenCreated", "ConflictError"}
    assert "CalendarTokenCreated" in kinds
    assert await CalendarToken.find({"user_id": team.anna.id}).count() == 1
    working = [
        a["url"]
        for a in answers
        if a["__typename"] == "CalendarTokenCreated"
        and (await team.feeds.get(a["url"])).status_code == 200
    ]
    assert len(working) == 1
