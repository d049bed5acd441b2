"""Visits fixed in time and route split their route into segments."""

from __future__ import annotations

from typing import Any

from planner import evaluate, problem_from_dict, solve
from planner.backends import pyvrp as backend
from planner.backends.anchors import Segment, anchors, segments
from planner.solve import analyse

DAY = 1440


def week(**extra: Any) -> dict[str, Any]:
    """One rep, two days 08:00-17:00; a pinned visit each day, optional ones."""
    visits = [
        {"id": "pin-mon", "location": [30, 0], "duration": 60}
        | {"windows": [[600, 600]], "value": 0, "required": True, "reps": ["r1"]},
        {"id": "pin-tue", "location": [0, 30], "duration": 60}
        | {"windows": [[DAY + 840, DAY + 840]], "value": 0, "required": True}
        | {"reps": ["r1"]},
    ]
    visits += [
        {"id": f"v{k}", "location": [5 * k, 5], "duration": 30, "value": 10 + k}
        for k in range(6)
    ]
    return {
        "version": 1,
        "name": "week",
        "metric": "euclidean",
        "travel_cost": extra.get("travel_cost", 0.5),
        "reps": [
            {"id": "r1", "start": [0, 0], "end": [0, 0]}
            | {"shifts": [[480, 1020], [DAY + 480, DAY + 1020]]}
        ],
        "visits": visits + extra.get("more", []),
    }


def test_a_pinned_visit_anchors_its_own_days_route() -> None:
    # given
    p = problem_from_dict(week())
    model, _ = analyse(p)
    # when
    found = anchors(p, model)
    # then: each pinned visit anchors the route of its day, nothing else does
    ids = {k: [p.visits[model.candidates[i]].id for i in c] for k, c in found.items()}
    assert ids == {0: ["pin-mon"], 1: ["pin-tue"]}


def test_segments_end_when_an_anchor_starts_and_begin_when_it_ends() -> None:
    p = problem_from_dict(week())
    model, _ = analyse(p)
    found = anchors(p, model)
    mon = found[0][0]
    assert segments(p, model, found)[:2] == [
        Segment(route=0, start=None, end=mon, open=480, close=600),
        Segment(route=0, start=mon, end=None, open=660, close=1020),
    ]


def test_a_required_visit_with_a_window_is_no_anchor() -> None:
    data = week()
    data["visits"][0]["windows"] = [[540, 700]]
    p = problem_from_dict(data)
    model, _ = analyse(p)
    assert list(anchors(p, model)) == [1]


def test_pinned_visits_that_clash_stay_ordinary_required_visits() -> None:
    # given: a second pinned visit on Monday while the first is being served
    clash = {"id": "pin-mon-2", "location": [30, 1], "duration": 60}
    clash |= {"windows": [[630, 630]], "value": 0, "required": True, "reps": ["r1"]}
    p = problem_from_dict(week(more=[clash]))
    model, _ = analyse(p)
    # when
    found = anchors(p, model)
    # then: Monday is not split; the plan keeps one of the two and reports the other
    assert list(found) == [1]
    plan = solve(p, time_limit=2, workers=1, max_iterations=200)
    (missing,) = plan.infeasible_required
    assert evaluate(p, plan).violations == (f"required visit {missing} is not served",)


def test_anchored_visits_are_no_clients_and_every_segment_is_a_vehicle() -> None:
    p = problem_from_dict(week())
    model, _ = analyse(p)
    built = backend.build(p, model, 10)
    names = {c.name for c in built.data.clients()}
    assert names == {f"v{k}" for k in range(6)}
    assert built.data.num_vehicle_types == 4  # two routes, split once each


def test_the_plan_keeps_pinned_visits_at_their_time_and_fills_around_them() -> None:
    # given
    p = problem_from_dict(week())
    # when
    plan = solve(p, time_limit=3, seed=1, workers=1, max_iterations=500)
    # then
    assert evaluate(p, plan).ok
    stops = {s.visit: (r.shift, s.start) for r in plan.routes for s in r.stops}
    assert stops["pin-mon"] == (0, 600)
    assert stops["pin-tue"] == (1, DAY + 840)
    assert {f"v{k}" for k in range(6)} <= set(stops)


def test_without_the_split_fixed_visits_are_required_clients() -> None:
    p = problem_from_dict(week())
    model, _ = analyse(p)
    built = backend.build(p, model, 10, split=False)
    assert {"pin-mon", "pin-tue"} <= {c.name for c in built.data.clients()}
    assert built.data.num_vehicle_types == 2
