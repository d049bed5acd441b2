"""Visit frequency: a customer's own interval, and several visits in one plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from models import Customer, Visit
from models.plan import PlannedRoute, PlannedStop
from resolvers.plans import problem
from resolvers.plans.problem import Candidate, occurrences
from resolvers.plans.replan import _changes
from resolvers.plans.values import ValueParts
from tests.integration.factories import db_id, make_customer
from tests.integration.test_scoring_queries import PRIORITY

UPDATE = """
mutation Update($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) {
    __typename
    ... on CustomerPayload { customer { visitIntervalDays } }
    ... on Error { code field message }
  }
}
"""

PLAN_STOPS = """
mutation Plan($input: PlanVisitsInput!) {
  planVisits(input: $input) {
    __typename
    ... on VisitPlanPayload { plan {
      routes { stops { start value reason fixed customer { id tier } } }
    } }
    ... on Error { code field message }
  }
}
"""
DAY = 24 * 60


async def test_a_customer_interval_is_set_validated_and_reset(gql):
    """Tests that visitIntervalDays is stored, drives the target, refuses 0 and
    goes back to the tier's target with null."""
    # given
    customer = await make_customer(gql, "Weekly", visitIntervalDays=7)
    # when
    priority = await gql(PRIORITY, id=customer["id"])
    refused = await gql(UPDATE, input={"id": customer["id"], "visitIntervalDays": 0})
    # then
    assert priority["customerPriority"]["targetDays"] == 7
    assert refused["updateCustomer"]["__typename"] == "ValidationError"
    assert refused["updateCustomer"]["field"] == "visitIntervalDays"
    assert (await Customer.get(db_id(customer["id"]))).visit_interval_days == 7
    # when
    reset = await gql(UPDATE, input={"id": customer["id"], "visitIntervalDays": None})
    # then
    assert reset["updateCustomer"]["customer"] == {"visitIntervalDays": None}
    priority = await gql(PRIORITY, id=customer["id"])
    assert priority["customerPriority"]["targetDays"] == 14  # tier A


def candidate(min_gap: float, windows: list[tuple[float, float]]) -> Candidate:
    """A candidate worth 40 with these windows and gap."""
    customer = Customer(name="x", addresses=[])
    customer.id = "0" * 24
    return Candidate(
        customer=customer,
        value=ValueParts(score=40.0),
        windows=windows,
        reps=None,
        min_gap=min_gap,
    )


async def test_occurrences_fit_the_gap_and_are_worth_less_each_time(db):
    """Tests that a 28-day span with a 9.8-day gap gives three visits worth 40,
    20 and 10, and that a customer visited once carries no gap."""
    # given
    often = candidate(9.8 * DAY, [(0, 28 * DAY)])
    once = candidate(63 * DAY, [(0, 28 * DAY)])
    # when
    found = occurrences([often], (0, 28 * DAY))
    single = occurrences([once], (0, 28 * DAY))
    # then
    base = "customer:" + "0" * 24
    assert [vid for vid, _ in found] == [base, f"{base}:2", f"{base}:3"]
    assert [c.value.total for _, c in found] == [40, 20, 10]
    assert "x 0.5 as visit 2 in this plan" in found[1][1].value.explain()
    assert [(vid, c.min_gap) for vid, c in single] == [(base, 0.0)]
    # only the part of the windows inside the period's shifts counts
    assert len(occurrences([often], (0, 10 * DAY))) == 2


async def test_further_visits_are_capped_most_valuable_first(db, monkeypatch):
    """Tests that past the cap, the less valuable further visits are left out."""
    # given
    monkeypatch.setattr(problem, "MAX_FURTHER_VISITS", 3)
    daily = candidate(0.7 * DAY, [(0, 30 * DAY)])
    # when
    found = occurrences([daily], (0, 30 * DAY))
    # then
    assert [c.value.repeat for _, c in found] == [1, 2, 3, 4]


async def test_changes_with_two_stops_of_one_customer(db):
    """Tests that a re-plan's open visit keeps its nearest stop and the other
    stop of that customer is added."""
    # given
    cust = "1" * 24
    start = datetime(2031, 3, 3, 10, tzinfo=UTC)
    visit = Visit(
        customer_id=cust,
        rep_id="2" * 24,
        purpose="demo",
        planned_start=start,
        planned_end=start + timedelta(minutes=30),
        id="3" * 24,
    )

    def stop(minutes: int) -> PlannedStop:
        begin = start + timedelta(minutes=minutes)
        return PlannedStop(
            customer_id=cust,
            arrive=begin,
            start=begin,
            end=begin + timedelta(minutes=30),
            value=1,
            reason="r",
        )

    route = PlannedRoute(
        rep_id="2" * 24,
        day=date(2031, 3, 3),
        depart=start,
        back=start,
        travel_minutes=0,
        stops=[stop(300), stop(10)],
    )
    # when
    changes = _changes([visit], [route])
    # then
    assert [(c.kind, c.after) for c in changes] == [
        ("moved", start + timedelta(minutes=10)),
        ("added", start + timedelta(minutes=300)),
    ]
    assert route.stops[1].visit_id == visit.id
