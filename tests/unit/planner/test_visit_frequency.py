"""Several visits of one customer: the minimum gap in the checker and in solve."""

from __future__ import annotations

import itertools
from typing import Any

from planner import Plan, Route, Stop, evaluate, problem_from_dict, snap_starts, solve
from planner.plan import TOO_CLOSE

DAY = 1440


def week_problem(days: int, occurrences: int, min_gap: float) -> dict[str, Any]:
    """One rep with ``days`` shifts 08:00-17:00, a customer next door visited up
    to ``occurrences`` times (value 10 each, 30 min) and a few one-off visits."""
    visits: list[dict[str, Any]] = [
        {
            "id": f"c{k}",
            "location": [1, 0],
            "duration": 30,
            "value": 10,
            "customer": "acme",
            "min_gap": min_gap,
        }
        for k in range(occurrences)
    ]
    visits += [
        {"id": f"o{k}", "location": [0, k + 2], "duration": 30, "value": 1}
        for k in range(3)
    ]
    return {
        "version": 1,
        "name": "week",
        "metric": "euclidean",
        "reps": [
            {
                "id": "r1",
                "start": [0, 0],
                "end": [0, 0],
                "shifts": [[d * DAY + 480, d * DAY + 1020] for d in range(days)],
            }
        ],
        "visits": visits,
    }


def starts(plan: Plan, prefix: str) -> list[float]:
    return sorted(s.start for r in plan.routes for s in r.stops if s.visit[0] == prefix)


def test_checker_rejects_occurrences_closer_than_the_gap() -> None:
    problem = problem_from_dict(week_problem(days=1, occurrences=2, min_gap=120))
    route = Route(
        "r1",
        0,
        480.0,
        542.0,
        (Stop("c0", 481.0, 481.0, 511.0), Stop("c1", 511.0, 511.0, 541.0)),
    )
    plan = Plan("week", 20.0, 20.0, 2.0, (route,), ("o0", "o1", "o2"))
    ev = evaluate(problem, plan)
    assert ev.violations == (
        "visits c0 and c1 of customer acme start 30 apart, "
        "less than their minimum gap 120",
    )
    # The larger min gap of the two counts.
    data = week_problem(days=1, occurrences=2, min_gap=0)
    data["visits"][1]["min_gap"] = 30
    assert evaluate(problem_from_dict(data), plan).ok
    data["visits"][0]["min_gap"] = 31
    assert not evaluate(problem_from_dict(data), plan).feasible
    # Without a customer the visits are unrelated.
    for v in data["visits"]:
        v.pop("customer", None)
    assert evaluate(problem_from_dict(data), plan).ok


def test_solve_spreads_occurrences_over_the_days() -> None:
    problem = problem_from_dict(week_problem(days=3, occurrences=3, min_gap=DAY))
    plan = solve(problem, time_limit=3, seed=1, max_iterations=200)
    ev = evaluate(problem, plan)
    assert ev.ok, ev.violations
    served = starts(plan, "c")
    assert len(served) == 3
    for a, b in itertools.pairwise(served):
        assert b - a >= DAY - 1e-9


def test_occurrences_that_cannot_be_apart_are_left_out_with_a_reason() -> None:
    problem = problem_from_dict(week_problem(days=1, occurrences=3, min_gap=DAY))
    plan = solve(problem, time_limit=3, seed=1, max_iterations=200)
    assert evaluate(problem, plan).ok
    assert len(starts(plan, "c")) == 1
    assert starts(plan, "o") != []
    unserved = [v for v in plan.unserved if v.startswith("c")]
    assert len(unserved) == 2
    assert all(plan.reason(v) == TOO_CLOSE for v in unserved)


def test_gap_within_one_day() -> None:
    problem = problem_from_dict(week_problem(days=1, occurrences=3, min_gap=200))
    plan = solve(problem, time_limit=3, seed=1, max_iterations=200)
    assert evaluate(problem, plan).ok
    served = starts(plan, "c")
    assert len(served) == 3
    for a, b in itertools.pairwise(served):
        assert b - a >= 200 - 1e-9


def test_whole_minute_starts_keep_the_gap() -> None:
    data = week_problem(days=3, occurrences=3, min_gap=DAY + 0.5)
    data["reps"][0]["start"] = data["reps"][0]["end"] = [0.3, 0]
    problem = problem_from_dict(data)
    plan = solve(problem, time_limit=3, seed=1, max_iterations=200)
    snapped = snap_starts(problem, plan)
    assert evaluate(problem, snapped).ok
    served = starts(snapped, "c")
    assert len(served) == 3
    assert all(s == int(s) for s in served)
