"""GraphQL documents and small builders the API tests share."""

from __future__ import annotations

from datetime import date
from typing import Any

from strawberry import relay

from models import VisitPlan
from models.plan import PlanTotals, SolverStats

CREATE_CUSTOMER = """
mutation Create($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename
    ... on CustomerPayload {
      customer { id revision name tier status tags territory timeZone
        contacts { id name emails phones preferredChannel }
        addresses { label location { lat lng } }
        openingHours { weekday intervals { start end } }
        customFields { key string number bool date }
        owner { name } }
    }
    ... on Error { code field message }
  }
}
"""

CREATE_REP = """
mutation CreateRep($input: CreateRepInput!) {
  createRep(input: $input) {
    __typename
    ... on RepPayload { rep { id revision name email role manager { name } } }
    ... on Error { code field message }
  }
}
"""

PLAN_VISIT = """
mutation Plan($input: PlanVisitInput!) {
  planVisit(input: $input) {
    __typename
    ... on VisitPayload { visit { id revision status plannedStart plannedEnd
      customer { name } rep { name } demands { title } } }
    ... on Error { code field message }
  }
}
"""

CREATE_DEMAND = """
mutation CreateDemand($input: CreateDemandInput!) {
  createDemand(input: $input) {
    __typename
    ... on DemandPayload { demand { id revision status priority title
      history { fromStatus toStatus comment } customer { name } } }
    ... on Error { code field message }
  }
}
"""

MUNICH = {"lat": 48.137, "lng": 11.575}


def customer_input(name: str = "Apotheke am Markt", **extra: Any) -> dict[str, Any]:
    """A valid createCustomer input in Munich."""
    return {
        "name": name,
        "tier": "A",
        "timeZone": "Europe/Berlin",
        "addresses": [
            {
                "label": "shop",
                "street": "Marienplatz 1",
                "city": "München",
                "location": MUNICH,
            }
        ],
        "openingHours": [
            {
                "weekday": "MONDAY",
                "intervals": [
                    {"start": "08:00", "end": "12:00"},
                    {"start": "13:00", "end": "18:00"},
                ],
            }
        ],
        **extra,
    }


def db_id(global_id: str) -> str:
    """The database id inside a global id."""
    return relay.GlobalID.from_id(global_id).node_id


async def make_customer(
    gql: Any, name: str = "Apotheke am Markt", **extra: Any
) -> dict[str, Any]:
    """Create a customer and return it."""
    data = await gql(CREATE_CUSTOMER, input=customer_input(name, **extra))
    assert data["createCustomer"]["__typename"] == "CustomerPayload", data
    return data["createCustomer"]["customer"]


async def make_rep(
    gql: Any, email: str = "anna.berger@example.com", **extra: Any
) -> dict[str, Any]:
    """Create a rep and return it."""
    data = await gql(
        CREATE_REP,
        input={
            "name": "Anna Berger",
            "email": email,
            "timeZone": "Europe/Berlin",
            **extra,
        },
    )
    assert data["createRep"]["__typename"] == "RepPayload", data
    return data["createRep"]["rep"]


async def make_visit(
    gql: Any,
    customer: dict[str, Any],
    rep: dict[str, Any],
    start: str = "2026-11-20T09:00:00Z",
    end: str = "2026-11-20T10:00:00Z",
) -> dict[str, Any]:
    """Plan a visit and return it."""
    data = await gql(
        PLAN_VISIT,
        input={
            "customerId": customer["id"],
            "repId": rep["id"],
            "purpose": "DEMO",
            "plannedStart": start,
            "plannedEnd": end,
        },
    )
    assert data["planVisit"]["__typename"] == "VisitPayload", data
    return data["planVisit"]["visit"]


WEEKDAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]


def hours(start: str, end: str) -> list[dict]:
    """The same hours every working day."""
    return [
        {"weekday": d, "intervals": [{"start": start, "end": end}]} for d in WEEKDAYS
    ]


def empty_plan(rep_ids: list[Any], day: date, **fields: Any) -> VisitPlan:
    """A visit plan of one day with no routes (not stored), as one is while
    it is computed; ``fields`` set the rest."""
    totals = PlanTotals(
        objective=0, value=0, travel_minutes=0, travel_cost=0, visits=0, candidates=0
    )
    solver = SolverStats(name="planner", seconds=0, seed=1, time_limit=60)
    return VisitPlan(
        rep_ids=rep_ids,
        first_day=day,
        last_day=day,
        totals=totals,
        solver=solver,
        **fields,
    )
