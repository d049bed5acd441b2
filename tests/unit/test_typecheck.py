"""mypy reads the schema's enums and result unions as types, so it checks resolvers."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[2]

USES = textwrap.dedent(
    """
    from schema.base import ErrorCode, NotFoundError
    from schema.visits import VisitResult, VisitStatus


    def refused() -> VisitResult:
        return NotFoundError(message="gone", code=ErrorCode.NOT_FOUND, field=None)


    def wrong() -> VisitResult:
        return "a visit"


    def status(value: VisitStatus) -> str:
        return value.value


    planned: VisitStatus = "planned"
    """
)


def _errors(source: str, tmp_path: Path) -> list[tuple[int, str]]:
    program = tmp_path / "uses.py"
    program.write_text(source, encoding="utf-8")
    out, err, _ = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            str(program),
        ]
    )
    assert err == ""
    return [
        (int(m.group(1)), m.group(2))
        for m in re.finditer(r"uses\.py:(\d+): error: .*\[([a-z-]+)\]$", out, re.M)
    ]


def test_result_unions_and_enums_are_checked_types(tmp_path, monkeypatch):
    """Tests that mypy checks a return against a result union and an enum alias."""
    # given
    monkeypatch.chdir(ROOT)
    # when
    errors = _errors(USES, tmp_path)
    # then: only the string returned as a VisitResult and the string stored as
    # a VisitStatus are refused; the error member and `.value` type-check.
    assert errors == [(11, "return-value"), (18, "assignment")]


@pytest.mark.parametrize(
    "target",
    ["planner", "models", "schema", "resolvers", "defenses", "cli", "server.py"],
)
def test_make_test_type_checks_the_packages(target):
    """Tests that `make test` runs mypy, before pytest, on every shipped package."""
    # given
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    # when
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    # then
    assert recipe.index("$(BIN)/mypy") < recipe.index("pytest")
    assert re.search(r'^\s*"mypy[>=<]', pyproject, re.M)
    files = pyproject.split("[tool.mypy]", 1)[1].split("]", 1)[0]
    assert f'"{target}"' in files
