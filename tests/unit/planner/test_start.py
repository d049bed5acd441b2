"""Tests of starting the search from cheapest insertion."""

from __future__ import annotations

import importlib
import itertools
import random
from typing import Any

import pytest

from planner import evaluate, problem_from_dict, solve
from planner.backends import pyvrp as backend
from planner.backends import start

solve_module = importlib.import_module("planner.solve")


def _week(n: int, seed: int = 3) -> dict[str, Any]:
    """Three reps over three days; visits open on one to three days each, so
    that most have several windows (several PyVRP clients)."""
    rng = random.Random(seed)
    day = 1440
    reps = [
        {
            "id": f"r{r}",
            "start": [0, 0],
            "end": [0, 0],
            "shifts": [[d * day + 480, d * day + 1020] for d in range(3)],
        }
        for r in range(3)
    ]
    visits = []
    for i in range(n):
        days = sorted(rng.sample(range(3), rng.randint(1, 3)))
        visits.append(
            {
                "id": f"v{i}",
                "location": [rng.uniform(-60, 60), rng.uniform(-60, 60)],
                "duration": rng.choice([15, 30, 45]),
                "windows": [[d * day + 540, d * day + 960] for d in days],
                "value": rng.choice([1, 2, 5, 10]),
                "required": False,
                "reps": None,
            }
        )
    return {
        "version": 1,
        "name": "week",
        "metric": "euclidean",
        "speed": 1.0,
        "travel_cost": 0.05,
        "reps": reps,
        "visits": visits,
    }


def test_insertion_routes_become_the_same_feasible_pyvrp_solution() -> None:
    """Tests that routes found by insertion convert to a feasible PyVRP solution
    that serves the same visits in the same order on the same routes."""
    # given
    problem = problem_from_dict(_week(80))
    model, _ = solve_module.analyse(problem)
    routes: dict[int, list[int]] = {}
    solve_module.polish(problem, model, routes, float("inf"))
    wanted = sorted((k, vs) for k, vs in routes.items() if vs)
    assert sum(len(vs) for _, vs in wanted) > 40
    settings = backend.settings_for(problem, model)
    built = backend.build(problem, model, settings.time_scale)
    # when
    sol = start.solution(problem, built, wanted)
    # then
    assert sol.is_feasible()
    assert sorted(backend._routes(built, sol)) == wanted


def test_large_problems_start_from_insertion_and_keep_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tests that with the insertion start the plan is at least as good as the
    insertion alone, and that below the size threshold the search starts empty."""
    # given
    problem = problem_from_dict(_week(80))
    model, _ = solve_module.analyse(problem)
    routes: dict[int, list[int]] = {}
    solve_module.polish(problem, model, routes, float("inf"))
    inserted = solve_module._score(problem, model, list(routes.items()))[1]
    starts: list[Any] = []
    real_run = backend.run

    def run(*args: Any, **kwargs: Any) -> Any:
        starts.append(kwargs.get("start"))
        return real_run(*args, **kwargs)

    monkeypatch.setattr(backend, "run", run)
    # when
    solve(problem, time_limit=60, workers=1, max_iterations=5)
    monkeypatch.setattr(solve_module, "WARM_START_MIN_CANDIDATES", 50)
    warm = solve(problem, time_limit=60, workers=1, max_iterations=5)
    # then
    assert starts[0] is None
    assert starts[1] == sorted((k, vs) for k, vs in routes.items() if vs)
    assert evaluate(problem, warm).ok
    assert warm.objective >= inserted - 1e-6


def test_the_insertion_start_reports_progress_as_it_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tests that a large problem's first plans reach ``on_progress`` while the
    insertion is still running, each better than the one before."""
    # given
    problem = problem_from_dict(_week(80))
    monkeypatch.setattr(solve_module, "WARM_START_MIN_CANDIDATES", 50)
    monkeypatch.setattr(solve_module, "PROGRESS_EVERY", 0.0)
    monkeypatch.setattr(backend, "run", lambda *a, **k: [])
    seen: list[float] = []
    # when
    plan = solve(
        problem,
        time_limit=60,
        workers=1,
        max_iterations=1,
        on_progress=lambda objective, _: seen.append(objective),
    )
    # then
    assert len(seen) > 20  # one per insertion, before any search
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(seen))
    assert seen[-1] == pytest.approx(plan.objective)
