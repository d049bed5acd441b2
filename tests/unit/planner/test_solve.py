"""The solver on tiny problems whose best plan is known by hand."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from planner import (
    Infeasible,
    Plan,
    Problem,
    evaluate,
    load_problem,
    problem_from_dict,
    solve,
)
from planner.finish import NOT_FITTED
from planner.plan import LOWER_VALUE, NO_WINDOW, NOT_ALLOWED
from planner.solve import _rebuild, analyse
from tests.unit.planner.conftest import DATA

ROOT = Path(__file__).resolve().parents[3]


def plan_for(name: str, **kwargs) -> tuple[Problem, Plan]:
    problem = load_problem(DATA / f"{name}.json")
    options = {"time_limit": 20.0, "seed": 3, "max_iterations": 300, "workers": 1}
    options.update(kwargs)
    plan = solve(problem, **options)
    ev = evaluate(problem, plan)
    assert not ev.misreported, ev.misreported
    return problem, plan


def served(plan: Plan) -> dict[str, tuple[str, int]]:
    return {s.visit: (r.rep, r.shift) for r in plan.routes for s in r.stops}


def test_obvious_choice() -> None:
    problem, plan = plan_for("obvious")
    assert set(served(plan)) == {"a", "b", "c", "d"}
    assert plan.unserved == ("far",)
    assert plan.objective == 20.0
    assert plan.travel == pytest.approx(8.0)
    assert plan.reason("far") == LOWER_VALUE
    assert plan.reason("a") == "served: value 5"
    assert evaluate(problem, plan).ok


def test_second_window_is_used() -> None:
    problem, plan = plan_for("windows")
    (stop,) = plan.routes[0].stops
    assert (stop.visit, stop.arrive, stop.start, stop.end) == ("a", 40.0, 40.0, 50.0)
    assert plan.routes[0].depart == 30.0
    assert plan.reason("late") == NO_WINDOW
    assert evaluate(problem, plan).ok


def test_each_shift_is_a_route() -> None:
    problem, plan = plan_for("shifts")
    assert served(plan) == {"day1": ("r1", 0), "day2": ("r1", 1)}
    assert evaluate(problem, plan).ok


def test_rep_restrictions() -> None:
    problem, plan = plan_for("restricted")
    assert served(plan) == {"east_r2": ("r2", 0), "west_any": ("r1", 0)}
    assert plan.reason("east_only_r1") == NOT_ALLOWED
    assert plan.reason("west_only_r2") == NOT_ALLOWED
    assert evaluate(problem, plan).ok


def test_infeasible_required_visits_are_named() -> None:
    problem, plan = plan_for("required")
    assert "req_far" in plan.infeasible_required
    assert len({"req_east", "req_west"} & set(plan.infeasible_required)) == 1
    assert "optional" in served(plan)
    assert len(served(plan)) == 2
    assert not plan.feasible
    assert plan.reason("req_far") == NO_WINDOW
    missed = ({"req_east", "req_west"} & set(plan.infeasible_required)).pop()
    assert plan.reason(missed) == NOT_FITTED
    ev = evaluate(problem, plan)
    assert not ev.feasible
    assert not ev.misreported
    with pytest.raises(Infeasible) as err:
        solve(problem, time_limit=20.0, max_iterations=50, workers=1, strict=True)
    assert "req_far" in err.value.visits
    assert err.value.plan is not None


def test_travel_cost_makes_far_visit_not_worth_it() -> None:
    problem, plan = plan_for("travel_cost")
    assert set(served(plan)) == {"near"}
    assert plan.objective == pytest.approx(8.0)
    assert plan.reason("far") == LOWER_VALUE
    assert evaluate(problem, plan).ok


def test_matrix_metric() -> None:
    problem, plan = plan_for("matrix")
    assert set(served(plan)) == {"x", "y"}
    assert plan.travel == pytest.approx(6.75)
    assert evaluate(problem, plan).ok


def test_haversine_metric() -> None:
    problem, plan = plan_for("haversine")
    assert set(served(plan)) == {"near"}
    assert plan.reason("lyon") == NO_WINDOW
    assert evaluate(problem, plan).ok


def test_progress_is_reported() -> None:
    seen: list[tuple[float, float]] = []
    _, plan = plan_for("obvious", on_progress=lambda obj, sec: seen.append((obj, sec)))
    assert seen
    assert seen[-1][0] == plan.objective
    assert all(sec >= 0 for _, sec in seen)


def test_same_seed_same_plan_with_two_workers() -> None:
    problem = load_problem(DATA / "restricted.json")
    one = solve(problem, time_limit=60.0, seed=5, max_iterations=200, workers=2)
    two = solve(problem, time_limit=60.0, seed=5, max_iterations=200, workers=2)
    assert one.routes == two.routes
    assert one.objective == two.objective == 10.0


def test_bad_time_limit() -> None:
    problem = load_problem(DATA / "obvious.json")
    with pytest.raises(ValueError, match="time_limit"):
        solve(problem, time_limit=0)


def test_planner_imports_no_server_modules() -> None:
    code = (
        "import sys, planner, planner.backends.pyvrp\n"
        "bad = [m for m in ('beanie', 'motor', 'strawberry', 'starlette', 'asyncio')"
        " if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == ""


def test_rebuild_drops_stops_that_exact_times_cannot_serve() -> None:
    problem = load_problem(DATA / "obvious.json")
    model, _ = analyse(problem)
    order = [problem.visit_index(v) for v in ("a", "b", "c", "far", "d")]
    rebuilt = _rebuild(problem, model, [(0, order)])
    kept = [problem.visits[v].id for v in rebuilt[0]]
    assert kept == ["a", "b", "c", "d"]


def test_window_closing_exactly_on_arrival_is_served() -> None:
    # Arrival at sqrt(2) is exactly the window end: integer scaling (travel rounded
    # up, window end rounded down) cannot see it; the exact-time polish does.
    problem = problem_from_dict(
        {
            "version": 1,
            "name": "edge",
            "metric": "euclidean",
            "reps": [{"id": "r", "start": [0, 0], "end": [0, 0], "shifts": [[0, 10]]}],
            "visits": [
                {
                    "id": "edge",
                    "location": [1, 1],
                    "windows": [[0, math.sqrt(2)]],
                    "value": 1,
                },
            ],
        }
    )
    plan = solve(problem, time_limit=20.0, max_iterations=50, workers=1)
    assert [s.visit for r in plan.routes for s in r.stops] == ["edge"]
    assert plan.routes[0].stops[0].start == pytest.approx(math.sqrt(2))
    assert evaluate(problem, plan).ok


def test_nothing_reachable_gives_an_empty_plan() -> None:
    problem = problem_from_dict(
        {
            "version": 1,
            "name": "empty",
            "metric": "euclidean",
            "reps": [{"id": "r", "start": [0, 0], "end": [0, 0], "shifts": [[0, 1]]}],
            "visits": [{"id": "far", "location": [5, 0], "value": 3}],
        }
    )
    plan = solve(problem, time_limit=5.0)
    assert plan.routes == ()
    assert plan.unserved == ("far",)
    assert plan.reason("far") == NO_WINDOW
    assert (plan.objective, plan.value, plan.travel) == (0.0, 0.0, 0.0)
