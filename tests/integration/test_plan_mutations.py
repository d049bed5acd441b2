"""planVisits, acceptVisitPlan and discardVisitPlan on a small team."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from models import Visit, VisitPlan
from tests.integration.factories import hours, make_rep

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = "2031-03-03"  # a Monday, far enough ahead to stay in the future

PLAN = """
mutation Plan($input: PlanVisitsInput!) {
  planVisits(input: $input) {
    __typename
    ... on VisitPlanPayload { plan {
      id status firstDay lastDay
      totals { objective value travelMinutes travelCost visits candidates }
      routes { day depart back travelMinutes rep { name }
               stops { arrive start end travelMinutes value reason fixed customer { name } } }
      unserved { value reason customer { name } }
      solver { name seed timeLimit }
    } }
    ... on Error { code field message }
  }
}
"""

ACCEPT = """
mutation Accept($input: AcceptVisitPlanInput!) {
  acceptVisitPlan(input: $input) {
    __typename
    ... on VisitPlanPayload { plan { status createdVisits { id status plannedStart customer { name } } } }
    ... on InvalidTransitionError { currentStatus }
    ... on Error { code field message }
  }
}
"""

DISCARD = """
mutation Discard($input: DiscardVisitPlanInput!) {
  discardVisitPlan(input: $input) {
    __typename
    ... on VisitPlanPayload { plan { status } }
    ... on InvalidTransitionError { currentStatus }
  }
}
"""


def local(iso: str) -> datetime:
    """A returned UTC time in Munich."""
    return datetime.fromisoformat(iso).astimezone(BERLIN)


async def plan_day(gql, rep, **extra):
    """Run planVisits for the rep's Monday."""
    data = await gql(
        PLAN,
        input={
            "repIds": [rep["id"]],
            "firstDay": MONDAY,
            "lastDay": MONDAY,
            "timeLimitSeconds": 1,
            **extra,
        },
    )
    return data["planVisits"]


async def test_a_day_is_planned_inside_working_and_opening_hours(gql, team):
    """Tests that every customer fits a one-day plan, each inside its hours."""
    # given
    rep, _ = team
    # when
    result = await plan_day(gql, rep)
    # then
    assert result["__typename"] == "VisitPlanPayload", result
    plan = result["plan"]
    assert plan["status"] == "DRAFT"
    [route] = plan["routes"]
    assert route["day"] == MONDAY
    names = [s["customer"]["name"] for s in route["stops"]]
    assert sorted(names) == [f"Customer {n}" for n in range(6)]
    assert plan["totals"]["visits"] == 6
    assert local(route["depart"]).hour >= 8
    assert local(route["back"]) <= local(route["depart"]).replace(hour=17, minute=0)
    first_customer = next(
        s for s in route["stops"] if s["customer"]["name"] == "Customer 0"
    )
    assert local(first_customer["start"]).hour >= 9
    assert local(first_customer["end"]).hour < 12
    # a one-day plan with hours to spare: every visit starts on a whole minute
    assert all(local(s["start"]).second == 0 for s in route["stops"])
    assert all(local(s["start"]).microsecond == 0 for s in route["stops"])
    travel = sum(s["travelMinutes"] for s in route["stops"])
    assert travel < route["travelMinutes"]  # the way home is counted too
    total = plan["totals"]
    assert total["objective"] == pytest.approx(total["value"] - total["travelCost"])
    assert total["travelCost"] == pytest.approx(total["travelMinutes"] * 0.5, abs=0.01)


async def test_accepting_creates_the_visits_exactly_once(gql, team):
    """Tests that acceptVisitPlan twice creates one set of visits."""
    # given
    rep, _ = team
    plan = (await plan_day(gql, rep))["plan"]
    # when
    first = await gql(ACCEPT, input={"id": plan["id"], "purpose": "RELATIONSHIP"})
    second = await gql(ACCEPT, input={"id": plan["id"]})
    # then
    created = first["acceptVisitPlan"]["plan"]["createdVisits"]
    assert first["acceptVisitPlan"]["plan"]["status"] == "ACCEPTED"
    assert len(created) == plan["totals"]["visits"] == 6
    assert second["acceptVisitPlan"]["plan"]["createdVisits"] == created
    assert await Visit.count() == 6
    assert {v.purpose for v in await Visit.find_all().to_list()} == {"relationship"}


async def test_planned_visits_stay_as_fixed_stops_when_planning_again(gql, team):
    """Tests that visits already in the calendar are kept and their customers not doubled."""
    # given
    rep, _ = team
    plan = (await plan_day(gql, rep))["plan"]
    await gql(ACCEPT, input={"id": plan["id"]})
    # when
    again = await plan_day(gql, rep)
    # then
    stops = again["plan"]["routes"][0]["stops"]
    assert all(s["fixed"] for s in stops)
    assert len(stops) == 6
    assert again["plan"]["totals"]["visits"] == 0


async def test_discarding_a_draft_and_the_steps_it_forbids(gql, team):
    """Tests discard of a draft, and that a discarded plan cannot be accepted."""
    # given
    rep, _ = team
    plan = (await plan_day(gql, rep, timeLimitSeconds=1))["plan"]
    # when
    discarded = await gql(DISCARD, input={"id": plan["id"]})
    accept = await gql(ACCEPT, input={"id": plan["id"]})
    # then
    assert discarded["discardVisitPlan"]["plan"]["status"] == "DISCARDED"
    assert accept["acceptVisitPlan"] | {"message": None} == {
        "__typename": "InvalidTransitionError",
        "currentStatus": "discarded",
        "code": "INVALID_TRANSITION",
        "field": "status",
        "message": None,
    }
    assert await Visit.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lastDay": "2031-03-02"}, "lastDay"),
        ({"lastDay": "2031-05-03"}, "lastDay"),
        ({"visitMinutes": 0}, "visitMinutes"),
        ({"timeLimitSeconds": 1000}, "timeLimitSeconds"),
        ({"firstDay": "2031-03-01", "lastDay": "2031-03-02"}, "firstDay"),
    ],
)
async def test_bad_plan_requests_are_refused_without_a_plan(gql, team, change, field):
    """Tests planVisits' validation: nothing is stored for a refused request."""
    # given
    rep, _ = team
    # when
    result = await plan_day(gql, rep, **change)
    # then
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == field
    assert await VisitPlan.count() == 0


async def test_a_rep_without_a_home_cannot_be_planned(gql, team):
    """Tests that a rep with no start location is refused by name."""
    # given
    homeless = await make_rep(
        gql, "nohome@example.com", workingHours=hours("08:00", "17:00")
    )
    # when
    result = await plan_day(gql, homeless)
    # then
    assert result["field"] == "repIds"
    assert "no home location" in result["message"]


async def test_a_time_limit_beyond_the_request_budget_is_refused(db, team):
    """Tests that a plan that could not finish before the request timeout is refused."""
    # given
    from resolvers.access import Principal
    from resolvers.context import Context
    from schema import schema

    rep, _ = team
    who = Principal.system()
    # when
    result = await schema.execute(
        PLAN,
        variable_values={
            "input": {
                "repIds": [rep["id"]],
                "firstDay": MONDAY,
                "lastDay": MONDAY,
                "timeLimitSeconds": 9,
            }
        },
        context_value=Context(principal=who, time_budget=10),
    )
    # then
    refusal = result.data["planVisits"]
    assert refusal["__typename"] == "ValidationError"
    assert refusal["field"] == "timeLimitSeconds"
    assert "after 10 s" in refusal["message"]
