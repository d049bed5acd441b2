"""Effectiveness, priority, recommendations, coverage and settings through GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from strawberry import relay

from models import Customer, Demand, Rep, Visit
from models.common import GeoPoint, Stamp, utc_now
from models.customer import LifecycleStatus, Tier
from models.demand import DemandType, Priority
from models.rep import Role
from models.visit import Outcome, Purpose, VisitStatus
from resolvers.access import Principal
from resolvers.common import haversine_km
from resolvers.context import Context
from schema import schema

EFFECTIVENESS = """
query E($groupBy: EffectivenessGroupBy!, $period: PeriodInput!,
        $filter: EffectivenessFilterInput, $includeTravel: Boolean) {
  effectiveness(groupBy: $groupBy, period: $period, filter: $filter,
                includeTravel: $includeTravel) {
    groups { key label trend rep { name }
      total { effectiveness visits unscoredVisits hours travelHours resultSum }
      periods { start effectiveness visits hours } }
    overall { total { effectiveness visits hours resultSum }
      periods { start effectiveness visits } }
  }
}
"""

PRIORITY = """
query P($id: ID!) {
  customerPriority(customerId: $id) {
    score reasons targetDays suggestedTargetDays
    components { name value weight points detail }
  }
}
"""

UPDATE = """
mutation U($input: UpdateScoringSettingsInput!) {
  updateScoringSettings(input: $input) {
    __typename
    ... on ScoringSettingsPayload { settings { revision weights { overdue demands }
      targetDays { a b c } } }
    ... on Error { code field message }
  }
}
"""

X = GeoPoint.at(48.137, 11.575)
C = GeoPoint.at(48.137, 11.615)
D = GeoPoint.at(48.150, 11.600)


def gid(kind: str, oid: Any) -> str:
    """A global id."""
    return str(relay.GlobalID(kind, str(oid)))


def utc(*args: int) -> datetime:
    """A UTC moment."""
    return datetime(*args, tzinfo=UTC)


async def rep(name: str, **extra: Any) -> Rep:
    """A stored rep working 08:00-17:00 UTC every day."""
    week = [
        {"weekday": d, "intervals": [{"start": "08:00", "end": "17:00"}]}
        for d in (
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        )
    ]
    doc = Rep(
        name=name,
        email=f"{name.lower()}@example.com",
        home=X,
        working_hours=week,
        **extra,
    )
    return await doc.insert()


async def customer(
    name: str, owner: Rep, place: GeoPoint = C, **extra: Any
) -> Customer:
    """A stored active customer."""
    doc = Customer(
        name=name,
        owner_id=owner.id,
        status=extra.pop("status", LifecycleStatus.ACTIVE),
        addresses=[{"label": "shop", "location": place}],
        **extra,
    )
    return await doc.insert()


async def visit(
    who: Rep,
    to: Customer,
    start: datetime,
    minutes: float | None,
    result: float | None,
    status: VisitStatus = VisitStatus.COMPLETED,
    purpose: Purpose = Purpose.DEMO,
) -> Visit:
    """A stored visit taking ``minutes`` (planned for one hour)."""
    doc = Visit(
        customer_id=to.id,
        rep_id=who.id,
        purpose=purpose,
        planned_start=start,
        planned_end=start + timedelta(hours=1),
        status=status,
        duration_min=minutes,
        outcome=None if result is None else Outcome(result=result, recorded_at=start),
    )
    return await doc.insert()


async def principal_of(user: Rep) -> Principal:
    """``user`` (rep or manager) as a principal, with their team."""
    team = ()
    if user.role == Role.MANAGER:
        team = (
            *tuple(r.id for r in await Rep.find({"manager_id": user.id}).to_list()),
            user.id,
        )
    return Principal(
        user_id=user.id, role=user.role, territory=user.territory, team=team
    )


async def as_user(user: Rep, document: str, **variables: Any) -> Any:
    """Run ``document`` as ``user`` (rep or manager)."""
    who = await principal_of(user)
    return await schema.execute(
        document, variable_values=variables, context_value=Context(principal=who)
    )


@pytest.fixture
async def history(db: Any) -> dict[str, Any]:
    """Two reps' visits in May and June 2025."""
    boss = await rep("Boss", role=Role.MANAGER)
    anna = await rep("Anna", manager_id=boss.id)
    ben = await rep("Ben", manager_id=boss.id)
    a = await customer("Apotheke", anna, C, tier=Tier.A)
    b = await customer("Bäckerei", ben, D, tier=Tier.B)
    await visit(anna, a, utc(2025, 5, 6, 9), 60, 6)
    await visit(anna, b, utc(2025, 5, 6, 11), 30, 9, purpose=Purpose.SERVICE)
    await visit(anna, a, utc(2025, 5, 7, 9), None, None)  # completed, no outcome
    await visit(anna, a, utc(2025, 5, 8, 9), None, None, VisitStatus.CANCELLED)
    await visit(ben, b, utc(2025, 5, 31, 23, 59), 120, 4)  # last minute of May
    await visit(ben, b, utc(2025, 6, 1, 0, 0), 60, 5)  # first minute of June
    return {"boss": boss, "anna": anna, "ben": ben, "a": a, "b": b}


MAY_JUNE = {"unit": "MONTH", "start": "2025-05-01", "count": 2}


async def test_effectiveness_per_rep_over_two_months(gql, history):
    """Tests E per rep: Anna (6+9)/1.5h = 10 in May; Ben 4/2h = 2 then 5/1h = 5."""
    # when
    data = await gql(EFFECTIVENESS, groupBy="REP", period=MAY_JUNE)

    # then
    anna, ben = data["effectiveness"]["groups"]
    assert (anna["label"], anna["rep"]["name"]) == ("Anna", "Anna")
    assert anna["total"] == {
        "effectiveness": 10.0,
        "visits": 2,
        "unscoredVisits": 1,
        "hours": 1.5,
        "travelHours": 0.0,
        "resultSum": 15.0,
    }
    assert [p["effectiveness"] for p in anna["periods"]] == [10.0, None]
    assert [p["visits"] for p in anna["periods"]] == [2, 0]
    assert anna["trend"] is None
    assert [p["effectiveness"] for p in ben["periods"]] == [2.0, 5.0]
    assert ben["trend"] == 3.0
    assert ben["total"]["effectiveness"] == pytest.approx(3.0)
    overall = data["effectiveness"]["overall"]
    assert overall["total"]["resultSum"] == 24.0
    assert overall["total"]["hours"] == 4.5
    assert [p["effectiveness"] for p in overall["periods"]] == [
        pytest.approx(19 / 3.5, abs=1e-4),
        5.0,
    ]


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("TIER", {"tier A": 6.0, "tier B": 18 / 3.5}),
        ("PURPOSE", {"demo": 15 / 4, "service": 18.0}),
        ("CUSTOMER", {"Apotheke": 6.0, "Bäckerei": 18 / 3.5}),
        ("TEAM", {"team of Boss": 24 / 4.5}),
        ("ALL", {"all visits": 24 / 4.5}),
    ],
)
async def test_effectiveness_groupings(gql, history, group_by, expected):
    """Tests E per tier, purpose, customer, team and overall on hand-computed sums."""
    data = await gql(EFFECTIVENESS, groupBy=group_by, period=MAY_JUNE)
    got = {
        g["label"]: g["total"]["effectiveness"] for g in data["effectiveness"]["groups"]
    }
    assert got == pytest.approx({k: round(v, 4) for k, v in expected.items()})


async def test_effectiveness_of_an_empty_period_is_null(gql, history):
    """Tests that a period without visits gives null E with a count of 0."""
    data = await gql(
        EFFECTIVENESS, groupBy="REP", period={"unit": "WEEK", "start": "2025-07-07"}
    )
    report = data["effectiveness"]
    assert report["groups"] == []
    assert report["overall"]["total"] == {
        "effectiveness": None,
        "visits": 0,
        "hours": 0.0,
        "resultSum": 0.0,
    }


async def test_effectiveness_day_boundaries_are_utc(gql, history):
    """Tests that 23:59 UTC counts on its day and 00:00 UTC on the next."""
    data = await gql(
        EFFECTIVENESS,
        groupBy="ALL",
        period={"unit": "DAY", "start": "2025-05-31", "count": 2},
    )
    periods = data["effectiveness"]["overall"]["periods"]
    assert [(p["visits"], p["effectiveness"]) for p in periods] == [(1, 2.0), (1, 5.0)]


async def test_effectiveness_with_travel(gql, history):
    """Tests that travel from home, then from the previous visit, is added to T."""
    # given: Anna on 6 May: home X → C (visit 1) → D (visit 2)
    legs = [haversine_km(X, C) * 1.3 / 30, haversine_km(C, D) * 1.3 / 30]

    # when
    data = await gql(
        EFFECTIVENESS,
        groupBy="REP",
        period={"unit": "DAY", "start": "2025-05-06"},
        includeTravel=True,
        filter={"repIds": [gid("Rep", history["anna"].id)]},
    )

    # then
    total = data["effectiveness"]["groups"][0]["total"]
    assert total["travelHours"] == pytest.approx(sum(legs), abs=1e-4)
    assert total["hours"] == pytest.approx(1.5 + sum(legs), abs=1e-4)
    assert total["effectiveness"] == pytest.approx(15 / (1.5 + sum(legs)), abs=1e-3)


async def test_effectiveness_refuses_a_backwards_custom_period(gql, history):
    """Tests that a custom period ending before it starts is a VALIDATION error."""
    errors = await gql.errors(
        EFFECTIVENESS,
        groupBy="ALL",
        period={"unit": "CUSTOM", "start": "2025-05-10", "end": "2025-05-01"},
    )
    assert errors[0].extensions["code"] == "VALIDATION"
    assert errors[0].extensions["field"] == "period.end"


async def test_a_rep_sees_only_their_own_effectiveness(history):
    """Tests that the access rule applies inside the aggregation."""
    result = await as_user(
        history["anna"], EFFECTIVENESS, groupBy="REP", period=MAY_JUNE
    )
    assert result.errors is None, result.errors
    assert [g["label"] for g in result.data["effectiveness"]["groups"]] == ["Anna"]


async def test_customer_priority_components(gql, db):
    """Tests a lead never visited with an urgent demand of 15 days."""
    # given
    anna = await rep("Anna")
    lead = await customer("Neu GmbH", anna, status=LifecycleStatus.LEAD, tier=Tier.C)
    await Demand(
        customer_id=lead.id,
        type=DemandType.COMPLAINT,
        title="Broken",
        priority=Priority.URGENT,
        stamp=Stamp(created_at=utc_now() - timedelta(days=15)),
    ).insert()

    # when
    data = await gql(PRIORITY, id=gid("Customer", lead.id))

    # then: overdue 35 + demands 25 x 12/16 + trend 5 + lead 8 + effectiveness 5
    found = data["customerPriority"]
    points = {c["name"]: c["points"] for c in found["components"]}
    assert points["demands"] == pytest.approx(18.75, abs=0.01)
    assert found["score"] == pytest.approx(71.75, abs=0.01)
    assert found["reasons"] == ["never visited", "1 urgent demand"]
    assert found["targetDays"] == 90


async def test_settings_are_validated_and_change_the_scores(gql, db):
    """Tests that a negative weight is refused and a new target moves the score."""
    # given
    anna = await rep("Anna")
    cust = await customer("Kiosk", anna, tier=Tier.A)
    await visit(anna, cust, utc_now() - timedelta(days=14), 30, 5)

    # when
    refused = await gql(UPDATE, input={"weights": {"overdue": -1}})
    before = await gql(PRIORITY, id=gid("Customer", cust.id))
    changed = await gql(UPDATE, input={"targetDays": {"a": 7}})
    after = await gql(PRIORITY, id=gid("Customer", cust.id))

    # then
    assert refused["updateScoringSettings"]["__typename"] == "ValidationError"
    assert refused["updateScoringSettings"]["field"] == "weights.overdue"
    assert changed["updateScoringSettings"]["settings"]["targetDays"] == {
        "a": 7,
        "b": 30,
        "c": 90,
    }
    overdue = [
        next(
            c["points"]
            for c in p["customerPriority"]["components"]
            if c["name"] == "overdue"
        )
        for p in (before, after)
    ]
    assert overdue == pytest.approx([17.5, 35.0], abs=0.01)


async def test_only_admins_change_settings(history):
    """Tests that a manager is refused (Forbidden)."""
    result = await as_user(history["boss"], UPDATE, input={"demandCap": 10})
    assert result.errors
    assert "role" in result.errors[0].message
