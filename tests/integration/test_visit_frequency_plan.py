"""planVisits over four weeks visits a customer more than once, spaced by its gap."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from models import Customer, Rep, ScoringSettings, Visit
from models.common import as_utc, utc_now
from seed import seed_demo
from tests.integration.factories import db_id
from tests.integration.test_scoring_queries import gid
from tests.integration.test_visit_frequency import PLAN_STOPS


async def test_a_four_week_plan_visits_a_tier_a_customer_twice(gql, db):
    """Tests that a 4-week plan on demo data visits a tier-A customer twice, at
    least its minimum gap (70 % of 14 days) apart, and no customer closer to
    another of its new visits or to one booked already (the demo data books the
    next five working days)."""
    # given
    await seed_demo(customers=30, reps=1, months=2, seed=7)
    rep = await Rep.find_one({"role": "rep"})
    settings = ScoringSettings()
    first = utc_now().date() + timedelta(days=3)
    booked = await Visit.find({"status": {"$in": ["planned", "confirmed"]}}).to_list()
    assert booked
    # when
    data = await gql(
        PLAN_STOPS,
        input={
            "repIds": [gid("Rep", rep.id)],
            "firstDay": first.isoformat(),
            "lastDay": (first + timedelta(days=27)).isoformat(),
            "timeLimitSeconds": 8,
        },
    )
    # then
    result = data["planVisits"]
    assert result["__typename"] == "VisitPlanPayload", result
    starts: dict[str, list[datetime]] = {}
    tiers = {}
    for route in result["plan"]["routes"]:
        for s in route["stops"]:
            if s["fixed"]:
                continue
            cid = s["customer"]["id"]
            starts.setdefault(cid, []).append(datetime.fromisoformat(s["start"]))
            tiers[cid] = s["customer"]["tier"]
    twice = [c for c, when in starts.items() if tiers[c] == "A" and len(when) >= 2]
    assert twice, starts
    for cid, when in starts.items():
        customer = await Customer.get(db_id(cid))
        days = customer.visit_interval_days or getattr(
            settings.target_days, tiers[cid].lower()
        )
        gap = timedelta(days=0.7 * days)
        when.sort()
        for a, b in itertools.pairwise(when):
            assert b - a >= gap
        for v in booked:
            if v.customer_id == customer.id:
                assert all(abs(t - as_utc(v.planned_start)) >= gap for t in when)
