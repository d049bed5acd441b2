"""The visit lifecycle: plan, reschedule, confirm, check in and out, cancel, outcome."""

from __future__ import annotations

import pytest

from models import Demand, Visit
from tests.integration.factories import PLAN_VISIT, make_customer, make_rep, make_visit

FIELDS = """
__typename
... on VisitPayload { visit { id revision status plannedStart plannedEnd cancelReason
  durationMinutes checkIn { at distanceM location { lat lng } } checkOut { at }
  outcome { result notes followUps { title status priority } } } }
... on InvalidTransitionError { currentStatus requestedStatus }
... on Error { code field message }
"""


def mutation(name: str, input_type: str) -> str:
    """A visit mutation document returning the common fields."""
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {FIELDS} }} }}"


RESCHEDULE = mutation("rescheduleVisit", "RescheduleVisitInput")
CONFIRM = mutation("confirmVisit", "VisitRefInput")
CHECK_IN = mutation("checkInVisit", "PresenceInput")
CHECK_OUT = mutation("checkOutVisit", "PresenceInput")
CANCEL = mutation("cancelVisit", "CancelVisitInput")
MISSED = mutation("markVisitMissed", "VisitRefInput")
OUTCOME = mutation("recordVisitOutcome", "RecordOutcomeInput")


@pytest.fixture
async def setting(gql):
    """A customer at Marienplatz and a rep."""
    return await make_customer(gql), await make_rep(gql)


async def run(gql, document, **input_):
    """Run a visit mutation and return its result."""
    data = await gql(document, input=input_)
    return next(iter(data.values()))


async def test_a_visit_goes_through_its_whole_life(gql, setting):
    """Tests plan → confirm → check in → check out → outcome with a follow-up."""
    # given
    customer, rep = setting
    visit = await make_visit(gql, customer, rep)
    # when
    confirmed = await run(gql, CONFIRM, id=visit["id"])
    checked_in = await run(
        gql,
        CHECK_IN,
        id=visit["id"],
        at="2026-11-20T09:05:00Z",
        location={"lat": 48.1379, "lng": 11.575},
    )
    checked_out = await run(gql, CHECK_OUT, id=visit["id"], at="2026-11-20T09:50:30Z")
    outcome = await run(
        gql,
        OUTCOME,
        id=visit["id"],
        result=7.5,
        notes="Ordered 3 boxes",
        followUps=[
            {"type": "PRODUCT_INQUIRY", "title": "Send price list", "priority": "HIGH"}
        ],
    )
    # then
    assert confirmed["visit"]["status"] == "CONFIRMED"
    assert checked_in["visit"]["status"] == "CHECKED_IN"
    # 0.0009 degrees of latitude is about 100 m
    assert 95 < checked_in["visit"]["checkIn"]["distanceM"] < 105
    assert checked_out["visit"]["status"] == "COMPLETED"
    assert checked_out["visit"]["durationMinutes"] == 45.5
    assert outcome["visit"]["outcome"] == {
        "result": 7.5,
        "notes": "Ordered 3 boxes",
        "followUps": [
            {"title": "Send price list", "status": "OPEN", "priority": "HIGH"}
        ],
    }
    demand = await Demand.find_one()
    assert demand is not None
    assert str(demand.source_visit_id) == str((await Visit.find_one()).id)


async def test_planning_validates_times_and_references(gql, setting):
    """Tests end before start, too long, unknown customer and wrong id type."""
    # given
    customer, rep = setting
    base = {"customerId": customer["id"], "repId": rep["id"], "purpose": "INTRO"}
    # when
    backwards = await gql(
        PLAN_VISIT,
        input={
            **base,
            "plannedStart": "2026-11-20T10:00:00Z",
            "plannedEnd": "2026-11-20T09:00:00Z",
        },
    )
    too_long = await gql(
        PLAN_VISIT,
        input={
            **base,
            "plannedStart": "2026-11-20T06:00:00Z",
            "plannedEnd": "2026-11-20T19:00:00Z",
        },
    )
    swapped = await gql(
        PLAN_VISIT,
        input={
            **base,
            "repId": customer["id"],
            "plannedStart": "2026-11-20T09:00:00Z",
            "plannedEnd": "2026-11-20T10:00:00Z",
        },
    )
    # then
    assert backwards["planVisit"]["field"] == "plannedEnd"
    assert too_long["planVisit"]["field"] == "plannedEnd"
    assert swapped["planVisit"] == {
        "__typename": "ValidationError",
        "code": "VALIDATION",
        "field": "repId",
        "message": "repId: expected a Rep id, got a Customer id",
    }
    assert await Visit.count() == 0


async def test_a_rep_cannot_be_in_two_places_at_once(gql, setting):
    """Tests that overlapping visits of one rep are a conflict, and cancelled ones free it."""
    # given
    customer, rep = setting
    first = await make_visit(gql, customer, rep)
    overlapping = {
        "customerId": customer["id"],
        "repId": rep["id"],
        "purpose": "DEMO",
        "plannedStart": "2026-11-20T09:30:00Z",
        "plannedEnd": "2026-11-20T11:00:00Z",
    }
    # when
    clash = await gql(PLAN_VISIT, input=overlapping)
    await run(gql, CANCEL, id=first["id"], reason="Customer ill")
    after_cancel = await gql(PLAN_VISIT, input=overlapping)
    # then
    assert clash["planVisit"]["__typename"] == "ConflictError"
    assert clash["planVisit"]["field"] == "plannedStart"
    assert after_cancel["planVisit"]["__typename"] == "VisitPayload"


async def test_reschedule_moves_the_visit_and_plans_it_again(gql, setting):
    """Tests that a confirmed visit rescheduled is planned at its new time."""
    # given
    customer, rep = setting
    visit = await make_visit(gql, customer, rep)
    await run(gql, CONFIRM, id=visit["id"])
    # when
    moved = await run(
        gql,
        RESCHEDULE,
        id=visit["id"],
        plannedStart="2026-11-21T13:00:00+01:00",
        plannedEnd="2026-11-21T14:00:00+01:00",
    )
    # then
    assert moved["visit"]["status"] == "PLANNED"
    assert moved["visit"]["plannedStart"] == "2026-11-21T12:00:00.000Z"


@pytest.mark.parametrize(
    ("steps", "document", "extra", "current"),
    [
        ([], CHECK_OUT, {}, "planned"),
        ([], OUTCOME, {"result": 5}, "planned"),
        (["cancel"], CONFIRM, {}, "cancelled"),
        (["cancel"], CHECK_IN, {}, "cancelled"),
        (["checkin"], CANCEL, {"reason": "late"}, "checked_in"),
        (
            ["checkin"],
            RESCHEDULE,
            {
                "plannedStart": "2026-11-22T09:00:00Z",
                "plannedEnd": "2026-11-22T10:00:00Z",
            },
            "checked_in",
        ),
        (["missed"], CHECK_IN, {}, "missed"),
    ],
)
async def test_steps_out_of_order_are_refused(
    gql, setting, steps, document, extra, current
):
    """Tests that the lifecycle refuses steps its current status does not allow."""
    # given
    customer, rep = setting
    visit = await make_visit(gql, customer, rep)
    actions = {
        "cancel": (CANCEL, {"reason": "x"}),
        "checkin": (CHECK_IN, {}),
        "missed": (MISSED, {}),
    }
    for step in steps:
        doc, args = actions[step]
        await run(gql, doc, id=visit["id"], **args)
    before = (await Visit.find_one()).model_dump()
    # when
    result = await run(gql, document, id=visit["id"], **extra)
    # then
    assert result["__typename"] == "InvalidTransitionError", result
    assert result["currentStatus"] == current
    assert (await Visit.find_one()).model_dump() == before


async def test_cancel_needs_a_reason(gql, setting):
    """Tests that a blank cancellation reason is refused."""
    # given
    customer, rep = setting
    visit = await make_visit(gql, customer, rep)
    # when
    result = await run(gql, CANCEL, id=visit["id"], reason="   ")
    # then
    assert result["field"] == "reason"
    assert (await Visit.find_one()).status == "planned"


async def test_check_out_before_check_in_time_is_refused(gql, setting):
    """Tests that a check-out earlier than the check-in is refused."""
    # given
    customer, rep = setting
    visit = await make_visit(gql, customer, rep)
    await run(gql, CHECK_IN, id=visit["id"], at="2026-11-20T09:05:00Z")
    # when
    result = await run(gql, CHECK_OUT, id=visit["id"], at="2026-11-20T09:00:00Z")
    # then
    assert result["__typename"] == "ValidationError"
    assert (await Visit.find_one()).status == "checked_in"


async def test_outcome_result_must_be_on_the_scale_and_follow_ups_valid(gql, setting):
    """Tests that a bad result or follow-up writes neither outcome nor demands."""
    # given
    customer, rep = setting
    visit = await make_visit(gql, customer, rep)
    await run(gql, CHECK_IN, id=visit["id"], at="2026-11-20T09:05:00Z")
    await run(gql, CHECK_OUT, id=visit["id"], at="2026-11-20T09:35:00Z")
    # when
    too_high = await run(gql, OUTCOME, id=visit["id"], result=11)
    bad_follow_up = await run(
        gql,
        OUTCOME,
        id=visit["id"],
        result=5,
        followUps=[
            {"type": "TRAINING", "title": "ok"},
            {"type": "TRAINING", "title": ""},
        ],
    )
    # then
    assert too_high["field"] == "result"
    assert bad_follow_up["field"].startswith("followUps")
    assert (await Visit.find_one()).outcome is None
    assert await Demand.count() == 0


VISITS = """
query($filter: VisitFilterInput, $orderBy: VisitOrder) {
  visits(filter: $filter, orderBy: $orderBy) { totalCount nodes { plannedStart rep { name } } }
}
"""


async def test_visits_filter_by_rep_and_day(gql, setting):
    """Tests a rep's day: visits of that rep within the day, in time order."""
    # given
    customer, rep = setting
    other = await make_rep(gql, "other@example.com")
    await make_visit(gql, customer, rep, "2026-11-20T13:00:00Z", "2026-11-20T14:00:00Z")
    await make_visit(gql, customer, rep, "2026-11-20T08:00:00Z", "2026-11-20T09:00:00Z")
    await make_visit(gql, customer, rep, "2026-11-21T08:00:00Z", "2026-11-21T09:00:00Z")
    await make_visit(
        gql, customer, other, "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"
    )
    # when
    data = await gql(
        VISITS,
        filter={
            "repIds": [rep["id"]],
            "startsAfter": "2026-11-20T00:00:00Z",
            "startsBefore": "2026-11-21T00:00:00Z",
        },
    )
    last = await gql(
        "query($id: ID!) { customer(id: $id) { lastVisits(last: 2) { plannedStart } } }",
        id=customer["id"],
    )
    # then
    assert [v["plannedStart"] for v in data["visits"]["nodes"]] == [
        "2026-11-20T08:00:00.000Z",
        "2026-11-20T13:00:00.000Z",
    ]
    assert [v["plannedStart"] for v in last["customer"]["lastVisits"]] == [
        "2026-11-21T08:00:00.000Z",
        "2026-11-20T13:00:00.000Z",
    ]
