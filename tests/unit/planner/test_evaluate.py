"""The checker on small hand-computed plans."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from planner import (
    Plan,
    Route,
    Stop,
    dump_plan,
    evaluate,
    load_plan,
    plan_to_dict,
    problem_from_dict,
)
from planner.evaluate import schedule_route


def good_plan(**changes: Any) -> Plan:
    """r1 serves a (arrive 5, start 5, end 7) then b (arrive 12, start 20, end 21),
    back at 31: travel 5 + 5 + 10 = 20, value 7 + 3 = 10."""
    route = Route(
        rep="r1",
        shift=0,
        depart=0.0,
        return_=31.0,
        stops=(Stop("a", 5.0, 5.0, 7.0), Stop("b", 12.0, 20.0, 21.0)),
    )
    plan = Plan(
        problem="base",
        objective=10.0,
        value=10.0,
        travel=20.0,
        routes=(route,),
        unserved=(),
    )
    return dataclasses.replace(plan, **changes)


def with_route(**changes: Any) -> Plan:
    plan = good_plan()
    return dataclasses.replace(
        plan, routes=(dataclasses.replace(plan.routes[0], **changes),)
    )


def test_good_plan_is_feasible_and_recomputed(base: dict[str, Any]) -> None:
    ev = evaluate(problem_from_dict(base), good_plan())
    assert ev.ok
    assert ev.feasible
    assert ev.violations == ()
    assert ev.misreported == ()
    assert (ev.objective, ev.value, ev.travel) == (10.0, 10.0, 20.0)


def test_travel_cost_enters_objective(base: dict[str, Any]) -> None:
    base["travel_cost"] = 0.5
    problem = problem_from_dict(base)
    ev = evaluate(problem, good_plan())
    assert ev.objective == pytest.approx(0.0)
    assert not ev.ok
    assert "objective reported as 10" in ev.misreported[0]
    assert evaluate(problem, good_plan(objective=0.0)).ok


def test_late_return(base: dict[str, Any]) -> None:
    base["reps"][0]["shifts"] = [[0, 30]]
    ev = evaluate(problem_from_dict(base), good_plan())
    assert not ev.feasible
    assert any("after the shift closes at 30" in v for v in ev.violations)


def test_return_before_possible(base: dict[str, Any]) -> None:
    ev = evaluate(problem_from_dict(base), with_route(return_=25.0))
    assert any("cannot be back before 31" in v for v in ev.violations)


def test_start_outside_window(base: dict[str, Any]) -> None:
    stops = (Stop("a", 5.0, 5.0, 7.0), Stop("b", 12.0, 12.0, 13.0))
    ev = evaluate(problem_from_dict(base), with_route(stops=stops, return_=23.0))
    assert not ev.feasible
    assert any("starts at 12, outside every window of b" in v for v in ev.violations)


def test_depart_before_shift_and_wrong_arrival(base: dict[str, Any]) -> None:
    base["reps"][0]["shifts"] = [[1, 100]]
    ev = evaluate(problem_from_dict(base), good_plan())
    assert any("before the shift opens at 1" in v for v in ev.violations)
    assert not any("arrives" in v for v in ev.violations)
    stops = (Stop("a", 4.0, 5.0, 7.0), Stop("b", 12.0, 20.0, 21.0))
    ev = evaluate(problem_from_dict(base), with_route(depart=1.0, stops=stops))
    assert any("arrives at 4 but travel gives 6" in v for v in ev.violations)


def test_wrong_rep(base: dict[str, Any]) -> None:
    ev = evaluate(problem_from_dict(base), with_route(rep="r2"))
    assert not ev.feasible
    assert any("rep r2 is not allowed to serve visit b" in v for v in ev.violations)


def test_duplicate_visit(base: dict[str, Any]) -> None:
    other = Route("r2", 0, 0.0, 12.0, (Stop("a", 5.0, 5.0, 7.0),))
    plan = good_plan(
        routes=(good_plan().routes[0], other), value=17.0, objective=17.0, travel=30.0
    )
    ev = evaluate(problem_from_dict(base), plan)
    assert any("visit a is served more than once" in v for v in ev.violations)
    assert not ev.misreported


def test_unknown_rep_shift_and_visit(base: dict[str, Any]) -> None:
    problem = problem_from_dict(base)
    assert "unknown rep 'r9'" in evaluate(problem, with_route(rep="r9")).violations[0]
    assert "has no shift 3" in evaluate(problem, with_route(shift=3)).violations[0]
    stops = (Stop("zz", 5.0, 5.0, 7.0),)
    assert any(
        "unknown visit" in v
        for v in evaluate(problem, with_route(stops=stops)).violations
    )


def test_misreported_numbers_and_lists(base: dict[str, Any]) -> None:
    problem = problem_from_dict(base)
    ev = evaluate(problem, good_plan(objective=11.0, travel=19.0))
    assert ev.feasible
    assert not ev.ok
    assert {m.split(" ")[0] for m in ev.misreported} == {"objective", "travel"}
    ev = evaluate(problem, good_plan(unserved=("a",)))
    assert ev.misreported == ("visit a is served but listed as unserved",)
    ev = evaluate(problem, good_plan(routes=(), objective=0.0, value=0.0, travel=0.0))
    assert "visit a is neither served nor listed as unserved" in ev.misreported


def test_tiny_rounding_is_tolerated(base: dict[str, Any]) -> None:
    plan = good_plan(objective=10.0 + 1e-9, travel=20.0 * (1 + 1e-8))
    assert evaluate(problem_from_dict(base), plan).ok


def test_required_visit_missing(base: dict[str, Any]) -> None:
    base["visits"][0]["required"] = True
    plan = Plan("base", 0.0, 0.0, 0.0, (), ("a", "b"))
    ev = evaluate(problem_from_dict(base), plan)
    assert ev.violations == ("required visit a is not served",)


def test_schedule_route_waits_and_departs_late(base: dict[str, Any]) -> None:
    problem = problem_from_dict(base)
    rep = problem.reps[0]
    sched = schedule_route(problem, rep, 0, [0, 1], depart_late=False)
    assert sched is not None
    assert sched.stops == ((5.0, 5.0, 7.0), (12.0, 20.0, 21.0))
    assert (sched.return_, sched.travel) == (31.0, 20.0)
    late = schedule_route(problem, rep, 0, [1])
    assert late is not None
    assert late.depart == 10.0
    assert late.stops[0] == (20.0, 20.0, 21.0)
    base["reps"][0]["shifts"] = [[0, 30]]
    short = problem_from_dict(base)
    assert schedule_route(short, short.reps[0], 0, [0, 1]) is None


def test_plan_json_round_trip(tmp_path) -> None:
    plan = good_plan(reasons=(("a", "served: value 7"),), infeasible_required=("c",))
    path = tmp_path / "plan.json"
    dump_plan(plan, path)
    assert load_plan(path) == plan
    data = plan_to_dict(plan)
    assert data["routes"][0]["return"] == 31.0
    assert set(data) >= {
        "version",
        "problem",
        "objective",
        "value",
        "travel",
        "routes",
        "unserved",
    }
    del data["routes"][0]["stops"][1]["start"]
    with pytest.raises(ValueError, match=r"routes\[0\]\.stops\[1\]\.start: missing"):
        load_plan(data)
