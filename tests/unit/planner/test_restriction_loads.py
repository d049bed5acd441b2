"""Rep restrictions as load dimensions, used when a profile per restriction
pattern would take too much memory."""

from __future__ import annotations

import pytest

from planner import evaluate, problem_from_dict, solve
from planner.backends import model as backend_model
from planner.backends.pyvrp import TRAVEL_TIME_SCALE, build
from planner.problem import Problem
from planner.solve import analyse


def _problem() -> Problem:
    """Two teams at one depot; each team's visits pay, and rep r3 may serve
    anything. Reps would gladly take the other team's visits."""
    reps = [
        {"id": rid, "start": [0, 0], "end": [0, 0], "shifts": [[0, 40]]}
        for rid in ("r1", "r2", "r3")
    ]
    visits = []
    for i in range(6):
        visits.append(
            {
                "id": f"a{i}",
                "location": [3 + i, 0],
                "duration": 6,
                "windows": [],
                "value": 10 + i,
                "required": False,
                "reps": ["r1", "r3"],
            }
        )
        visits.append(
            {
                "id": f"b{i}",
                "location": [0, 3 + i],
                "duration": 6,
                "windows": [],
                "value": 10 + i,
                "required": False,
                "reps": ["r2", "r3"],
            }
        )
    return problem_from_dict(
        {
            "version": 1,
            "name": "teams",
            "metric": "euclidean",
            "speed": 1.0,
            "travel_cost": 0.1,
            "reps": reps,
            "visits": visits,
        }
    )


def test_small_matrices_keep_a_profile_per_pattern() -> None:
    problem = _problem()
    model, _ = analyse(problem)
    data = build(problem, model, TRAVEL_TIME_SCALE).data
    assert data.num_profiles == 3
    assert data.num_load_dimensions == 0


def test_large_matrices_turn_restrictions_into_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(backend_model, "PROFILE_MEMORY_LIMIT", 0)
    problem = _problem()
    model, _ = analyse(problem)
    data = build(problem, model, TRAVEL_TIME_SCALE).data
    assert data.num_profiles == 1
    # The a visits bar r2, the b visits bar r1.
    assert data.num_load_dimensions == 2
    caps = {vt.name.split("#")[0]: list(vt.capacity) for vt in data.vehicle_types()}
    assert caps["r1"][0] > 0
    assert caps["r1"][1] == 0
    assert caps["r2"][0] == 0
    assert caps["r2"][1] > 0
    assert caps["r3"][0] > 0
    assert caps["r3"][1] > 0
    assert all(sum(c.delivery) == 1 for c in data.clients())


def test_plans_with_restrictions_as_loads_keep_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(backend_model, "PROFILE_MEMORY_LIMIT", 0)
    problem = _problem()
    plan = solve(problem, time_limit=5.0, seed=1, max_iterations=500, workers=1)
    assert evaluate(problem, plan).ok
    by_rep = {r.rep: {s.visit for s in r.stops} for r in plan.routes}
    assert by_rep.get("r1")
    assert all(v.startswith("a") for v in by_rep["r1"])
    assert by_rep.get("r2")
    assert all(v.startswith("b") for v in by_rep["r2"])
    assert sum(len(v) for v in by_rep.values()) >= 6
