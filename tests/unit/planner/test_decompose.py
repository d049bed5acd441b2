"""Large problems in parts: the split, the parts' solves and the join."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from planner import Plan, Problem, Stopped, evaluate, problem_from_dict, solve
from planner.decompose import parts_for, solve_in_child, solve_in_parts, split


def _problem(**overrides: Any) -> Problem:
    """Four reps, two in the west and two in the east, with visits near each;
    the west has far more work than its reps can do in a day."""
    reps = [
        {"id": f"w{i}", "start": [0, i], "end": [0, i], "shifts": [[0, 60]]}
        for i in range(2)
    ] + [
        {"id": f"e{i}", "start": [40, i], "end": [40, i], "shifts": [[0, 200]]}
        for i in range(2)
    ]
    visits = [
        {
            "id": f"west{i}",
            "location": [1 + i % 4, i // 4],
            "duration": 10,
            "windows": [],
            "value": 20,
            "required": False,
            "reps": None,
        }
        for i in range(16)
    ] + [
        {
            "id": f"east{i}",
            "location": [39, i],
            "duration": 10,
            "windows": [],
            "value": 5,
            "required": False,
            "reps": ["e0", "e1"],
        }
        for i in range(2)
    ]
    data = {
        "version": 1,
        "name": "two towns",
        "metric": "euclidean",
        "speed": 1.0,
        "travel_cost": 0.1,
        "reps": reps,
        "visits": visits,
    }
    data.update(overrides)
    return problem_from_dict(data)


def _in_process(
    problem: Problem,
    time_limit: float,
    seed: int,
    report: Callable[[float], None] = lambda _: None,
) -> Plan:
    return solve(
        problem,
        time_limit=time_limit,
        seed=seed,
        workers=1,
        max_iterations=200,
        on_progress=lambda objective, _: report(objective),
    )


def test_split_gives_every_rep_and_visit_one_part() -> None:
    problem = _problem()
    parts = split(problem, 2)
    reps = [r.id for p in parts for r in p.reps]
    visits = [v.id for p in parts for v in p.visits]
    assert sorted(reps) == sorted(r.id for r in problem.reps)
    assert sorted(visits) == sorted(v.id for v in problem.visits)
    by_rep = {r.id: i for i, p in enumerate(parts) for r in p.reps}
    # Nearby reps go together; each visit goes to the part of its nearest rep.
    assert by_rep["w0"] == by_rep["w1"] != by_rep["e0"] == by_rep["e1"]
    west = parts[by_rep["w0"]]
    assert {v.id for v in west.visits} == {f"west{i}" for i in range(16)}


def _visits(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The visits of :func:`_problem` as dicts, with ``changes`` by visit id."""
    visits = [
        {
            "id": v.id,
            "location": list(v.location),
            "duration": v.duration,
            "windows": [],
            "value": v.value,
            "required": False,
            "reps": list(v.reps) if v.reps else None,
        }
        for v in _problem().visits
    ]
    return [{**v, **changes.get(v["id"], {})} for v in visits]


def _part_with(parts: list[Problem], visit_id: str) -> Problem:
    (part,) = [p for p in parts if any(v.id == visit_id for v in p.visits)]
    return part


def test_a_visit_goes_where_a_rep_may_serve_it() -> None:
    problem = _problem(visits=_visits(west0={"reps": ["e0"]}))
    home = _part_with(split(problem, 2), "west0")
    assert "e0" in {r.id for r in home.reps}


def test_visits_of_one_customer_stay_together() -> None:
    problem = _problem(
        visits=_visits(west0={"customer": "c1"}, east1={"customer": "c1"})
    )
    home = _part_with(split(problem, 2), "west0")
    assert "east1" in {v.id for v in home.visits}


@pytest.mark.parametrize("parts", [0, 5])
def test_parts_outside_one_to_the_reps_are_refused(parts: int) -> None:
    with pytest.raises(ValueError, match="parts: must be 1 to 4"):
        split(_problem(), parts)


def test_the_join_serves_across_borders() -> None:
    """Tests that eastern reps with time left take western visits in the polish."""
    problem = _problem()
    plan = solve_in_parts(
        problem, parts=2, time_limit=6.0, seed=1, solve_part=_in_process
    )
    assert evaluate(problem, plan).ok
    served_by = {s.visit: r.rep for r in plan.routes for s in r.stops}
    west_alone = _in_process(_part_with(split(problem, 2), "west0"), 3.0, 1)
    assert len([v for v in served_by if v.startswith("west")]) > sum(
        len(r.stops) for r in west_alone.routes
    )
    assert any(
        rep.startswith("e") and v.startswith("west") for v, rep in served_by.items()
    )
    assert set(plan.unserved) == {v.id for v in problem.visits} - set(served_by)


def test_a_part_solves_in_a_child_process() -> None:
    problem = split(_problem(), 2)[1]
    reports: list[float] = []
    plan = solve_in_child(problem, 2.0, 1, reports.append)
    assert evaluate(problem, plan).ok
    assert {s.visit for r in plan.routes for s in r.stops}
    assert reports
    assert reports[-1] == pytest.approx(plan.objective)


def test_progress_is_the_sum_of_the_parts_once_each_has_one() -> None:
    """Tests that the first report comes when every part has a plan, on the
    caller's thread, and the last one is the joined plan's objective."""
    problem = _problem()
    seen: list[tuple[float, str]] = []
    plan = solve_in_parts(
        problem,
        parts=2,
        time_limit=6.0,
        seed=1,
        solve_part=_in_process,
        on_progress=lambda objective, _: seen.append(
            (objective, threading.current_thread().name)
        ),
    )
    assert len(seen) >= 3
    assert {name for _, name in seen} == {threading.current_thread().name}
    parts = split(problem, 2)
    alone = [_in_process(part, 3.0, 1 + i) for i, part in enumerate(parts)]
    # The parts' last reports are their plans; joined, nothing changes yet.
    assert seen[-2][0] == pytest.approx(sum(p.objective for p in alone))
    assert seen[-3][0] == pytest.approx(seen[-2][0])
    assert seen[0][0] <= seen[-2][0] + 1e-9
    assert seen[-1][0] == pytest.approx(plan.objective)


def test_only_large_problems_are_split_by_default() -> None:
    """Tests the default: 500 routes and 5,000 visits in four parts, a team week
    whole."""
    rep = {"id": "r", "start": [0, 0], "end": [0, 0], "shifts": [[0, 60]] * 10}
    visit = {"id": "v", "location": [1, 1], "duration": 1, "value": 1}

    def sized(reps: int, visits: int) -> Problem:
        return problem_from_dict(
            {
                "version": 1,
                "name": "sized",
                "metric": "euclidean",
                "reps": [{**rep, "id": f"r{i}"} for i in range(reps)],
                "visits": [{**visit, "id": f"v{i}"} for i in range(visits)],
            }
        )

    assert parts_for(sized(50, 5000)) == 4
    assert parts_for(sized(50, 3000)) == 1
    assert parts_for(sized(12, 5000)) == 1


def test_solve_with_parts_goes_through_the_split() -> None:
    """Tests that ``solve(parts=2)`` plans in parts: children, then the join."""
    problem = _problem()
    plan = solve(problem, time_limit=5.0, seed=2, parts=2, workers=2)
    assert evaluate(problem, plan).ok
    assert plan.problem == "two towns"
    assert {r.rep[0] for r in plan.routes} == {"w", "e"}


def test_a_stop_kills_the_parts_searches() -> None:
    """Tests that ``should_stop`` ends a plan in parts early, children and all."""
    problem = _problem()
    started = time.monotonic()
    asked: list[float] = []

    def should_stop() -> bool:
        asked.append(time.monotonic())
        return time.monotonic() - started > 1.5

    with pytest.raises(Stopped):
        solve(problem, time_limit=30.0, seed=1, parts=2, should_stop=should_stop)
    assert time.monotonic() - started < 10.0
    assert asked
