"""planVisits and replanDay keep confirmed and pinned visits at their exact time."""

from __future__ import annotations

from datetime import datetime

from resolvers.plans import replan
from tests.integration.test_plan_mutations import PLAN
from tests.integration.test_replan_day import NOW, add_visit, at

REPLAN = """
mutation Replan($input: ReplanDayInput!) {
  replanDay(input: $input) {
    __typename
    ... on VisitPlanPayload { plan {
      changes { kind before after movedMinutes visit { id } }
      routes { stops { start fixed visit { id } } }
      infeasibleVisits { id } } }
    ... on Error { code field message }
  }
}
"""


def fixed_starts(plan: dict) -> dict[str, datetime]:
    """The start of each fixed stop, by visit id."""
    return {
        s["visit"]["id"]: datetime.fromisoformat(s["start"])
        for r in plan["routes"]
        for s in r["stops"]
        if s["fixed"]
    }


async def test_replanning_keeps_confirmed_and_pinned_visits_exactly(
    gql, team, monkeypatch
):
    """Tests that a cancellation frees time but agreed and pinned visits stay put."""
    # given
    monkeypatch.setattr(replan, "utc_now", lambda: NOW)
    rep, customers = team
    await add_visit(rep["id"], customers[0], at(10), "cancelled", cancel_reason="ill")
    confirmed = await add_visit(rep["id"], customers[1], at(10, 21), "confirmed")
    pinned = await add_visit(rep["id"], customers[2], at(14, 7), "planned", pinned=True)
    await add_visit(rep["id"], customers[3], at(15, 30), "planned")
    # when
    data = await gql(
        REPLAN, input={"repId": rep["id"], "day": "2031-03-03", "timeLimitSeconds": 1}
    )
    # then
    result = data["replanDay"]
    assert result["__typename"] == "VisitPlanPayload", result
    plan = result["plan"]
    starts = {k.split(":")[-1]: v for k, v in fixed_starts(plan).items()}
    assert len(starts) == 2
    assert sorted(starts.values()) == [at(10, 21), at(14, 7)]
    changed = {c["visit"]["id"] for c in plan["changes"] if c["visit"]}
    assert len(changed) == 1  # only the unpinned planned visit may move
    assert plan["infeasibleVisits"] == []
    assert {str(confirmed.id), str(pinned.id)}.isdisjoint(
        c["visit"]["id"] for c in plan["changes"] if c["visit"]
    )


async def test_a_moved_visit_says_by_how_much(gql, team, monkeypatch):
    """Tests that a kept or moved open visit reports the shift of its start."""
    # given
    monkeypatch.setattr(replan, "utc_now", lambda: NOW)
    rep, customers = team
    await add_visit(rep["id"], customers[1], at(16, 10), "planned")
    # when
    data = await gql(
        REPLAN, input={"repId": rep["id"], "day": "2031-03-03", "timeLimitSeconds": 1}
    )
    # then
    plan = data["replanDay"]["plan"]
    change = next(c for c in plan["changes"] if c["visit"])
    assert change["kind"] in {"KEPT", "MOVED"}
    before = datetime.fromisoformat(change["before"])
    after = datetime.fromisoformat(change["after"])
    assert change["movedMinutes"] == round((after - before).total_seconds() / 60, 2)
    assert (change["kind"] == "MOVED") == (abs(change["movedMinutes"]) >= 1)


async def test_planning_keeps_confirmed_and_pinned_visits_exactly(gql, team):
    """Tests that planVisits plans around agreed and pinned visits, never moving them."""
    # given
    rep, customers = team
    monday = "2031-03-03"
    await add_visit(rep["id"], customers[1], at(10, 21), "confirmed")
    await add_visit(rep["id"], customers[2], at(13, 7), "planned", pinned=True)
    # when
    data = await gql(
        PLAN,
        input={
            "repIds": [rep["id"]],
            "firstDay": monday,
            "lastDay": monday,
            "timeLimitSeconds": 1,
        },
    )
    # then
    result = data["planVisits"]
    assert result["__typename"] == "VisitPlanPayload", result
    stops = [s for r in result["plan"]["routes"] for s in r["stops"] if s["fixed"]]
    assert sorted(datetime.fromisoformat(s["start"]) for s in stops) == [
        at(10, 21),
        at(13, 7),
    ]
    assert len(stops) == 2
