"""No double bookings: a customer booked within its minimum gap gets no other visit.

planVisits, replanDay and recommendations all leave out a customer that has a
planned, confirmed or checked-in visit within its minimum gap (70 % of its target
interval: A 14, B 30, C 90 days) of the period, whichever rep booked it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from models import Visit
from models.customer import Tier
from resolvers.plans import replan
from resolvers.plans.bookings import BOOKED, free_windows
from schema import schema
from tests.integration.factories import make_rep
from tests.integration.test_plan_mutations import PLAN
from tests.integration.test_replan_day import NOW, REPLAN, add_visit, at
from tests.integration.test_scoring_queries import (
    C,
    customer,
    gid,
    principal_of,
    rep,
    utc,
)
from tests.integration.test_scoring_recommendations import DAY, RECOMMEND

MONDAY = "2031-03-03"


def names(plan: dict) -> list[str]:
    """The customers of a plan's stops."""
    return [s["customer"]["name"] for r in plan["routes"] for s in r["stops"]]


async def test_replan_day_adds_no_customer_booked_on_another_day(
    gql, team, monkeypatch
):
    """Tests that replanDay leaves out customers booked later that week, by anyone."""
    # given
    monkeypatch.setattr(replan, "utc_now", lambda: NOW)
    rep_, customers = team
    otto = await make_rep(gql, "otto@example.com")
    await add_visit(otto["id"], customers[3], at(10) + timedelta(days=2), "planned")
    await add_visit(rep_["id"], customers[4], at(10) + timedelta(days=3), "confirmed")
    await add_visit(rep_["id"], customers[5], at(10) + timedelta(days=1), "cancelled")
    # when
    data = await gql(
        REPLAN, input={"repId": rep_["id"], "day": MONDAY, "timeLimitSeconds": 1}
    )
    # then
    plan = data["replanDay"]["plan"]
    added = {c["customer"]["name"] for c in plan["changes"] if c["kind"] == "ADDED"}
    assert "Customer 3" not in added
    assert "Customer 4" not in added
    assert {"Customer 1", "Customer 2", "Customer 5"} <= added


async def test_plan_visits_leaves_out_customers_booked_by_another_team(gql, team):
    """Tests that planVisits plans no customer another rep booked that week, and
    that one booked beyond its minimum gap is planned."""
    # given
    rep_, customers = team
    otto = await make_rep(gql, "otto@example.com")
    friday = datetime(2031, 3, 7, 9, tzinfo=UTC)
    await add_visit(otto["id"], customers[5], friday, "confirmed")
    # tier C: 90 days x 0.7 = 63 days of gap; 80 days on is far enough
    await add_visit(otto["id"], customers[2], friday + timedelta(days=80), "planned")
    # when
    data = await gql(
        PLAN,
        input={
            "repIds": [rep_["id"]],
            "firstDay": MONDAY,
            "lastDay": MONDAY,
            "timeLimitSeconds": 1,
        },
    )
    # then
    plan = data["planVisits"]["plan"]
    assert "Customer 5" not in names(plan)
    assert "Customer 2" in names(plan)
    unserved = {u["customer"]["name"]: u["reason"] for u in plan["unserved"]}
    assert unserved["Customer 5"] == BOOKED


async def test_a_booking_of_another_team_blocks_without_showing(gql):
    """Tests that a rep's plan leaves out a territory customer booked by a rep of
    another team, and shows nothing of that visit."""
    # given
    anna = await rep("Anna", territory="North")
    otto = await rep("Otto", territory="South")
    shared = await customer("Shared", otto, C, tier=Tier.A, territory="North")
    await customer("Free", otto, C, tier=Tier.A, territory="North")
    start = utc(2031, 3, 5, 9, 17)
    hidden = await Visit(
        customer_id=shared.id,
        rep_id=otto.id,
        purpose="demo",
        agenda="secret agenda",
        planned_start=start,
        planned_end=start + timedelta(minutes=45),
    ).insert()
    # when
    result = await schema.execute(
        PLAN,
        variable_values={
            "input": {
                "repIds": [gid("Rep", anna.id)],
                "firstDay": MONDAY,
                "lastDay": MONDAY,
                "timeLimitSeconds": 1,
                "customerFilter": {"territories": ["North"]},
            }
        },
        context_value=gql.context(principal=await principal_of(anna)),
    )
    # then
    assert result.errors is None, result.errors
    plan = result.data["planVisits"]["plan"]
    assert names(plan) == ["Free"]
    assert plan["unserved"] == [
        {
            "value": plan["unserved"][0]["value"],
            "reason": BOOKED,
            "customer": {"name": "Shared"},
        }
    ]
    text = json.dumps(result.data)
    for secret in ("Otto", "secret", "09:17", str(hidden.id), "2031-03-05"):
        assert secret not in text


async def test_recommendations_leave_out_customers_booked_within_their_gap(gql, db):
    """Tests that recommendations skip a tier-A customer another rep booked 9 days
    on (gap 9.8 days) and keep one booked 12 days on."""
    # given
    anna = await rep("Anna")
    otto = await rep("Otto")
    soon = await customer("Soon", anna, C, tier=Tier.A)
    later = await customer("Later", anna, C, tier=Tier.A)
    for who, days in ((soon, 9), (later, 12)):
        start = utc(DAY.year, DAY.month, DAY.day, 9) + timedelta(days=days)
        await Visit(
            customer_id=who.id,
            rep_id=otto.id,
            purpose="demo",
            planned_start=start,
            planned_end=start + timedelta(minutes=45),
        ).insert()
    # when
    data = await gql(RECOMMEND, repId=gid("Rep", anna.id), date=DAY.isoformat())
    # then
    assert [r["customer"]["name"] for r in data["recommendations"]] == ["Later"]


def test_free_windows_cut_out_the_blocked_times():
    """Tests that blocked open intervals are cut out of start windows, a start
    exactly one gap away staying allowed."""
    # given
    windows = [(0.0, 100.0), (200.0, 300.0), (400.0, 500.0)]
    blocked = [(50.0, 250.0), (390.0, 510.0)]
    # when
    free = free_windows(windows, blocked)
    # then
    assert free == [(0.0, 50.0), (250.0, 300.0)]
    assert free_windows([(0.0, 100.0)], [(100.0, 200.0)]) == [(0.0, 100.0)]
