"""Search settings chosen by the shape of the problem."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from planner import problem_from_dict
from planner.backends import pyvrp as backend
from planner.solve import analyse


def problem(travel_cost: float, values: list[float]) -> dict[str, Any]:
    return {
        "version": 1,
        "name": "shape",
        "metric": "euclidean",
        "travel_cost": travel_cost,
        "reps": [{"id": "r1", "start": [0, 0], "end": [0, 0], "shifts": [[0, 600]]}],
        "visits": [
            {"id": f"v{k}", "location": [k + 1, 0], "duration": 30, "value": x}
            for k, x in enumerate(values)
        ],
    }


def settings(data: dict[str, Any], **kw: Any) -> backend.Settings:
    p = problem_from_dict(data)
    model, _ = analyse(p)
    return backend.settings_for(p, model, **kw)


def test_free_travel_gets_the_score_settings() -> None:
    assert settings(problem(0.0, [10, 20, 30])) == backend.SCORE_ONLY


def test_travel_that_hardly_costs_gets_the_score_settings() -> None:
    # An hour of driving costs 0.6 against a median value of 5: 0.12 < 0.3.
    chosen = settings(problem(0.01, [1, 5, 10]), required_fit=True)
    assert chosen == backend.SCORE_ONLY
    assert not chosen.hard_required


def test_travel_that_costs_gets_pyvrps_settings_on_a_coarse_grid() -> None:
    # An hour of driving costs 30 against a median value of 30: weight 1.
    chosen = settings(problem(0.5, [10, 30, 100]), required_fit=True)
    assert chosen.time_scale == backend.TRAVEL_TIME_SCALE
    assert chosen.hard_required
    assert chosen.skip_operators == ()
    assert chosen.restart_patience is None
    assert chosen.penalties == "midpoint"
    assert not settings(problem(0.5, [10, 30, 100])).hard_required


def portfolio(data: dict[str, Any], searches: int) -> list[backend.Settings]:
    p = problem_from_dict(data)
    model, _ = analyse(p)
    return backend.portfolio_for(p, model, required_fit=True, searches=searches)


def test_costly_travel_runs_a_second_model_in_seconds() -> None:
    first, second = portfolio(problem(0.5, [10, 30, 100]), 2)
    alone = settings(problem(0.5, [10, 30, 100]), required_fit=True)
    assert first == replace(alone, anchors=False)
    assert second == replace(alone, time_scale=60, distance="time", anchors=True)
    assert second.hard_required


def test_one_search_gets_the_first_settings_only() -> None:
    assert portfolio(problem(0.5, [10, 30, 100]), 1) == [
        settings(problem(0.5, [10, 30, 100]), required_fit=True)
    ]


def test_free_travel_repeats_the_score_settings() -> None:
    assert portfolio(problem(0.0, [10, 20, 30]), 2) == [backend.SCORE_ONLY] * 2


def test_distance_in_time_is_the_travel_time_and_prizes_follow() -> None:
    # given: travel costs 0.5 per minute, 60 units per minute
    p = problem_from_dict(problem(0.5, [10, 30, 100]))
    model, _ = analyse(p)
    # when
    built = backend.build(p, model, 60, distance="time")
    # then: a distance unit is a second of driving, a value unit 120 of them
    data = built.data
    assert (data.distance_matrix(0) == data.duration_matrix(0)).all()
    assert data.duration_matrix(0)[0, 1] == 60  # one unit of euclidean travel
    assert sorted(c.prize for c in data.clients()) == [1200, 3600, 12000]


def test_breaks_keep_the_first_model_in_both_searches() -> None:
    data = problem(0.5, [10, 30, 100])
    data["reps"][0]["breaks"] = [{"earliest": 200, "latest": 300, "duration": 30}]
    first, second = portfolio(data, 2)
    assert first == second
    assert first.time_scale == backend.TRAVEL_TIME_SCALE


def test_many_candidates_keep_the_first_model_in_both_searches() -> None:
    values = [10.0 + k % 7 for k in range(backend.SECOND_MODEL_MAX_CANDIDATES + 1)]
    data = problem(0.5, values)
    data["reps"][0]["shifts"] = [[0, 6000]]
    for k, visit in enumerate(data["visits"]):
        visit["location"] = [k % 40, k // 40]
    first, second = portfolio(data, 2)
    assert first == second
