"""Exchanging a served visit for a more valuable unserved one."""

from __future__ import annotations

import math
from typing import Any

from planner import evaluate, problem_from_dict
from planner.exchange import exchange
from planner.finish import make_plan
from planner.problem import Problem
from planner.solve import analyse


def one_slot(**extra: Any) -> dict[str, Any]:
    """One rep with room for one 60-minute visit; ``low`` and ``high`` compete."""
    return {
        "version": 1,
        "name": "slot",
        "metric": "euclidean",
        "travel_cost": extra.pop("travel_cost", 0.1),
        "reps": [{"id": "r1", "start": [0, 0], "end": [0, 0], "shifts": [[0, 90]]}],
        "visits": [
            {"id": "low", "location": [10, 0], "duration": 60, "value": 2},
            {"id": "high", "location": extra.pop("high_at", [0, 10]), "duration": 60}
            | {"value": extra.pop("high_value", 9)},
        ],
    }


def run(problem: Problem, served: list[str]) -> tuple[list[str], list[str]]:
    model, _ = analyse(problem)
    index = {v.id: i for i, v in enumerate(problem.visits)}
    routes = {0: [index[x] for x in served]}
    out = exchange(problem, model, routes, math.inf)
    plan = make_plan(problem, model, {}, routes, 0.0, 1)
    assert evaluate(problem, plan).ok
    return [problem.visits[v].id for v in routes[0]], [
        problem.visits[v].id for v in out
    ]


def test_a_more_valuable_visit_takes_the_place_of_a_served_one() -> None:
    assert run(problem_from_dict(one_slot()), ["low"]) == (["high"], ["low"])


def test_no_exchange_when_travel_eats_the_gain() -> None:
    # 9 - 2 = 7 more value, but 2 x 30 more minutes driven at 0.5 per minute.
    data = one_slot(travel_cost=0.5, high_at=[-10, 0])
    data["reps"][0]["shifts"] = [[0, 150]]
    data["visits"][1]["location"] = [40, 0]
    problem = problem_from_dict(data)
    assert run(problem, ["low"]) == (["low"], [])


def test_required_visits_are_never_given_up() -> None:
    data = one_slot()
    data["visits"][0]["required"] = True
    assert run(problem_from_dict(data), ["low"]) == (["low"], [])


def test_an_exchange_that_misses_a_window_is_not_made() -> None:
    # ``high`` alone is reachable in its window, but not after the required
    # ``first``: taking the place of ``low`` would start it too late.
    data = one_slot()
    data["reps"][0]["shifts"] = [[0, 200]]
    data["visits"][1]["windows"] = [[0, 20]]
    data["visits"].append(
        {"id": "first", "location": [5, 0], "duration": 60, "value": 3}
        | {"required": True}
    )
    assert run(problem_from_dict(data), ["first", "low"]) == (["first", "low"], [])
    # Without the window the same exchange is made.
    del data["visits"][1]["windows"]
    assert run(problem_from_dict(data), ["first", "low"]) == (
        ["first", "high"],
        ["low"],
    )
