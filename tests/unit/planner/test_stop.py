"""The solver's stop hook: ``should_stop`` ends a search long before its limit."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from planner import Stopped, problem_from_dict, solve


def _long_problem() -> Any:
    """Forty visits on a grid: the search would use its whole time limit."""
    return problem_from_dict(
        {
            "version": 1,
            "name": "long",
            "metric": "euclidean",
            "speed": 1.0,
            "travel_cost": 0.0,
            "reps": [{"id": "r", "start": [0, 0], "end": [0, 0], "shifts": [[0, 100]]}],
            "visits": [
                {"id": f"v{i}", "location": [i % 7, i // 7], "duration": 1, "value": 1}
                for i in range(40)
            ],
        }
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_should_stop_ends_the_search_early(workers):
    """Tests that a flag set during the search stops it with Stopped, children too."""
    # given
    flag = threading.Event()
    threading.Timer(1.0, flag.set).start()
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return flag.is_set()

    # when
    began = time.monotonic()
    with pytest.raises(Stopped):
        solve(
            _long_problem(),
            time_limit=60,
            seed=1,
            workers=workers,
            should_stop=should_stop,
        )
    took = time.monotonic() - began
    # then: a minute's search ended within seconds of the flag
    assert asked
    assert took < 30, took


def test_should_stop_that_never_answers_true_changes_nothing():
    """Tests that the same seed and budget give the same plan with the hook."""
    # given
    problem = _long_problem()
    options: dict[str, Any] = {
        "time_limit": 20,
        "seed": 5,
        "max_iterations": 200,
        "workers": 1,
    }
    # when
    plain = solve(problem, **options)
    hooked = solve(problem, should_stop=lambda: False, **options)
    # then
    assert hooked.routes == plain.routes
    assert hooked.objective == plain.objective


def test_a_stop_asked_before_the_search_raises_at_once():
    """Tests that a flag already set stops before any search runs."""
    # when
    began = time.monotonic()
    with pytest.raises(Stopped):
        solve(
            _long_problem(), time_limit=60, seed=1, workers=1, should_stop=lambda: True
        )
    # then
    assert time.monotonic() - began < 10
