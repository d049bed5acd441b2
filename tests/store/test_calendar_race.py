"""Simultaneous bookings on a real store: a rep's time is never booked twice.

planVisit, rescheduleVisit and acceptVisitPlan check for overlaps and write in
one transaction that first writes the rep's calendar document, so of two
overlapping writers only one commits; the other runs again, sees the first
one's visit and gets a ConflictError. Simultaneous accepts of one plan all get
the accepted plan.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase

from models import Customer, Rep, Visit, VisitPlan
from models.common import GeoPoint
from models.customer import Address
from models.plan import PlannedRoute, PlannedStop, PlanTotals, SolverStats
from tests.store.support import execute, gid

pytestmark = pytest.mark.store

PLAN_VISIT = """
mutation Plan($input: PlanVisitInput!) {
  planVisit(input: $input) {
    __typename
    ... on VisitPayload { visit { id plannedStart } }
    ... on Error { code field message }
  }
}
"""

RESCHEDULE = """
mutation Move($input: RescheduleVisitInput!) {
  rescheduleVisit(input: $input) {
    __typename
    ... on VisitPayload { visit { id plannedStart } }
    ... on Error { code field message }
  }
}
"""

ACCEPT = """
mutation Accept($input: AcceptVisitPlanInput!) {
  acceptVisitPlan(input: $input) {
    __typename
    ... on VisitPlanPayload { plan { id status createdVisits { id } } }
    ... on Error { code field message }
  }
}
"""

START = datetime(2031, 3, 3, 9, tzinfo=UTC)


@pytest.fixture
async def rep_and_customers(db: AsyncIOMotorDatabase) -> tuple[Rep, list[Customer]]:
    """A rep and ten customers in Munich."""
    rep = Rep(name="Rita", email="rita@example.com")
    await rep.insert()
    customers = []
    for n in range(10):
        customer = Customer(
            name=f"Kunde {n}",
            addresses=[Address(label="shop", location=GeoPoint.at(48.137, 11.575))],
        )
        await customer.insert()
        customers.append(customer)
    return rep, customers


def slot_input(rep: Rep, customer: Customer, minutes_later: int) -> dict[str, Any]:
    """A one-hour planVisit input ``minutes_later`` after ``START``."""
    start = START + timedelta(minutes=minutes_later)
    return {
        "customerId": gid("Customer", customer.id),
        "repId": gid("Rep", rep.id),
        "purpose": "DEMO",
        "plannedStart": start.isoformat(),
        "plannedEnd": (start + timedelta(hours=1)).isoformat(),
    }


def overlapping(visits: list[Visit]) -> list[tuple[Any, Any]]:
    """Pairs of stored active visits of one rep whose times overlap."""
    return [
        (a.id, b.id)
        for i, a in enumerate(visits)
        for b in visits[i + 1 :]
        if a.rep_id == b.rep_id
        and a.planned_start < b.planned_end
        and b.planned_start < a.planned_end
    ]


@pytest.mark.parametrize("callers", [2, 10])
async def test_simultaneous_overlapping_plan_visits_book_the_rep_once(
    rep_and_customers: tuple[Rep, list[Customer]], callers: int
) -> None:
    """Tests that N simultaneous planVisit for overlapping slots give one visit
    and N - 1 ConflictErrors, and nothing half-written."""
    # given
    rep, customers = rep_and_customers
    inputs = [slot_input(rep, customers[n], 5 * n) for n in range(callers)]

    # when
    results = await asyncio.gather(*(execute(PLAN_VISIT, input=i) for i in inputs))

    # then
    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["ConflictError"] * (callers - 1) + ["VisitPayload"], results
    assert {r["code"] for r in results if r["__typename"] == "ConflictError"} == {
        "CONFLICT"
    }
    refusals = [r["message"] for r in results if r["__typename"] == "ConflictError"]
    assert all("the rep already has visit" in m for m in refusals), refusals
    stored = await Visit.find_all().to_list()
    assert len(stored) == 1
    won = next(r for r in results if r["__typename"] == "VisitPayload")
    assert gid("Visit", stored[0].id) == won["visit"]["id"]


async def test_simultaneous_plan_visits_in_free_slots_all_succeed(
    rep_and_customers: tuple[Rep, list[Customer]],
) -> None:
    """Tests that the calendar lock refuses only real overlaps: slots that do
    not overlap are all booked, however simultaneous."""
    # given
    rep, customers = rep_and_customers
    inputs = [slot_input(rep, customers[n], 60 * n) for n in range(4)]

    # when
    results = await asyncio.gather(*(execute(PLAN_VISIT, input=i) for i in inputs))

    # then
    assert [r["__typename"] for r in results] == ["VisitPayload"] * 4, results
    stored = await Visit.find_all().to_list()
    assert len(stored) == 4
    assert overlapping(stored) == []


async def test_simultaneous_reschedules_into_one_slot_keep_one(
    rep_and_customers: tuple[Rep, list[Customer]],
) -> None:
    """Tests that two visits moved into overlapping times at once do not both move."""
    # given
    rep, customers = rep_and_customers
    early = await execute(PLAN_VISIT, input=slot_input(rep, customers[0], 0))
    late = await execute(PLAN_VISIT, input=slot_input(rep, customers[1], 300))
    target = START + timedelta(hours=2)
    moves = [
        {
            "id": v["visit"]["id"],
            "plannedStart": (target + timedelta(minutes=10 * n)).isoformat(),
            "plannedEnd": (target + timedelta(minutes=10 * n + 60)).isoformat(),
        }
        for n, v in enumerate((early, late))
    ]

    # when
    results = await asyncio.gather(*(execute(RESCHEDULE, input=m) for m in moves))

    # then
    assert sorted(r["__typename"] for r in results) == [
        "ConflictError",
        "VisitPayload",
    ], results
    assert overlapping(await Visit.find_all().to_list()) == []


async def draft_plan(rep: Rep, customers: list[Customer], start: datetime) -> VisitPlan:
    """A draft plan with one hour-long stop per customer, back to back."""
    stops = [
        PlannedStop(
            customer_id=c.id,
            arrive=start + timedelta(hours=n),
            start=start + timedelta(hours=n),
            end=start + timedelta(hours=n, minutes=45),
            value=1.0,
            reason="due",
        )
        for n, c in enumerate(customers)
    ]
    plan = VisitPlan(
        rep_ids=[rep.id],
        first_day=start.date(),
        last_day=start.date(),
        routes=[
            PlannedRoute(
                rep_id=rep.id,
                day=date(start.year, start.month, start.day),
                depart=start - timedelta(minutes=30),
                back=start + timedelta(hours=len(customers) + 1),
                travel_minutes=0.0,
                stops=stops,
            )
        ],
        totals=PlanTotals(
            objective=1.0,
            value=1.0,
            travel_minutes=0.0,
            travel_cost=0.0,
            visits=len(stops),
            candidates=len(stops),
        ),
        solver=SolverStats(name="test", seconds=0.0, seed=0, time_limit=1.0),
    )
    await plan.insert()
    return plan


async def test_simultaneous_accepts_of_one_plan_all_get_the_accepted_plan(
    rep_and_customers: tuple[Rep, list[Customer]],
) -> None:
    """Tests that ten simultaneous acceptVisitPlan of one plan create its visits
    once and answer every caller with the accepted plan, never an error."""
    # given
    rep, customers = rep_and_customers
    plan = await draft_plan(rep, customers[:3], START)
    accept = {"id": gid("VisitPlan", plan.id)}

    # when
    results = await asyncio.gather(*(execute(ACCEPT, input=accept) for _ in range(10)))

    # then
    assert [r["__typename"] for r in results] == ["VisitPlanPayload"] * 10, results
    assert {r["plan"]["status"] for r in results} == {"ACCEPTED"}
    created = {tuple(v["id"] for v in r["plan"]["createdVisits"]) for r in results}
    assert len(created) == 1
    assert len(next(iter(created))) == 3
    assert await Visit.count() == 3


async def test_accept_racing_a_plan_visit_into_its_slot_books_one(
    rep_and_customers: tuple[Rep, list[Customer]],
) -> None:
    """Tests that a plan accepted while planVisit books one of its slots either
    is refused or leaves planVisit refused, and no visits overlap."""
    # given
    rep, customers = rep_and_customers
    plan = await draft_plan(rep, customers[:3], START)
    accept = {"id": gid("VisitPlan", plan.id)}
    clash = slot_input(rep, customers[5], 70)  # overlaps the second stop

    # when
    results = await asyncio.gather(
        execute(ACCEPT, input=accept), execute(PLAN_VISIT, input=clash)
    )

    # then
    kinds = sorted(r["__typename"] for r in results)
    assert kinds in (
        ["ConflictError", "VisitPlanPayload"],
        ["ConflictError", "VisitPayload"],
    ), results
    stored = await Visit.find_all().to_list()
    assert len(stored) in (1, 3)
    assert overlapping(stored) == []
    assert (await VisitPlan.get(plan.id)).status in ("draft", "accepted")


async def test_simultaneous_accepts_over_http_never_answer_an_internal_error(
    http: Any, rep_and_customers: tuple[Rep, list[Customer]]
) -> None:
    """Tests the reported case through the server in development: ten
    simultaneous acceptVisitPlan, no INTERNAL_SERVER_ERROR, one set of visits."""
    # given
    rep, customers = rep_and_customers
    plan = await draft_plan(rep, customers[:2], START)
    body = {"query": ACCEPT, "variables": {"input": {"id": gid("VisitPlan", plan.id)}}}

    # when
    answers = await asyncio.gather(
        *(http.post("/graphql", json=body) for _ in range(10))
    )

    # then
    assert [a.status_code for a in answers] == [200] * 10
    payloads = [a.json() for a in answers]
    assert all("errors" not in p for p in payloads), payloads
    kinds = {p["data"]["acceptVisitPlan"]["__typename"] for p in payloads}
    assert kinds == {"VisitPlanPayload"}
    assert await Visit.count() == 2
