"""The calendar feed tests' world: a team, its visits, and clients of one app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar
from strawberry import relay

from models import Rep
from server import create_app
from settings import Settings
from tests.conftest import SIGN_IN, TEST_PASSWORD, TEST_SECRET, make_user
from tests.integration.factories import db_id, make_customer, make_visit

BERLIN = ZoneInfo("Europe/Berlin")

CREATE_TOKEN = """
mutation { createCalendarToken { __typename
  ... on CalendarTokenCreated { url calendarToken { createdAt revokedAt active } }
  ... on Error { code message } } }
"""
REVOKE_TOKEN = """
mutation { revokeCalendarToken { __typename
  ... on CalendarTokenPayload { calendarToken { revokedAt active } }
  ... on Error { code message } } }
"""
TOKEN_STATE = "{ calendarToken { createdAt revokedAt active } }"
RESCHEDULE = """
mutation($input: RescheduleVisitInput!) { rescheduleVisit(input: $input) {
  __typename ... on VisitPayload { visit { revision plannedStart } }
  ... on Error { code message } } }
"""
CONFIRM = """
mutation($input: VisitRefInput!) { confirmVisit(input: $input) { __typename } }
"""
CANCEL = """
mutation($input: CancelVisitInput!) { cancelVisit(input: $input) { __typename } }
"""


def rep_gid(user: Rep) -> str:
    """The global id of a stored user."""
    return str(relay.GlobalID("Rep", str(user.id)))


def local(days: int, hour: int, minute: int = 0) -> datetime:
    """A Berlin wall-clock time ``days`` days from today."""
    day = datetime.now(BERLIN).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), BERLIN)


@dataclass
class Team:
    """A manager, two of their reps, a customer each, and the HTTP clients."""

    manager: Rep
    anna: Rep
    ben: Rep
    annas_customer: dict[str, Any]
    bens_customer: dict[str, Any]
    transport: httpx.ASGITransport
    #: An anonymous client, as calendar apps are.
    feeds: httpx.AsyncClient

    @contextlib.asynccontextmanager
    async def signed_in(self, user: Rep) -> AsyncIterator[httpx.AsyncClient]:
        """A client of the same app, signed in as ``user``."""
        async with httpx.AsyncClient(
            transport=self.transport, base_url="http://feeds.test"
        ) as client:
            answer = await client.post(
                "/graphql",
                json={
                    "query": SIGN_IN,
                    "variables": {"email": user.email, "password": TEST_PASSWORD},
                },
            )
            token = answer.json()["data"]["signIn"]["accessToken"]
            client.headers["Authorization"] = f"Bearer {token}"
            yield client


async def graphql(client: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    """POST a document and return its data (failing on top-level errors)."""
    body = (
        await client.post("/graphql", json={"query": query, "variables": variables})
    ).json()
    assert "errors" not in body, body
    return body["data"]


async def new_feed(team: Team, user: Rep) -> str:
    """Create ``user``'s feed token through the API; the feed's path."""
    async with team.signed_in(user) as client:
        data = await graphql(client, CREATE_TOKEN)
    created = data["createCalendarToken"]
    assert created["__typename"] == "CalendarTokenCreated", created
    url = httpx.URL(created["url"])
    assert url.host == "feeds.test"
    return url.path


def events(body: bytes) -> dict[str, Any]:
    """The feed's events by UID."""
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def uid(visit: dict[str, Any]) -> str:
    """The UID the feed gives a visit."""
    return f"visit-{db_id(visit['id'])}@visitplan.invalid"


@contextlib.asynccontextmanager
async def build_team(gql: Any) -> AsyncIterator[Team]:
    """Anna and Ben (Europe/Berlin) under one manager, a customer each, and a
    fresh app to reach them through."""
    manager = await make_user("manager", time_zone="Europe/Berlin")
    anna = await make_user(
        "rep", "anna@example.com", time_zone="Europe/Berlin", manager_id=manager.id
    )
    anna.name = "Anna Berger"
    await anna.save()
    ben = await make_user(
        "rep", "ben@example.com", time_zone="Europe/Berlin", manager_id=manager.id
    )
    annas = await make_customer(gql, "Apotheke am Markt", ownerId=rep_gid(anna))
    bens = await make_customer(gql, "Bäckerei Süd", ownerId=rep_gid(ben))
    app = create_app(Settings(secret=TEST_SECRET), connect=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://feeds.test"
    ) as feeds:
        yield Team(manager, anna, ben, annas, bens, transport, feeds)


async def plan(gql: Any, customer: dict, user: Rep, start: datetime) -> dict:
    """Plan an hour's visit of ``user`` at ``customer`` from ``start``."""
    return await make_visit(
        gql,
        customer,
        {"id": rep_gid(user)},
        start.isoformat(),
        (start + timedelta(hours=1)).isoformat(),
    )
