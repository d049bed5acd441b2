"""Loading and validating problems."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from planner import Break, load_problem, problem_from_dict, problem_to_dict
from tests.unit.planner.conftest import DATA


def test_valid_problem_loads(base: dict[str, Any]) -> None:
    problem = problem_from_dict(base)
    assert [r.id for r in problem.reps] == ["r1", "r2"]
    assert problem.visits[1].reps == ("r1",)
    assert problem.visits[0].windows == ((0.0, 50.0),)
    assert problem.travel((0, 0), (3, 4)) == 5.0


def test_defaults_for_missing_optional_fields(base: dict[str, Any]) -> None:
    base["visits"] = [{"id": "x", "location": [1, 1]}]
    del base["speed"], base["travel_cost"]
    problem = problem_from_dict(base)
    visit = problem.visits[0]
    assert (visit.duration, visit.windows, visit.value) == (0.0, (), 0.0)
    assert visit.required is False
    assert visit.reps is None
    assert (problem.speed, problem.travel_cost) == (1.0, 0.0)


def _set(d: dict[str, Any], path: str, value: Any) -> None:
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        d = d[key]
    d[keys[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("metric", "manhattan", "metric: unknown metric 'manhattan'"),
        ("version", 2, "version: unsupported"),
        ("speed", 0, "speed: must be positive"),
        ("travel_cost", -1, "travel_cost: must not be negative"),
        (
            "visits.0.windows",
            [[10, 5]],
            "visits[0].windows[0]: end 5 is before start 10",
        ),
        ("visits.0.windows", [[1, 2, 3]], "visits[0].windows[0]: expected a pair"),
        ("visits.0.duration", -1, "visits[0].duration: must not be negative"),
        ("visits.1.value", -3, "visits[1].value: must not be negative"),
        ("visits.1.value", "high", "visits[1].value: expected a finite number"),
        ("visits.1.reps", ["r9"], "visits[1].reps[0]: unknown rep 'r9'"),
        ("visits.1.reps", [], "visits[1].reps: empty list"),
        ("visits.1.id", "a", "visits[1].id: duplicate id 'a'"),
        ("visits.0.location", [1], "visits[0].location: expected a point"),
        ("visits.0.required", "yes", "visits[0].required: expected true or false"),
        ("reps.1.id", "r1", "reps[1].id: duplicate id 'r1'"),
        ("reps.0.shifts", [[50, 10]], "reps[0].shifts[0]: end 10 is before start 50"),
        ("reps.0.start", "depot", "reps[0].start: expected a point"),
        ("reps", [], "reps: at least one rep"),
        ("visits", {"a": 1}, "visits: expected a list"),
    ],
)
def test_invalid_field_is_named(
    base: dict[str, Any], path: str, value: Any, message: str
) -> None:
    _set(base, path, value)
    with pytest.raises(
        ValueError, match="^" + message.replace("[", r"\[").replace("]", r"\]")
    ):
        problem_from_dict(base)


def test_missing_fields_are_named(base: dict[str, Any]) -> None:
    del base["visits"][0]["location"]
    with pytest.raises(ValueError, match=r"visits\[0\]\.location: missing"):
        problem_from_dict(base)
    with pytest.raises(ValueError, match="problem: expected a JSON object"):
        problem_from_dict([1, 2])


def test_non_finite_number_rejected(base: dict[str, Any]) -> None:
    base["visits"][0]["duration"] = math.nan
    with pytest.raises(ValueError, match=r"visits\[0\]\.duration"):
        problem_from_dict(base)


def test_matrix_shape_and_indices(base: dict[str, Any]) -> None:
    base["metric"] = "matrix"
    for rep in base["reps"]:
        rep["start"] = rep["end"] = 0
    base["visits"][0]["location"] = 1
    base["visits"][1]["location"] = 2
    with pytest.raises(ValueError, match="matrix: missing"):
        problem_from_dict(base)
    base["matrix"] = [[0, 1, 2], [1, 0], [2, 1, 0]]
    with pytest.raises(ValueError, match="matrix: not square, row 1 has 2 entries"):
        problem_from_dict(base)
    base["matrix"] = [[0, 1], [1, 0]]
    with pytest.raises(ValueError, match=r"visits\[1\]\.location: index 2 is outside"):
        problem_from_dict(base)
    base["matrix"] = [[0, 1, 2], [1, 0, -1], [2, 1, 0]]
    with pytest.raises(ValueError, match=r"matrix\[1\]\[2\]: must not be negative"):
        problem_from_dict(base)
    base["matrix"] = [[0, 1, 2], [1, 0, 1.5], [2, 1, 0]]
    assert problem_from_dict(base).travel(1, 2) == 1.5


def test_haversine_points_and_distance() -> None:
    problem = load_problem(DATA / "haversine.json")
    km = problem.travel((0.0, 0.0), (0.0, 1.0)) * problem.speed
    assert km == pytest.approx(111.195, abs=1e-2)
    bad = json.loads((DATA / "haversine.json").read_text())
    bad["visits"][0]["location"] = [95.0, 2.0]
    with pytest.raises(
        ValueError, match=r"visits\[0\]\.location: expected \[lat, lng\]"
    ):
        problem_from_dict(bad)


def test_malformed_json_file(tmp_path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"version": 1, "metric": ')
    with pytest.raises(ValueError, match="problem: malformed JSON at line 1"):
        load_problem(path)
    with pytest.raises(ValueError, match="problem: cannot read"):
        load_problem(tmp_path / "missing.json")


def test_round_trip_through_dict() -> None:
    problem = load_problem(DATA / "matrix.json")
    assert problem_from_dict(problem_to_dict(problem)) == problem


BREAK_CASES = [
    ({"earliest": 60, "latest": 50, "duration": 5}, "reps[0].breaks[0].latest"),
    ({"earliest": 50, "latest": 60, "duration": 0}, "reps[0].breaks[0].duration"),
    ({"earliest": 50, "latest": 60, "duration": 11}, "reps[0].breaks[0].duration"),
    ({"earliest": 150, "latest": 160, "duration": 5}, "reps[0].breaks[0].earliest"),
    ({"earliest": 90, "latest": 110, "duration": 5}, "reps[0].breaks[0].latest"),
    ({"earliest": 50, "duration": 5}, "reps[0].breaks[0].latest: missing"),
    ({"earliest": 50, "latest": "x", "duration": 5}, "reps[0].breaks[0].latest"),
    ("lunch", "reps[0].breaks[0]: expected an object"),
]


@pytest.mark.parametrize(("brk", "message"), BREAK_CASES)
def test_invalid_break_is_named(base: dict[str, Any], brk: Any, message: str) -> None:
    base["reps"][0]["breaks"] = [brk]
    with pytest.raises(ValueError, match="^" + message.replace("[", r"\[")):
        problem_from_dict(base)


def test_break_must_lie_inside_one_shift(base: dict[str, Any]) -> None:
    base["reps"][0]["shifts"] = [[0, 100], [200, 300]]
    base["reps"][0]["breaks"] = [
        {"earliest": 250, "latest": 260, "duration": 10},
        {"earliest": 90, "latest": 210, "duration": 10},
    ]
    with pytest.raises(ValueError, match=r"^reps\[0\]\.breaks\[1\]\.latest: 210"):
        problem_from_dict(base)


def test_breaks_are_read_and_written(base: dict[str, Any]) -> None:
    base["reps"][0]["shifts"] = [[0, 100], [200, 300]]
    base["reps"][0]["breaks"] = [
        {"earliest": 250, "latest": 260, "duration": 10},
        {"earliest": 40, "latest": 70, "duration": 15},
    ]
    problem = problem_from_dict(base)
    rep = problem.reps[0]
    assert rep.breaks == (Break(250.0, 260.0, 10.0), Break(40.0, 70.0, 15.0))
    assert rep.breaks[0].fixed
    assert not rep.breaks[1].fixed
    assert rep.shift_breaks(0) == (1,)
    assert rep.shift_breaks(1) == (0,)
    assert problem.reps[1].breaks == ()
    assert problem.has_breaks
    out = problem_to_dict(problem)
    assert out["reps"][0]["breaks"][1] == {"earliest": 40, "latest": 70, "duration": 15}
    assert "breaks" not in out["reps"][1]
    assert problem_from_dict(out) == problem


def test_customer_and_min_gap(base: dict[str, Any]) -> None:
    base["visits"][0].update(customer="c1", min_gap=1440)
    base["visits"][1]["customer"] = "c1"
    problem = problem_from_dict(base)
    assert problem.visits[0].customer == "c1"
    assert problem.visits[0].min_gap == 1440.0
    assert problem.visits[1].min_gap == 0.0
    assert problem.has_gaps
    out = problem_to_dict(problem)
    assert out["visits"][0]["min_gap"] == 1440
    assert problem_from_dict(out) == problem
    base["visits"][1]["min_gap"] = -1
    with pytest.raises(ValueError, match=r"^visits\[1\]\.min_gap: must not be neg"):
        problem_from_dict(base)
    base["visits"][1].update(min_gap=None, customer="")
    with pytest.raises(ValueError, match=r"^visits\[1\]\.customer: expected a non"):
        problem_from_dict(base)


def test_version_one_problem_is_written_as_before(base: dict[str, Any]) -> None:
    out = problem_to_dict(problem_from_dict(base))
    assert set(out["reps"][0]) == {"id", "start", "end", "shifts"}
    assert set(out["visits"][0]) == {
        "id",
        "location",
        "duration",
        "windows",
        "value",
        "required",
        "reps",
    }
    problem = problem_from_dict(base)
    assert not problem.has_breaks
    assert not problem.has_gaps
