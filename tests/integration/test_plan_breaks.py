"""Breaks in plans: gaps between working intervals and the rep's flexible break."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from resolvers.plans import replan
from tests.integration.factories import WEEKDAYS, make_customer, make_rep

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = "2031-03-03"

PLAN = """
mutation Plan($input: PlanVisitsInput!) {
  planVisits(input: $input) {
    __typename
    ... on VisitPlanPayload { plan {
      id totals { travelMinutes visits }
      routes { travelMinutes breaks { start end }
               stops { arrive start end travelMinutes customer { name } } }
    } }
    ... on Error { code field message }
  }
}
"""

REPLAN = """
mutation Replan($input: ReplanDayInput!) {
  replanDay(input: $input) {
    __typename
    ... on VisitPlanPayload { plan {
      routes { breaks { start end } stops { start end customer { name } } } } }
    ... on Error { code field message }
  }
}
"""

SPLIT = [
    {
        "weekday": d,
        "intervals": [
            {"start": "08:00", "end": "12:00"},
            {"start": "13:00", "end": "17:00"},
        ],
    }
    for d in WEEKDAYS
]


def local(iso: str) -> datetime:
    """A returned UTC time in Munich."""
    return datetime.fromisoformat(iso).astimezone(BERLIN)


def at(hour: int, minute: int = 0) -> datetime:
    """A local time on the Monday."""
    return datetime(2031, 3, 3, hour, minute, tzinfo=BERLIN)


def overlaps(stop: dict, start: datetime, end: datetime) -> bool:
    """Whether a stop's service overlaps ``[start, end)``."""
    return local(stop["start"]) < end and local(stop["end"]) > start


async def lunch_customers(gql, rep: dict, count: int = 6) -> None:
    """Customers near the rep's home open only around lunch, 10:00-15:00."""
    hours = [
        {"weekday": d, "intervals": [{"start": "10:00", "end": "15:00"}]}
        for d in WEEKDAYS
    ]
    for n in range(count):
        await make_customer(
            gql,
            f"Lunch {n}",
            ownerId=rep["id"],
            addresses=[
                {
                    "label": "shop",
                    "location": {"lat": 48.137 + n * 0.002, "lng": 11.575},
                }
            ],
            openingHours=hours,
        )


async def plan_monday(gql, rep: dict) -> dict:
    """planVisits for the rep's Monday."""
    data = await gql(
        PLAN,
        input={
            "repIds": [rep["id"]],
            "firstDay": MONDAY,
            "lastDay": MONDAY,
            "timeLimitSeconds": 2,
        },
    )
    result = data["planVisits"]
    assert result["__typename"] == "VisitPlanPayload", result
    return result["plan"]


async def test_no_stop_in_the_gap_between_working_intervals(gql):
    """Tests that a rep working 08-12 and 13-17 gets no stop in 12:00-13:00."""
    # given
    rep = await make_rep(gql, home={"lat": 48.137, "lng": 11.575}, workingHours=SPLIT)
    await lunch_customers(gql, rep)
    # when
    plan = await plan_monday(gql, rep)
    # then
    [route] = plan["routes"]
    assert len(route["stops"]) >= 3
    assert not [s for s in route["stops"] if overlaps(s, at(12), at(13))]
    travel = sum(r["travelMinutes"] for r in plan["routes"])
    assert travel == pytest.approx(plan["totals"]["travelMinutes"], abs=0.05)


async def test_a_flexible_break_shows_in_the_route(gql):
    """Tests that a rep's 30-minute break between 12:00 and 14:00 is planned:
    it shows in the route's breaks, and no stop overlaps it."""
    # given
    rep = await make_rep(
        gql,
        home={"lat": 48.137, "lng": 11.575},
        workingHours=[
            {"weekday": d, "intervals": [{"start": "08:00", "end": "17:00"}]}
            for d in WEEKDAYS
        ],
        flexibleBreak={"minutes": 30, "earliest": "12:00", "latest": "14:00"},
    )
    await lunch_customers(gql, rep)
    # when
    plan = await plan_monday(gql, rep)
    # then
    [route] = plan["routes"]
    [pause] = route["breaks"]
    start, end = local(pause["start"]), local(pause["end"])
    assert at(12) <= start
    assert end <= at(14)
    assert end - start >= timedelta(minutes=30)
    assert not [s for s in route["stops"] if overlaps(s, start, end)]
    travel = sum(r["travelMinutes"] for r in plan["routes"])
    assert travel == pytest.approx(plan["totals"]["travelMinutes"], abs=0.05)


async def test_replan_day_keeps_the_lunch_gap_free(gql, monkeypatch):
    """Tests that replanDay plans no stop in the gap between working intervals."""
    # given
    monkeypatch.setattr(replan, "utc_now", lambda: at(9).astimezone(UTC))
    rep = await make_rep(gql, home={"lat": 48.137, "lng": 11.575}, workingHours=SPLIT)
    await lunch_customers(gql, rep)
    # when
    data = await gql(
        REPLAN, input={"repId": rep["id"], "day": MONDAY, "timeLimitSeconds": 1}
    )
    # then
    plan = data["replanDay"]["plan"]
    [route] = plan["routes"]
    assert len(route["stops"]) >= 3
    assert not [s for s in route["stops"] if overlaps(s, at(12), at(13))]


READ = """
query Read($id: ID!) {
  visitPlan(id: $id) {
    status
    routes { breaks { start end } stops { start end } }
  }
}
"""


async def test_a_background_plan_keeps_the_breaks(gql):
    """Tests that a plan computed in the background plans the lunch gap and a
    15-minute pause between 10:30 and 11:30 as breaks too."""
    # given
    rep = await make_rep(
        gql,
        home={"lat": 48.137, "lng": 11.575},
        workingHours=SPLIT,
        flexibleBreak={"minutes": 15, "earliest": "10:30", "latest": "11:30"},
    )
    await lunch_customers(gql, rep)
    # when
    data = await gql(
        PLAN,
        input={
            "repIds": [rep["id"]],
            "firstDay": MONDAY,
            "lastDay": MONDAY,
            "timeLimitSeconds": 2,
            "background": True,
        },
    )
    await gql.jobs.wait()
    plan = (await gql(READ, id=data["planVisits"]["plan"]["id"]))["visitPlan"]
    # then
    assert plan["status"] == "DRAFT"
    [route] = plan["routes"]
    assert len(route["stops"]) >= 3
    breaks = [(local(b["start"]), local(b["end"])) for b in route["breaks"]]
    assert not [s for s in route["stops"] for a, b in breaks if overlaps(s, a, b)]
    assert not [s for s in route["stops"] if overlaps(s, at(12), at(13))]
    assert (at(12), at(13)) in breaks
    [pause] = [(a, b) for a, b in breaks if b <= at(11, 30)]
    assert pause[0] >= at(10, 30)
    assert pause[1] - pause[0] >= timedelta(minutes=15)
