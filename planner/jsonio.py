"""Reading problems and plans from JSON, writing plans to JSON."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planner.plan import Plan, plan_from_dict, plan_to_dict
from planner.problem import Problem, problem_from_dict

Source = str | os.PathLike[str] | Mapping[str, Any]


def _decode(source: Source, what: str) -> Any:
    if isinstance(source, Mapping):
        return source
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{what}: cannot read {path}: {exc.strerror}") from exc
    return loads(text, what)


def loads(text: str, what: str = "problem") -> Any:
    """Decode JSON text, turning syntax errors into a ``ValueError``.

    Args:
        text: The JSON text.
        what: What the text holds, used in the error message.

    Raises:
        ValueError: When the text is not valid JSON.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{what}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc


def load_problem(source: Source) -> Problem:
    """Load and validate a problem from a JSON file path or a decoded dict.

    Args:
        source: Path to a version-1 problem JSON file, or the decoded object.

    Returns:
        The validated problem.

    Raises:
        ValueError: When the file cannot be read or parsed, or a field is invalid.
    """
    return problem_from_dict(_decode(source, "problem"))


def load_plan(source: Source) -> Plan:
    """Load a plan from a JSON file path or a decoded dict.

    Args:
        source: Path to a version-1 plan JSON file, or the decoded object.

    Returns:
        The plan.

    Raises:
        ValueError: When the file cannot be read or parsed, or a field is invalid.
    """
    return plan_from_dict(_decode(source, "plan"))


def dumps_plan(plan: Plan) -> str:
    """Return the plan as version-1 JSON text (indented, newline-terminated)."""
    return json.dumps(plan_to_dict(plan), indent=2) + "\n"


def dump_plan(plan: Plan, path: str | os.PathLike[str] | None = None) -> str:
    """Serialise a plan to JSON text and optionally write it to ``path``.

    The file is written atomically: a temporary file beside it is renamed into
    place, so a reader never sees a partial plan.

    Args:
        plan: The plan.
        path: Where to write the JSON, or ``None`` to only return it.

    Returns:
        The JSON text.
    """
    text = dumps_plan(plan)
    if path is not None:
        target = Path(path)
        fd, tmp = tempfile.mkstemp(
            dir=target.parent or Path("."), prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return text
