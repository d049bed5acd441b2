"""Rep breaks: plan JSON, the checker, exact schedules and solving."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from planner import (
    Plan,
    Route,
    RouteBreak,
    Stop,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
)


def lunch_plan() -> Plan:
    """r1 serves a (5-7), lunches 7-17, then serves b (arrive 22, start 25)."""
    route = Route(
        rep="r1",
        shift=0,
        depart=0.0,
        return_=36.0,
        stops=(Stop("a", 5.0, 5.0, 7.0), Stop("b", 22.0, 25.0, 26.0)),
        breaks=(RouteBreak(0, 7.0, 17.0),),
    )
    return Plan("base", 10.0, 10.0, 20.0, (route,), ())


def test_route_breaks_round_trip_through_plan_json() -> None:
    plan = lunch_plan()
    out = plan_to_dict(plan)
    assert out["routes"][0]["breaks"] == [{"break": 0, "start": 7.0, "end": 17.0}]
    back = plan_from_dict(out)
    assert back == plan
    assert back.routes[0].breaks[0].break_index == 0


def test_route_without_breaks_writes_no_breaks_field() -> None:
    plan = lunch_plan()
    plan = dataclasses.replace(
        plan, routes=(dataclasses.replace(plan.routes[0], breaks=()),)
    )
    out = plan_to_dict(plan)
    assert "breaks" not in out["routes"][0]
    assert plan_from_dict(out).routes[0].breaks == ()


@pytest.mark.parametrize(
    ("brk", "message"),
    [
        ({"start": 7, "end": 17}, r"routes\[0\]\.breaks\[0\]\.break: missing"),
        ({"break": "0", "start": 7, "end": 17}, r"routes\[0\]\.breaks\[0\]\.break"),
        ({"break": 0, "start": None, "end": 17}, r"routes\[0\]\.breaks\[0\]\.start"),
    ],
)
def test_malformed_route_break_is_named(brk: dict[str, Any], message: str) -> None:
    out = plan_to_dict(lunch_plan())
    out["routes"][0]["breaks"] = [brk]
    with pytest.raises(ValueError, match=message):
        plan_from_dict(out)


def test_solve_rejects_breaks_until_supported(base: dict[str, Any]) -> None:
    from planner import solve

    base["reps"][0]["breaks"] = [{"earliest": 5, "latest": 20, "duration": 10}]
    with pytest.raises(ValueError, match="breaks"):
        solve(problem_from_dict(base), time_limit=1)
