"""The ``plan`` and ``check`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import main
from tests.unit.planner.conftest import DATA

FAST = ["--time-limit", "20", "--max-iterations", "200", "--workers", "1"]


def test_plan_to_stdout_then_check(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["plan", str(DATA / "obvious.json"), *FAST]) == 0
    out, err = capsys.readouterr()
    plan = json.loads(out)
    assert plan["objective"] == 20.0
    assert plan["unserved"] == ["far"]
    assert "best objective" in err
    assert "planned 4 of 5 visits" in err
    path = tmp_path / "plan.json"
    path.write_text(out)
    assert main(["check", str(DATA / "obvious.json"), str(path)]) == 0
    assert capsys.readouterr().out.startswith("feasible: objective 20")


def test_plan_to_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "plan.json"
    assert main(["plan", str(DATA / "shifts.json"), *FAST, "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(out.read_text())["problem"] == "shifts"


def test_check_rejects_misreported_and_infeasible(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "plan.json"
    assert main(["plan", str(DATA / "obvious.json"), *FAST, "--out", str(out)]) == 0
    plan = json.loads(out.read_text())
    plan["objective"] = 21.0
    out.write_text(json.dumps(plan))
    capsys.readouterr()
    assert main(["check", str(DATA / "obvious.json"), str(out)]) == 1
    assert "misreported: objective reported as 21" in capsys.readouterr().out
    plan["objective"] = 20.0
    plan["routes"][0]["stops"] *= 2
    out.write_text(json.dumps(plan))
    assert main(["check", str(DATA / "obvious.json"), str(out)]) == 1
    assert "INFEASIBLE" in capsys.readouterr().out


def test_plan_reports_infeasible_required(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "plan.json"
    assert main(["plan", str(DATA / "required.json"), *FAST, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "required visits that cannot be served:" in err
    assert "req_far" in err
    assert "req_far" in json.loads(out.read_text())["infeasible_required"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"version": 1,', "problem: malformed JSON"),
        (
            '{"version": 1, "metric": "taxicab", "reps": [], "visits": []}',
            "metric: unknown metric 'taxicab'",
        ),
    ],
)
def test_bad_problem_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture, content: str, message: str
) -> None:
    problem = tmp_path / "problem.json"
    problem.write_text(content)
    out = tmp_path / "plan.json"
    assert main(["plan", str(problem), *FAST, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: " + message)
    assert len(captured.err.strip().splitlines()) == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [problem]


def test_bad_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["plan", str(DATA / "obvious.json"), "--time-limit", "0"]) == 2
    assert "--time-limit" in capsys.readouterr().err
    assert main(["check", str(DATA / "obvious.json"), str(tmp_path / "none.json")]) == 2
    assert "plan: cannot read" in capsys.readouterr().err
    bad = tmp_path / "plan.json"
    bad.write_text('{"objective": 1}')
    assert main(["check", str(DATA / "obvious.json"), str(bad)]) == 2
    assert "plan.value: missing" in capsys.readouterr().err


def test_out_in_missing_directory_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "nowhere" / "plan.json"
    assert main(["plan", str(DATA / "obvious.json"), *FAST, "--out", str(out)]) == 2
    assert "--out: directory of" in capsys.readouterr().err
    assert not out.parent.exists()


def test_plan_in_parts(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "plan.json"
    command = ["plan", str(DATA / "restricted.json"), "--time-limit", "4"]
    assert main([*command, "--parts", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["check", str(DATA / "restricted.json"), str(out)]) == 0
    served = {
        s["visit"] for r in json.loads(out.read_text())["routes"] for s in r["stops"]
    }
    assert served == {"east_r2", "west_any"}


@pytest.mark.parametrize("parts", ["0", "3"])
def test_plan_refuses_parts_outside_the_reps(
    parts: str, capsys: pytest.CaptureFixture
) -> None:
    command = ["plan", str(DATA / "restricted.json"), *FAST, "--parts", parts]
    assert main(command) == 2
    assert "--parts: must be 1 to 2 (the reps)" in capsys.readouterr().err
