"""Check-in and check-out times and places: bounded times, geofence, how scores count them.

A check-in may be at most ``checkInEarlyMinutes`` (720) before the planned start
and not in the future; a check-out follows it by at most ``maxVisitMinutes``
(720). A check-in farther than ``checkInRadiusM`` (500 m) from the customer is
kept and flagged OUTSIDE_RADIUS; effectiveness and coverage count it and say how
many such check-ins they counted. Visits shorter than ``minCountedMinutes`` (15)
count that long in effectiveness.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from models import Visit
from models.common import utc_now
from models.visit import Geofence
from tests.integration.factories import make_customer, make_rep, make_visit
from tests.integration.test_visit_mutations import CHECK_IN, CHECK_OUT, OUTCOME, run

PRESENCE = """
mutation($input: PresenceInput!) {
  checkInVisit(input: $input) {
    __typename
    ... on VisitPayload { visit { status checkInGeofence
      checkIn { at distanceM geofence } } }
    ... on Error { code field message }
  }
}
"""

SETTINGS = """
mutation U($input: UpdateScoringSettingsInput!) {
  updateScoringSettings(input: $input) {
    __typename
    ... on ScoringSettingsPayload { settings { checkInRadiusM checkInEarlyMinutes
      maxVisitMinutes minCountedMinutes } }
    ... on Error { code field message }
  }
}
"""

EFFECTIVENESS = """
query E($period: PeriodInput!) {
  effectiveness(groupBy: REP, period: $period) {
    groups { label total { effectiveness visits visitHours unverifiedCheckIns } }
    overall { total { visits unverifiedCheckIns } }
  }
}
"""

COVERAGE = """
query C($first: Date!, $last: Date!) {
  coverage(firstDay: $first, lastDay: $last) {
    label unverifiedCheckIns total { customers covered }
  }
}
"""

#: Yesterday 10:00 UTC: in the past, and one UTC day for every visit below.
YESTERDAY = datetime.combine(utc_now().date() - timedelta(days=1), time(10), UTC)
NEAR = {"lat": 48.1379, "lng": 11.575}  # about 100 m from the customer
BERLIN = {"lat": 52.52, "lng": 13.405}  # about 504 km away


@pytest.fixture
async def planned(gql):
    """A visit planned 09:00-10:00 UTC on 2026-11-20, at a Munich customer."""
    customer, rep = await make_customer(gql), await make_rep(gql)
    return await make_visit(gql, customer, rep)


@pytest.mark.parametrize(
    "at",
    [
        "1900-01-01T00:00:00Z",  # the earliest date the API parses
        "2026-11-19T08:59:00Z",  # 12 h 1 min before the planned start
    ],
)
async def test_check_in_long_before_the_planned_start_is_refused(gql, planned, at):
    """Tests that a check-in earlier than the tolerance before the start is
    refused and nothing is written."""
    # when
    result = await run(gql, CHECK_IN, id=planned["id"], at=at)
    # then
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == "at"
    stored = await Visit.find_one()
    assert (stored.status, stored.check_in) == ("planned", None)


async def test_check_in_within_the_tolerance_before_the_start_is_accepted(gql, planned):
    """Tests that a check-in 11 hours before the planned start is recorded."""
    # when
    result = await run(gql, CHECK_IN, id=planned["id"], at="2026-11-19T22:00:00Z")
    # then
    assert result["__typename"] == "VisitPayload", result
    assert result["visit"]["status"] == "CHECKED_IN"


async def test_check_out_after_the_longest_visit_is_refused(gql, planned):
    """Tests that a check-out more than 720 minutes after check-in is refused."""
    # given
    await run(gql, CHECK_IN, id=planned["id"], at="2026-11-20T09:00:00Z")
    # when
    result = await run(gql, CHECK_OUT, id=planned["id"], at="2026-11-20T21:01:00Z")
    # then
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == "at"
    stored = await Visit.find_one()
    assert (stored.status, stored.duration_min, stored.check_out) == (
        "checked_in",
        None,
        None,
    )


async def test_the_time_bounds_are_settings(gql, planned):
    """Tests that maxVisitMinutes and checkInEarlyMinutes bound the times."""
    # given
    changed = await gql(
        SETTINGS, input={"maxVisitMinutes": 60, "checkInEarlyMinutes": 10}
    )
    assert changed["updateScoringSettings"]["settings"]["maxVisitMinutes"] == 60
    # when
    early = await run(gql, CHECK_IN, id=planned["id"], at="2026-11-20T08:49:00Z")
    on_time = await run(gql, CHECK_IN, id=planned["id"], at="2026-11-20T08:51:00Z")
    too_long = await run(gql, CHECK_OUT, id=planned["id"], at="2026-11-20T09:52:00Z")
    fine = await run(gql, CHECK_OUT, id=planned["id"], at="2026-11-20T09:50:00Z")
    # then
    assert early["__typename"] == "ValidationError"
    assert on_time["__typename"] == "VisitPayload"
    assert too_long["__typename"] == "ValidationError"
    assert fine["visit"]["durationMinutes"] == 59.0


@pytest.mark.parametrize(
    ("location", "geofence"),
    [
        (NEAR, "VERIFIED"),
        (BERLIN, "OUTSIDE_RADIUS"),
        (None, "NO_LOCATION"),
    ],
)
async def test_check_in_geofence(gql, planned, location, geofence):
    """Tests that a check-in is VERIFIED near the customer, OUTSIDE_RADIUS far
    away (kept, with its distance) and NO_LOCATION without a location."""
    # given
    extra = {} if location is None else {"location": location}
    # when
    data = await gql(
        PRESENCE, input={"id": planned["id"], "at": "2026-11-20T09:00:00Z", **extra}
    )
    # then
    visit = data["checkInVisit"]["visit"]
    assert visit["status"] == "CHECKED_IN"
    assert visit["checkInGeofence"] == geofence
    assert visit["checkIn"]["geofence"] == geofence
    if location is BERLIN:
        assert 500_000 < visit["checkIn"]["distanceM"] < 510_000
    assert (await Visit.find_one()).check_in.geofence == Geofence(geofence.lower())


async def test_the_check_in_radius_is_a_setting(gql, planned):
    """Tests that a check-in 100 m away is OUTSIDE_RADIUS under a 50 m radius."""
    # given
    await gql(SETTINGS, input={"checkInRadiusM": 50})
    # when
    data = await gql(
        PRESENCE,
        input={"id": planned["id"], "at": "2026-11-20T09:00:00Z", "location": NEAR},
    )
    # then
    assert data["checkInVisit"]["visit"]["checkInGeofence"] == "OUTSIDE_RADIUS"


async def complete(gql, visit, start, minutes, result, location):
    """Check ``visit`` in at ``start`` from ``location`` and out ``minutes`` later."""
    await run(gql, CHECK_IN, id=visit["id"], at=start.isoformat(), location=location)
    end = start + timedelta(minutes=minutes)
    out = await run(gql, CHECK_OUT, id=visit["id"], at=end.isoformat())
    assert out["__typename"] == "VisitPayload", out
    await run(gql, OUTCOME, id=visit["id"], result=result)


async def test_a_visit_of_seconds_counts_the_minimum_minutes(gql):
    """Tests that a two-second visit with result 10 counts 15 minutes in T, so its
    E is 40 per hour rather than 18,000."""
    # given
    customer = await make_customer(gql)
    quick = await make_rep(gql, "quick@example.com", name="Quick")
    start = YESTERDAY
    visit = await make_visit(
        gql,
        customer,
        quick,
        start.isoformat(),
        (start + timedelta(hours=1)).isoformat(),
    )
    await complete(gql, visit, start, 2 / 60, 10, NEAR)
    period = {"unit": "DAY", "start": start.date().isoformat()}
    # when
    data = await gql(EFFECTIVENESS, period=period)
    # then
    (group,) = data["effectiveness"]["groups"]
    assert group["total"]["visitHours"] == 0.25
    assert group["total"]["effectiveness"] == 40.0
    assert (await Visit.find_one()).duration_min == pytest.approx(2 / 60, abs=0.01)


async def test_the_minimum_counted_minutes_is_a_setting(gql):
    """Tests that with minCountedMinutes 0 a short visit counts its real length."""
    # given
    await gql(SETTINGS, input={"minCountedMinutes": 0})
    customer, rep = await make_customer(gql), await make_rep(gql)
    start = YESTERDAY
    visit = await make_visit(
        gql, customer, rep, start.isoformat(), (start + timedelta(hours=1)).isoformat()
    )
    await complete(gql, visit, start, 6, 5, NEAR)
    # when
    data = await gql(
        EFFECTIVENESS, period={"unit": "DAY", "start": start.date().isoformat()}
    )
    # then
    assert data["effectiveness"]["groups"][0]["total"]["visitHours"] == 0.1


async def test_scores_count_unverified_check_ins_and_say_how_many(gql):
    """Tests that effectiveness and coverage count a visit checked in 504 km
    away, and report one unverified check-in."""
    # given
    customer = await make_customer(gql)
    rep = await make_rep(gql)
    from models import Customer, Rep

    stored_rep = await Rep.find_one({"email": rep["email"]})
    await Customer.find_all().update({"$set": {"owner_id": stored_rep.id}})
    start = YESTERDAY
    visits = [
        await make_visit(
            gql,
            customer,
            rep,
            (start + timedelta(hours=n)).isoformat(),
            (start + timedelta(hours=n, minutes=30)).isoformat(),
        )
        for n in range(2)
    ]
    await complete(gql, visits[0], start, 30, 6, NEAR)
    await complete(gql, visits[1], start + timedelta(hours=1), 30, 8, BERLIN)
    day = start.date().isoformat()
    # when
    eff = await gql(EFFECTIVENESS, period={"unit": "DAY", "start": day})
    cov = await gql(COVERAGE, first=day, last=day)
    # then
    total = eff["effectiveness"]["overall"]["total"]
    assert (total["visits"], total["unverifiedCheckIns"]) == (2, 1)
    (row,) = cov["coverage"]
    assert row["unverifiedCheckIns"] == 1
    assert row["total"]["customers"] == 1
