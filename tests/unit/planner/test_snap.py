"""Service starts snapped to whole minutes where the plan allows it."""

from __future__ import annotations

from typing import Any

import pytest

from planner import Plan, evaluate, problem_from_dict, solve
from planner.snap import snap_starts


def problem(visits: list[dict[str, Any]], shift: tuple[float, float] = (0, 100)):
    return problem_from_dict(
        {
            "version": 1,
            "name": "snap",
            "metric": "euclidean",
            "speed": 1.0,
            "travel_cost": 0.1,
            "reps": [
                {"id": "r", "start": [0, 0], "end": [0, 0], "shifts": [list(shift)]}
            ],
            "visits": [
                {"windows": [], "value": 10, "required": False, "reps": None, **v}
                for v in visits
            ],
        }
    )


def planned(prob) -> Plan:
    return solve(prob, time_limit=10, seed=1, max_iterations=50, workers=1)


def starts(plan: Plan) -> dict[str, float]:
    return {s.visit: s.start for r in plan.routes for s in r.stops}


def test_starts_move_up_to_whole_minutes_and_push_later_stops() -> None:
    prob = problem(
        [
            {"id": "a", "location": [0.5, 0], "duration": 2, "windows": [[0, 1]]},
            {"id": "b", "location": [1.2, 0], "duration": 1},
        ]
    )
    plan = planned(prob)
    assert starts(plan) == pytest.approx({"a": 0.5, "b": 3.2})

    snapped = snap_starts(prob, plan)

    assert starts(snapped) == pytest.approx({"a": 1.0, "b": 4.0})
    route = snapped.routes[0]
    assert route.depart == pytest.approx(0.5)  # leaves as late as the first stop allows
    assert route.stops[1].arrive == pytest.approx(3.7)
    assert route.return_ == pytest.approx(6.2)
    assert evaluate(prob, snapped).ok
    assert (snapped.objective, snapped.travel) == (plan.objective, plan.travel)


def test_a_start_that_would_leave_its_window_takes_the_next_one() -> None:
    prob = problem(
        [
            {
                "id": "a",
                "location": [0.5, 0],
                "duration": 1,
                "windows": [[0, 0.7], [5, 9]],
            }
        ]
    )
    plan = planned(prob)
    assert starts(plan) == pytest.approx({"a": 0.5})

    snapped = snap_starts(prob, plan)

    assert starts(snapped) == pytest.approx({"a": 5.0})
    assert evaluate(prob, snapped).ok


def test_a_route_that_would_overrun_its_shift_keeps_exact_times() -> None:
    prob = problem([{"id": "a", "location": [0.5, 0], "duration": 2}], shift=(0, 3.4))
    plan = planned(prob)

    snapped = snap_starts(prob, plan)

    assert snapped.routes == plan.routes
    assert evaluate(prob, snapped).ok


def test_a_coarser_grid() -> None:
    prob = problem([{"id": "a", "location": [0.5, 0], "duration": 2}])

    snapped = snap_starts(prob, planned(prob), step=15)

    assert starts(snapped) == pytest.approx({"a": 15.0})
    assert evaluate(prob, snapped).ok


def test_the_grid_must_be_positive() -> None:
    prob = problem([{"id": "a", "location": [0.5, 0], "duration": 2}])
    with pytest.raises(ValueError, match="step"):
        snap_starts(prob, planned(prob), step=0)


def test_a_plan_naming_a_visit_the_problem_lacks_is_refused() -> None:
    both = [
        {"id": "a", "location": [0.5, 0], "duration": 2, "windows": [[0, 1]]},
        {"id": "b", "location": [1.2, 0], "duration": 1},
    ]
    plan = planned(problem(both))
    assert set(starts(plan)) == {"a", "b"}

    with pytest.raises(ValueError, match="'b'"):
        snap_starts(problem(both[:1]), plan)
