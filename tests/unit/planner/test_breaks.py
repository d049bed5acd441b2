"""Rep breaks: plan JSON, the checker, exact schedules and solving."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from planner import (
    Plan,
    Problem,
    Route,
    RouteBreak,
    Stop,
    evaluate,
    load_problem,
    plan_from_dict,
    plan_to_dict,
    problem_from_dict,
    problem_to_dict,
    solve,
)
from planner.evaluate import route_from_schedule, schedule_route
from planner.plan import NO_WINDOW_BREAKS
from tests.unit.planner.conftest import DATA

LUNCH = {"earliest": 7, "latest": 17, "duration": 10}


def lunch_plan(**changes: Any) -> Plan:
    """r1 serves a (5-7), lunches there 7-17, drives 5 to b (arrive 22, serve
    22-23) and 10 back (33): travel 20, value 10."""
    route = Route(
        rep="r1",
        shift=0,
        depart=0.0,
        return_=33.0,
        stops=(Stop("a", 5.0, 5.0, 7.0), Stop("b", 22.0, 22.0, 23.0)),
        breaks=(RouteBreak(0, 7.0, 17.0),),
    )
    route = dataclasses.replace(route, **changes)
    return Plan("base", 10.0, 10.0, 20.0, (route,), ())


def with_lunch(base: dict[str, Any], brk: dict[str, Any] = LUNCH) -> Problem:
    base["reps"][0]["breaks"] = [brk]
    return problem_from_dict(base)


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


def assert_checks(problem: Problem, visits: list[int]) -> None:
    """Asserts that the one-route plan of ``visits`` (rep r1) passes the checker."""
    rep = problem.reps[0]
    sched = schedule_route(problem, rep, 0, visits)
    assert sched is not None
    route = route_from_schedule(problem, rep, 0, visits, sched)
    value = sum(problem.visits[v].value for v in visits)
    unserved = tuple(v.id for i, v in enumerate(problem.visits) if i not in visits)
    plan = Plan("base", value, value, sched.travel, (route,), unserved)
    ev = evaluate(problem, plan)
    assert ev.ok, ev.violations


def test_schedule_places_a_fixed_break_after_a_service(base: dict[str, Any]) -> None:
    problem = with_lunch(base)
    sched = schedule_route(problem, problem.reps[0], 0, [0, 1])
    assert sched is not None
    route = route_from_schedule(problem, problem.reps[0], 0, [0, 1], sched)
    assert route == lunch_plan().routes[0]
    assert evaluate(problem, lunch_plan()).ok


def test_schedule_without_breaks_is_unchanged(base: dict[str, Any]) -> None:
    problem = problem_from_dict(base)
    sched = schedule_route(problem, problem.reps[0], 0, [0, 1])
    assert sched is not None
    assert sched.breaks == ()
    assert (sched.stops, sched.return_) == (((5, 5, 7), (12, 20, 21)), 31)


def test_missing_needed_break_is_a_violation(base: dict[str, Any]) -> None:
    plan = lunch_plan(
        breaks=(),
        return_=31.0,
        stops=(Stop("a", 5.0, 5.0, 7.0), Stop("b", 12.0, 20.0, 21.0)),
    )
    assert evaluate(problem_from_dict(base), plan).ok
    ev = evaluate(with_lunch(base), plan)
    assert not ev.feasible
    assert ev.violations == (
        "route 0 (r1, shift 0): break 0 (10 within 7-17) is needed but not taken",
    )


def test_travel_overlapping_a_break_is_a_violation(base: dict[str, Any]) -> None:
    plan = lunch_plan(
        return_=31.0,
        stops=(Stop("a", 5.0, 5.0, 7.0), Stop("b", 12.0, 20.0, 21.0)),
    )
    ev = evaluate(with_lunch(base), plan)
    assert any("break 0: 7-17 overlaps travel" in v for v in ev.violations)


def test_service_overlapping_a_break_is_a_violation(base: dict[str, Any]) -> None:
    plan = lunch_plan(breaks=(RouteBreak(0, 4.0, 14.0),))
    ev = evaluate(with_lunch(base, {"earliest": 0, "latest": 20, "duration": 10}), plan)
    assert any("break 0: 4-14 overlaps travel, service" in v for v in ev.violations)


def test_break_outside_its_window_or_too_short(base: dict[str, Any]) -> None:
    problem = with_lunch(base)
    late = lunch_plan(
        breaks=(RouteBreak(0, 8.0, 18.0),),
        return_=34.0,
        stops=(Stop("a", 5.0, 5.0, 7.0), Stop("b", 23.0, 23.0, 24.0)),
    )
    assert any(
        "8-18 is outside its window 7-17" in v
        for v in evaluate(problem, late).violations
    )
    short = lunch_plan(breaks=(RouteBreak(0, 7.0, 12.0),))
    assert any(
        "lasts 5, shorter than 10" in v for v in evaluate(problem, short).violations
    )
    unknown = lunch_plan(breaks=(RouteBreak(3, 7.0, 17.0),))
    assert any(
        "rep r1 has no break 3" in v for v in evaluate(problem, unknown).violations
    )


def test_late_arrival_needs_a_break_in_between(base: dict[str, Any]) -> None:
    problem = problem_from_dict(base)
    plan = lunch_plan(breaks=())
    ev = evaluate(problem, plan)
    assert any("arrives at 22 but travel gives 12" in v for v in ev.violations)


def test_route_ending_before_the_window_needs_no_break(base: dict[str, Any]) -> None:
    problem = with_lunch(base, {"earliest": 50, "latest": 90, "duration": 10})
    sched = schedule_route(problem, problem.reps[0], 0, [0])
    assert sched is not None
    assert sched.breaks == ()
    assert sched.return_ == 12
    route = route_from_schedule(problem, problem.reps[0], 0, [0], sched)
    plan = Plan("base", 7.0, 7.0, 10.0, (route,), ("b",))
    assert evaluate(problem, plan).ok


def test_flexible_break_taken_while_waiting_for_a_window(
    base: dict[str, Any],
) -> None:
    problem = with_lunch(base, {"earliest": 10, "latest": 35, "duration": 8})
    sched = schedule_route(problem, problem.reps[0], 0, [0, 1])
    assert sched is not None
    # a ends at 7, b is reached at 12 and opens at 20: the break fits the wait.
    assert sched.breaks == ((0, 12.0, 20.0),)
    assert sched.stops[1] == (12.0, 20.0, 21.0)
    assert sched.return_ == 31.0
    assert_checks(problem, [0, 1])


def test_break_before_the_first_stop_is_taken_before_leaving(
    base: dict[str, Any],
) -> None:
    base["visits"][1]["windows"] = [[60, 70]]
    problem = with_lunch(base, {"earliest": 30, "latest": 55, "duration": 20})
    sched = schedule_route(problem, problem.reps[0], 0, [1])
    assert sched is not None
    assert sched.breaks == ((0, 30.0, 50.0),)
    assert (sched.depart, sched.stops) == (50.0, ((60.0, 60.0, 61.0),))
    assert_checks(problem, [1])
    # A fixed break that does not fit before leaving is taken on arrival.
    problem = with_lunch(base, {"earliest": 30, "latest": 55, "duration": 25})
    sched = schedule_route(problem, problem.reps[0], 0, [1])
    assert sched is not None
    assert sched.breaks == ((0, 30.0, 55.0),)
    assert (sched.depart, sched.stops) == (20.0, ((30.0, 60.0, 61.0),))
    assert_checks(problem, [1])


def test_no_placement_of_the_break_fits(base: dict[str, Any]) -> None:
    base["visits"][1]["windows"] = [[10, 12]]
    problem = with_lunch(base, {"earliest": 0, "latest": 12, "duration": 12})
    assert schedule_route(problem, problem.reps[0], 0, [1]) is None


def day_problem(brk: dict[str, Any], n: int = 24) -> dict[str, Any]:
    """Two reps working 08:00-17:00 (minutes) around one point, and ``n`` half-hour
    visits spread over the day, every third with a two-hour window."""
    visits = []
    for i in range(n):
        x, y = (i * 7) % 23, (i * 11) % 19
        visit: dict[str, Any] = {
            "id": f"v{i}",
            "location": [x, y],
            "duration": 30,
            "value": 1 + i % 5,
        }
        if i % 3 == 0:
            a = 480 + (i * 37) % 420
            visit["windows"] = [[a, a + 120]]
        visits.append(visit)
    reps = [
        {"id": r, "start": [10, 10], "end": [10, 10], "shifts": [[480, 1020]]}
        for r in ("r1", "r2")
    ]
    reps[0]["breaks"] = [brk]
    return {
        "version": 1,
        "name": "day",
        "metric": "euclidean",
        "speed": 0.5,
        "reps": reps,
        "visits": visits,
    }


def busy_intervals(problem: Problem, route: Route) -> list[tuple[float, float]]:
    """Travel legs (ending on arrival) and services of a route."""
    rep = problem.reps[problem.rep_index(route.rep)]  # type: ignore[index]
    out, here = [], rep.start
    for stop in route.stops:
        v = problem.visits[problem.visit_index(stop.visit)]  # type: ignore[index]
        d = problem.travel(here, v.location)
        out += [(stop.arrive - d, stop.arrive), (stop.start, stop.end)]
        here = v.location
    d = problem.travel(here, rep.end)
    return [*out, (route.return_ - d, route.return_)]


def test_fixed_lunch_keeps_the_rep_idle_from_noon_to_one() -> None:
    problem = problem_from_dict(
        day_problem({"earliest": 720, "latest": 780, "duration": 60})
    )
    plan = solve(problem, time_limit=2, seed=1, max_iterations=300)
    ev = evaluate(problem, plan)
    assert ev.ok, ev.violations
    (route,) = [r for r in plan.routes if r.rep == "r1"]
    assert len(route.stops) > 4
    assert route.breaks == (RouteBreak(0, 720.0, 780.0),)
    for a, b in busy_intervals(problem, route):
        assert b <= 720 + 1e-9 or a >= 780 - 1e-9, (a, b)
    # The other rep has no break and works through noon.
    (other,) = [r for r in plan.routes if r.rep == "r2"]
    assert other.breaks == ()
    assert any(a < 780 and b > 720 for a, b in busy_intervals(problem, other))


def test_flexible_break_appears_in_the_plan() -> None:
    problem = problem_from_dict(
        day_problem({"earliest": 720, "latest": 840, "duration": 30})
    )
    plan = solve(problem, time_limit=2, seed=1, max_iterations=300)
    assert evaluate(problem, plan).ok
    (route,) = [r for r in plan.routes if r.rep == "r1"]
    (brk,) = route.breaks
    assert brk.start >= 720
    assert brk.end <= 840
    assert brk.end - brk.start == pytest.approx(30)
    for a, b in busy_intervals(problem, route):
        assert b <= brk.start + 1e-9 or a >= brk.end - 1e-9, (a, b)


def test_route_ending_before_lunch_carries_no_break() -> None:
    data = day_problem({"earliest": 720, "latest": 780, "duration": 60}, n=3)
    for v in data["visits"]:
        v["windows"] = [[480, 540]]
    data["reps"] = data["reps"][:1]
    problem = problem_from_dict(data)
    plan = solve(problem, time_limit=2, seed=1, max_iterations=100)
    assert evaluate(problem, plan).ok
    (route,) = plan.routes
    assert route.return_ < 720
    assert route.breaks == ()


def test_visit_that_only_fits_across_a_break_gets_a_reason() -> None:
    data = day_problem({"earliest": 720, "latest": 780, "duration": 60}, n=2)
    data["reps"] = data["reps"][:1]
    data["visits"][1]["windows"] = [[725, 750]]
    problem = problem_from_dict(data)
    plan = solve(problem, time_limit=2, seed=1, max_iterations=100)
    assert plan.unserved == ("v1",)
    assert plan.reason("v1") == NO_WINDOW_BREAKS
    assert evaluate(problem, plan).ok


def test_required_visit_after_lunch_is_planned_around_it() -> None:
    data = day_problem({"earliest": 720, "latest": 780, "duration": 60}, n=4)
    data["reps"] = data["reps"][:1]
    data["visits"][0].update(windows=[[700, 800]], required=True)
    problem = problem_from_dict(data)
    plan = solve(problem, time_limit=2, seed=1, max_iterations=100, strict=True)
    assert evaluate(problem, plan).ok
    stop = next(s for r in plan.routes for s in r.stops if s.visit == "v0")
    assert 780 <= stop.start <= 800


def test_problems_without_breaks_plan_as_before() -> None:
    """Tests that a problem plans the same with and without empty break lists."""
    problem = load_problem(DATA / "windows.json")
    plan = solve(problem, time_limit=5, seed=3, max_iterations=200, workers=1)
    data = plan_to_dict(plan)
    assert all("breaks" not in r for r in data["routes"])
    raw = problem_to_dict(problem)
    for rep in raw["reps"]:
        rep["breaks"] = []
    again = solve(
        problem_from_dict(raw), time_limit=5, seed=3, max_iterations=200, workers=1
    )
    assert again.routes == plan.routes
