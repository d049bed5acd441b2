"""recommendations, coverage, and planVisits valuing customers by their priority."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from models import Demand, Visit
from models.common import utc_now
from models.customer import LifecycleStatus, Tier
from models.demand import DemandType, Priority
from models.rep import Role
from models.visit import VisitStatus
from resolvers.common import haversine_km
from tests.integration.test_plan_mutations import PLAN
from tests.integration.test_scoring_queries import (
    PRIORITY,
    C,
    D,
    X,
    as_user,
    customer,
    gid,
    rep,
    utc,
    visit,
)

RECOMMEND = """
query R($repId: ID!, $date: Date!, $near: GeoPointInput, $limit: Int) {
  recommendations(repId: $repId, date: $date, near: $near, limit: $limit) {
    customer { name } rank score reasons distanceKm
    slot { start end travelMinutes detourMinutes }
  }
}
"""

COVERAGE = """
query C($first: Date!, $last: Date!, $groupBy: CoverageGroupBy) {
  coverage(firstDay: $first, lastDay: $last, groupBy: $groupBy) {
    label total { customers covered share }
    tiers { tier customers covered share }
  }
}
"""

DAY = utc_now().date() + timedelta(days=30)


def on_day(hour: int, minute: int = 0) -> datetime:
    """A UTC moment on the recommended day."""
    return utc(DAY.year, DAY.month, DAY.day, hour, minute)


@pytest.fixture
async def day(db):
    """Anna's day: visits 09-10 at X and 14-15 at D; two customers to choose from."""
    anna = await rep("Anna")
    here = await customer("Here", anna, X)
    there = await customer("There", anna, D)
    await visit(anna, here, on_day(9), None, None, VisitStatus.PLANNED)
    await visit(anna, there, on_day(14), None, None, VisitStatus.PLANNED)
    morning = [
        {
            "weekday": DAY.strftime("%A").lower(),
            "intervals": [{"start": "10:00", "end": "12:00"}],
        }
    ]
    late = await customer("Spät", anna, C, opening_hours=morning, tier=Tier.A)
    await visit(anna, late, utc_now() - timedelta(days=26), 45, 6)
    await Demand(
        customer_id=late.id,
        type=DemandType.COMPLAINT,
        title="x",
        priority=Priority.URGENT,
    ).insert()
    calm = await customer("Ruhig", anna, C, tier=Tier.C)
    await visit(anna, calm, utc_now() - timedelta(days=5), 45, 6)
    return anna


async def test_recommendations_rank_explain_and_find_a_slot(gql, day):
    """Tests the ranking, the reasons and a slot at 10:00 plus travel from X."""
    # when
    data = await gql(RECOMMEND, repId=gid("Rep", day.id), date=DAY.isoformat())

    # then
    names = [r["customer"]["name"] for r in data["recommendations"]]
    assert names == ["Spät", "Ruhig"]
    top = data["recommendations"][0]
    assert "overdue by 42 days" in top["reasons"] or any(
        r.startswith("overdue by") for r in top["reasons"]
    )
    assert "1 urgent demand" in top["reasons"]
    assert f"{haversine_km(D, C):.1f} km from your 14:00 visit" in top["reasons"]
    travel = haversine_km(X, C) * 1.3 / 30 * 60
    start = datetime.fromisoformat(top["slot"]["start"])
    assert (
        on_day(10) + timedelta(minutes=travel)
        <= start
        < on_day(10) + timedelta(minutes=travel + 1)
    )
    assert top["slot"]["travelMinutes"] == pytest.approx(travel, abs=0.1)
    assert top["rank"] == pytest.approx(top["score"] - 2 * haversine_km(D, C), abs=0.01)


async def test_a_cancelled_visit_frees_its_time_for_nearby_customers(gql, day):
    """Tests that after cancelling 09:00 the slot moves into its time near X."""
    # given
    first = await Visit.find_one({"planned_start": on_day(9)})
    first.status = VisitStatus.CANCELLED
    await first.save()

    # when
    data = await gql(
        RECOMMEND,
        repId=gid("Rep", day.id),
        date=DAY.isoformat(),
        near={"lat": X.lat, "lng": X.lng},
    )

    # then
    calm = next(r for r in data["recommendations"] if r["customer"]["name"] == "Ruhig")
    assert datetime.fromisoformat(calm["slot"]["start"]) < on_day(9, 30)
    assert f"{haversine_km(X, C):.1f} km from the given place" in calm["reasons"]


async def test_recommendations_for_another_rep_are_refused(db, day):
    """Tests that a rep may not ask for a colleague's list, their manager may."""
    # given
    boss = await rep("Boss", role=Role.MANAGER)
    day.manager_id = boss.id
    await day.save()
    other = await rep("Otto")

    # when
    refused = await as_user(
        other, RECOMMEND, repId=gid("Rep", day.id), date=DAY.isoformat()
    )
    allowed = await as_user(
        boss, RECOMMEND, repId=gid("Rep", day.id), date=DAY.isoformat()
    )

    # then
    assert refused.errors
    assert "own recommendations" in refused.errors[0].message
    assert allowed.errors is None, allowed.errors


async def test_recommendations_refuse_a_bad_limit(gql, day):
    """Tests that limit 0 is a VALIDATION error."""
    errors = await gql.errors(
        RECOMMEND, repId=gid("Rep", day.id), date=DAY.isoformat(), limit=0
    )
    assert errors[0].extensions["code"] == "VALIDATION"


async def test_coverage_shares_per_tier(gql, db):
    """Tests coverage in May 2025: A every 14 days, B every 30, C every 90."""
    # given
    anna = await rep("Anna")
    a1 = await customer("A1", anna, tier=Tier.A)
    a2 = await customer("A2", anna, tier=Tier.A)
    b1 = await customer("B1", anna, tier=Tier.B)
    await customer("C1", anna, tier=Tier.C)
    await customer("Gone", anna, tier=Tier.C, status=LifecycleStatus.CHURNED)
    for day in (date(2025, 4, 25), date(2025, 5, 8), date(2025, 5, 20)):
        await visit(anna, a1, utc(day.year, day.month, day.day, 9), 30, 5)
    await visit(anna, a2, utc(2025, 5, 2, 9), 30, 5)  # 29 days to the end of May
    await visit(anna, b1, utc(2025, 5, 1, 0), 30, 5)  # exactly 30 days before June

    # when
    data = await gql(COVERAGE, first="2025-05-01", last="2025-05-30")

    # then
    (row,) = data["coverage"]
    assert row["label"] == "Anna"
    assert row["total"] == {"customers": 4, "covered": 2, "share": 0.5}
    assert row["tiers"] == [
        {"tier": "A", "customers": 2, "covered": 1, "share": 0.5},
        {"tier": "B", "customers": 1, "covered": 1, "share": 1.0},
        {"tier": "C", "customers": 1, "covered": 0, "share": 0.0},
    ]


async def test_plan_visits_uses_the_priority_as_value(gql, db):
    """Tests that a planned stop's value is the customer's priority score."""
    # given
    anna = await rep("Anna")
    cust = await customer("Apotheke", anna, C, tier=Tier.B)
    await visit(anna, cust, utc_now() - timedelta(days=40), 45, 7)
    score = (await gql(PRIORITY, id=gid("Customer", cust.id)))["customerPriority"][
        "score"
    ]

    # when
    data = await gql(
        PLAN,
        input={
            "repIds": [gid("Rep", anna.id)],
            "firstDay": DAY.isoformat(),
            "lastDay": DAY.isoformat(),
            "timeLimitSeconds": 1,
        },
    )

    # then
    plan = data["planVisits"]["plan"]
    (stop,) = plan["routes"][0]["stops"]
    assert stop["value"] == pytest.approx(score, abs=0.05)
    assert stop["reason"].startswith(f"value {stop['value']:g} (priority")
