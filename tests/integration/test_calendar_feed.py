"""The calendar feed: its token over GraphQL and ``GET /calendar/<token>.ics``."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from icalendar import Calendar

from models import AuditRecord, CalendarToken
from tests.integration.calendar_support import (
    CANCEL,
    CONFIRM,
    CREATE_TOKEN,
    RESCHEDULE,
    REVOKE_TOKEN,
    TOKEN_STATE,
    Team,
    build_team,
    events,
    graphql,
    local,
    new_feed,
    plan,
    rep_gid,
    uid,
)

UPDATE_REP = """
mutation($input: UpdateRepInput!) { updateRep(input: $input) { __typename } }
"""
UPDATE_CUSTOMER = """
mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { __typename } }
"""


@pytest.fixture
async def team(gql: Any) -> AsyncIterator[Team]:
    """Anna and Ben under one manager (see ``calendar_support``)."""
    async with build_team(gql) as built:
        yield built


async def test_the_feed_holds_the_reps_visits_in_their_time_zone(gql, team):
    """Tests the calendar's properties, its VTIMEZONE and one event per visit."""
    # given
    first = await plan(gql, team.annas_customer, team.anna, local(2, 9))
    second = await plan(gql, team.annas_customer, team.anna, local(3, 14, 30))
    await gql(CONFIRM, input={"id": second["id"]})
    path = await new_feed(team, team.anna)
    # when
    response = await team.feeds.get(path)
    # then
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "private" in response.headers["cache-control"]
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//visitplan//Visit calendar feed//EN"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "Visits: Anna Berger"
    assert calendar["X-WR-TIMEZONE"] == "Europe/Berlin"
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Europe/Berlin"]
    found = events(response.content)
    assert set(found) == {uid(first), uid(second)}
    event = found[uid(second)]
    assert str(event["SUMMARY"]) == "Apotheke am Markt"
    assert str(event["LOCATION"]) == "Marienplatz 1, München"
    assert event.start == local(3, 14, 30)
    assert event.start.tzinfo.key == "Europe/Berlin"
    assert event.end == local(3, 15, 30)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(found[uid(first)]["STATUS"]) == "TENTATIVE"
    assert "Purpose: Demo" in str(event["DESCRIPTION"])
    assert event["SEQUENCE"] == 1  # planned (0), then confirmed
    for name in ("DTSTAMP", "LAST-MODIFIED", "CREATED", "GEO"):
        assert name in event


async def test_two_fetches_give_the_same_feed_and_it_round_trips(gql, team):
    """Tests stable UIDs, body and ETag, and that the parsed feed serialises to
    the same calendar."""
    # given
    visit = await plan(gql, team.annas_customer, team.anna, local(1, 10))
    path = await new_feed(team, team.anna)
    # when
    one = await team.feeds.get(path)
    two = await team.feeds.get(path)
    # then
    assert list(events(one.content)) == list(events(two.content)) == [uid(visit)]
    assert one.content == two.content
    assert one.headers["etag"] == two.headers["etag"]
    assert one.headers["etag"] == f'"{hashlib.sha256(one.content).hexdigest()}"'
    parsed = Calendar.from_ical(one.content)
    again = Calendar.from_ical(parsed.to_ical())
    assert again == parsed
    assert again.walk("VEVENT")[0].start == local(1, 10)


async def test_a_matching_etag_gets_304(gql, team):
    """Tests If-None-Match with the current ETag, in a list and weak, and a
    stale one."""
    # given
    await plan(gql, team.annas_customer, team.anna, local(1, 10))
    path = await new_feed(team, team.anna)
    etag = (await team.feeds.get(path)).headers["etag"]
    # when
    same = await team.feeds.get(path, headers={"If-None-Match": etag})
    listed = await team.feeds.get(path, headers={"If-None-Match": f'"x", W/{etag}'})
    stale = await team.feeds.get(path, headers={"If-None-Match": '"old"'})
    # then
    assert same.status_code == listed.status_code == 304
    assert same.content == b""
    assert same.headers["etag"] == etag
    assert "private" in same.headers["cache-control"]
    assert stale.status_code == 200


async def test_a_reschedule_raises_the_sequence_and_changes_the_etag(gql, team):
    """Tests that moving a visit through rescheduleVisit shows in the feed."""
    # given
    visit = await plan(gql, team.annas_customer, team.anna, local(4, 9))
    path = await new_feed(team, team.anna)
    before = await team.feeds.get(path)
    # when
    async with team.signed_in(team.anna) as anna:
        data = await graphql(
            anna,
            RESCHEDULE,
            input={
                "id": visit["id"],
                "revision": visit["revision"],
                "plannedStart": local(5, 11).isoformat(),
                "plannedEnd": local(5, 12).isoformat(),
            },
        )
    assert data["rescheduleVisit"]["__typename"] == "VisitPayload"
    after = await team.feeds.get(
        path, headers={"If-None-Match": before.headers["etag"]}
    )
    # then
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    old, new = events(before.content)[uid(visit)], events(after.content)[uid(visit)]
    assert new["SEQUENCE"] > old["SEQUENCE"]
    assert new.start == local(5, 11)
    assert new["DTSTAMP"].dt >= old["DTSTAMP"].dt


async def test_a_cancelled_visit_stays_in_the_feed_as_cancelled(gql, team):
    """Tests STATUS:CANCELLED (so subscribed calendars remove the event)."""
    # given
    visit = await plan(gql, team.annas_customer, team.anna, local(2, 9))
    path = await new_feed(team, team.anna)
    before = events((await team.feeds.get(path)).content)[uid(visit)]
    # when
    await gql(CANCEL, input={"id": visit["id"], "reason": "Shop closed"})
    event = events((await team.feeds.get(path)).content)[uid(visit)]
    # then
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] > before["SEQUENCE"]
    assert "Cancelled: Shop closed" in str(event["DESCRIPTION"])


async def test_a_rotated_or_revoked_token_gets_404_at_once(gql, team):
    """Tests that creating a token again ends the old address, and revoking
    ends the new one; the state query follows."""
    # given
    await plan(gql, team.annas_customer, team.anna, local(2, 9))
    first = await new_feed(team, team.anna)
    # when
    second = await new_feed(team, team.anna)
    # then
    assert first != second
    assert (await team.feeds.get(first)).status_code == 404
    assert (await team.feeds.get(second)).status_code == 200
    # when
    async with team.signed_in(team.anna) as anna:
        revoked = (await graphql(anna, REVOKE_TOKEN))["revokeCalendarToken"]
        state = (await graphql(anna, TOKEN_STATE))["calendarToken"]
    # then
    assert revoked["__typename"] == "CalendarTokenPayload"
    assert revoked["calendarToken"]["active"] is False
    assert state["active"] is False
    assert state["revokedAt"] is not None
    assert (await team.feeds.get(second)).status_code == 404
    assert (await team.feeds.get(first)).status_code == 404


async def test_revoking_without_a_token_is_not_found(team):
    """Tests the typed NOT_FOUND for a user who never made a token."""
    # when
    async with team.signed_in(team.ben) as ben:
        revoked = (await graphql(ben, REVOKE_TOKEN))["revokeCalendarToken"]
        state = (await graphql(ben, TOKEN_STATE))["calendarToken"]
    # then
    assert revoked["__typename"] == "NotFoundError"
    assert state is None


async def test_a_disabled_users_feed_stops(gql, team):
    """Tests that disabling the user ends the feed, and enabling brings it back."""
    # given
    await plan(gql, team.annas_customer, team.anna, local(2, 9))
    path = await new_feed(team, team.anna)
    # when
    await gql(UPDATE_REP, input={"id": rep_gid(team.anna), "active": False})
    off = await team.feeds.get(path)
    await gql(UPDATE_REP, input={"id": rep_gid(team.anna), "active": True})
    on = await team.feeds.get(path)
    # then
    assert off.status_code == 404
    assert on.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/nothing.ics",
        "/calendar/vpc_.ics",
        "/calendar/vpc_" + "a" * 200 + ".ics",
        "/calendar/.ics",
    ],
)
async def test_a_made_up_token_gets_404(team, path):
    """Tests that addresses that were never handed out answer 404."""
    # when
    response = await team.feeds.get(path)
    # then
    assert response.status_code == 404


async def test_only_the_users_own_visits_appear(gql, team):
    """Tests that another rep's visits never reach a rep's feed, and that a
    manager's feed holds their own visits, not their team's."""
    # given
    annas = await plan(gql, team.annas_customer, team.anna, local(2, 9))
    bens = await plan(gql, team.bens_customer, team.ben, local(2, 9))
    managers = await plan(gql, team.annas_customer, team.manager, local(2, 12))
    # when
    anna = (await team.feeds.get(await new_feed(team, team.anna))).content
    ben = (await team.feeds.get(await new_feed(team, team.ben))).content
    manager = (await team.feeds.get(await new_feed(team, team.manager))).content
    # then
    assert list(events(anna)) == [uid(annas)]
    assert list(events(ben)) == [uid(bens)]
    assert list(events(manager)) == [uid(managers)]
    assert "Bäckerei".encode() not in anna


async def test_visits_outside_the_window_are_left_out(gql, team):
    """Tests the window: 30 days back to 90 days ahead, in whole local days."""
    # given
    inside = [
        await plan(gql, team.annas_customer, team.anna, local(-30, 0, 30)),
        await plan(gql, team.annas_customer, team.anna, local(-5, 9)),
        await plan(gql, team.annas_customer, team.anna, local(90, 22)),
    ]
    for days in (-31, 91):
        await plan(gql, team.annas_customer, team.anna, local(days, 12))
    # when
    body = (await team.feeds.get(await new_feed(team, team.anna))).content
    # then
    assert sorted(events(body)) == sorted(uid(v) for v in inside)


async def test_a_customer_the_rep_no_longer_sees_is_not_named(gql, team):
    """Tests that the feed applies the rep's customer rule: a visit at a
    customer given to another rep keeps its time, not the customer's name."""
    # given
    visit = await plan(gql, team.annas_customer, team.anna, local(2, 9))
    await gql(
        UPDATE_CUSTOMER,
        input={"id": team.annas_customer["id"], "ownerId": rep_gid(team.ben)},
    )
    # when
    body = (await team.feeds.get(await new_feed(team, team.anna))).content
    # then
    event = events(body)[uid(visit)]
    assert str(event["SUMMARY"]) == "Visit"
    assert "LOCATION" not in event
    assert "GEO" not in event
    assert b"Apotheke" not in body
    assert b"Marienplatz" not in body


async def test_the_token_is_stored_only_as_a_hash_and_audited(team):
    """Tests the stored record and the audit trail of creating and revoking."""
    # given
    path = await new_feed(team, team.anna)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    # when
    async with team.signed_in(team.anna) as anna:
        await graphql(anna, REVOKE_TOKEN)
    # then
    stored = await CalendarToken.find_one({"user_id": team.anna.id})
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    raw = await CalendarToken.get_motor_collection().find_one({})
    assert token not in str(raw)
    records = await AuditRecord.find({"actor_id": team.anna.id}).to_list()
    ops = [(r.operations, r.outcomes) for r in records]
    assert (["createCalendarToken"], ["CalendarTokenCreated"]) in ops
    assert (["revokeCalendarToken"], ["CalendarTokenPayload"]) in ops
    changed = {c.field for r in records for c in r.changes}
    assert {"token_hash", "revoked_at"} <= changed
    for record in records:
        dumped = str(record.model_dump())
        assert token not in dumped
        assert stored.token_hash not in dumped


async def test_tokens_are_for_users_only(team):
    """Tests that an API key cannot make, read or revoke a calendar token."""
    # given
    async with team.signed_in(team.manager) as manager:
        key = (
            await graphql(
                manager,
                """mutation { createApiKey(input: {name: "P", scopes: [VISITS_READ]})
                { ... on ApiKeyCreated { secret } } }""",
            )
        )["createApiKey"]["secret"]
    headers = {"Authorization": f"Bearer {key}"}
    # when
    codes = []
    for query in (CREATE_TOKEN, REVOKE_TOKEN, TOKEN_STATE):
        body = (
            await team.feeds.post("/graphql", json={"query": query}, headers=headers)
        ).json()
        codes.append(body["errors"][0]["extensions"]["code"])
    # then
    assert codes == ["FORBIDDEN"] * 3


async def test_a_store_outage_is_a_503(team, monkeypatch):
    """Tests that the feed says unavailable, not 500, when the store is down."""
    from pymongo.errors import ServerSelectionTimeoutError

    import server

    # given
    async def down(token: str) -> bytes:
        raise ServerSelectionTimeoutError("no servers")

    monkeypatch.setattr(server, "read_feed", down)
    # when
    response = await team.feeds.get("/calendar/vpc_x.ics")
    # then
    assert response.status_code == 503
