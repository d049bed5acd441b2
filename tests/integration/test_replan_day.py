"""replanDay: re-plan the rest of a rep's day after a cancellation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from beanie import PydanticObjectId

from models import Visit
from models.plan import PlannedRoute, PlannedStop
from models.visit import Presence
from resolvers.plans import replan
from resolvers.plans.replan import _changes
from tests.integration.factories import db_id
from tests.integration.test_plan_mutations import ACCEPT

NOW = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)  # Monday 10:00 in Munich

REPLAN = """
mutation Replan($input: ReplanDayInput!) {
  replanDay(input: $input) {
    __typename
    ... on VisitPlanPayload { plan { id isReplan status
      changes { kind before after customer { name } visit { id } }
      routes { stops { start customer { name } } } } }
    ... on Error { code field message }
  }
}
"""


def at(hour: int, minute: int = 0) -> datetime:
    """A UTC time on the Monday, given in Munich time (UTC+1 in March)."""
    return datetime(2031, 3, 3, hour - 1, minute, tzinfo=UTC)


async def add_visit(
    rep_id: str, customer: dict, start: datetime, status: str, **extra
) -> Visit:
    """Store a visit directly."""
    visit = Visit(
        customer_id=PydanticObjectId(db_id(customer["id"])),
        rep_id=PydanticObjectId(db_id(rep_id)),
        purpose="follow_up",
        planned_start=start,
        planned_end=start + timedelta(minutes=45),
        status=status,
        **extra,
    )
    await visit.insert()
    return visit


async def test_the_rest_of_the_day_is_replanned_from_where_the_rep_is(
    gql, team, monkeypatch
):
    """Tests that done visits stay, open ones are kept, gaps are filled after now."""
    # given
    monkeypatch.setattr(replan, "utc_now", lambda: NOW)
    rep, customers = team
    await add_visit(
        rep["id"],
        customers[0],
        at(8, 30),
        "completed",
        check_in=Presence(at=at(8, 30)),
        check_out=Presence(at=at(9, 20)),
    )
    kept = await add_visit(rep["id"], customers[1], at(11), "confirmed")
    await add_visit(rep["id"], customers[2], at(10), "cancelled", cancel_reason="ill")
    # when
    data = await gql(
        REPLAN, input={"repId": rep["id"], "day": "2031-03-03", "timeLimitSeconds": 1}
    )
    # then
    result = data["replanDay"]
    assert result["__typename"] == "VisitPlanPayload", result
    plan = result["plan"]
    assert plan["isReplan"] is True
    kinds = {c["customer"]["name"]: c["kind"] for c in plan["changes"]}
    assert "Customer 1" not in kinds  # confirmed: a fixed stop, kept exactly
    fixed = [
        s for s in plan["routes"][0]["stops"] if s["customer"]["name"] == "Customer 1"
    ]
    assert [datetime.fromisoformat(s["start"]) for s in fixed] == [at(11)]
    assert "Customer 0" not in kinds
    assert "Customer 2" not in kinds
    assert {"Customer 3", "Customer 4", "Customer 5"} <= {
        n for n, k in kinds.items() if k == "ADDED"
    }
    starts = [datetime.fromisoformat(s["start"]) for s in plan["routes"][0]["stops"]]
    assert min(starts) >= NOW
    # when accepted (twice)
    await gql(ACCEPT, input={"id": plan["id"]})
    await gql(ACCEPT, input={"id": plan["id"]})
    # then
    planned = await Visit.find({"status": {"$in": ["planned", "confirmed"]}}).to_list()
    assert len(planned) == len(plan["routes"][0]["stops"])
    assert kept.id in {v.id for v in planned}


async def test_replanning_a_day_that_is_over_is_refused(gql, team, monkeypatch):
    """Tests that a day whose working hours have passed cannot be re-planned."""
    # given
    monkeypatch.setattr(replan, "utc_now", lambda: at(18))
    rep, _ = team
    # when
    data = await gql(REPLAN, input={"repId": rep["id"], "day": "2031-03-03"})
    # then
    assert data["replanDay"]["field"] == "day"


async def test_a_visit_length_out_of_bounds_is_refused(gql, team, monkeypatch):
    """Tests that a negative or zero visit length gets a validation error."""
    # given
    monkeypatch.setattr(replan, "utc_now", lambda: at(10))
    rep, _ = team
    for minutes in (-1.1, 0, 481):
        # when
        data = await gql(
            REPLAN,
            input={"repId": rep["id"], "day": "2031-03-03", "visitMinutes": minutes},
        )
        # then
        assert data["replanDay"]["code"] == "VALIDATION", data
        assert data["replanDay"]["field"] == "visitMinutes"
    assert await Visit.find_all().count() == 0


def test_changes_say_what_is_kept_moved_added_and_dropped():
    """Tests the comparison of a day's open visits with the new route."""
    # given
    a, b, c = (PydanticObjectId() for _ in range(3))
    rep = PydanticObjectId()
    start = datetime(2031, 3, 3, 10, tzinfo=UTC)
    keep = Visit(
        customer_id=a,
        rep_id=rep,
        purpose="demo",
        planned_start=start,
        planned_end=start + timedelta(minutes=30),
        id=PydanticObjectId(),
    )
    move = Visit(
        customer_id=b,
        rep_id=rep,
        purpose="demo",
        planned_start=start,
        planned_end=start + timedelta(minutes=30),
        id=PydanticObjectId(),
    )
    gone = Visit(
        customer_id=c,
        rep_id=rep,
        purpose="demo",
        planned_start=start,
        planned_end=start + timedelta(minutes=30),
        id=PydanticObjectId(),
    )
    new = PydanticObjectId()

    def stop(customer, minutes):
        begin = start + timedelta(minutes=minutes)
        return PlannedStop(
            customer_id=customer,
            arrive=begin,
            start=begin,
            end=begin + timedelta(minutes=30),
            value=1,
            reason="r",
        )

    route = PlannedRoute(
        rep_id=rep,
        day=date(2031, 3, 3),
        depart=start,
        back=start,
        travel_minutes=0,
        stops=[stop(a, 0.5), stop(b, 40), stop(new, 90)],
    )
    # when
    changes = _changes([keep, move, gone], [route])
    # then
    assert [(ch.kind, ch.customer_id) for ch in changes] == [
        ("kept", a),
        ("moved", b),
        ("dropped", c),
        ("added", new),
    ]
    assert route.stops[1].visit_id == move.id
    assert route.stops[2].visit_id is None
