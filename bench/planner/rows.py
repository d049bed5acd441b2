"""What the planner benchmarks share: rows from fresh processes, CSV and Markdown."""

from __future__ import annotations

import csv
import json
import resource
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def fresh_rows(commands: Sequence[list[str]]) -> list[dict[str, Any]]:
    """Run each command (a benchmark's ``--one`` mode) in a fresh process and
    collect the JSON row it prints last, printing each as it comes."""
    rows = []
    for command in commands:
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    return rows


def write_tables(
    rows: list[dict[str, Any]],
    out: Path,
    head: list[str],
    cells: Callable[[dict[str, Any]], list[Any]],
) -> None:
    """Write ``rows`` to ``out``.csv, and to ``out``.md as ``head`` (the title,
    text and the table's two header lines) and one table line per row."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.with_suffix(".csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = [*head]
    lines += ["| " + " | ".join(str(c) for c in cells(r)) + " |" for r in rows]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


def first_report() -> tuple[Callable[[float, float], None], list[float]]:
    """An ``on_progress`` callback and the list it puts the first report's
    elapsed seconds in."""
    first: list[float] = []

    def progress(objective: float, elapsed: float) -> None:
        if not first:
            first.append(elapsed)

    return progress, first


def peak_mib() -> tuple[int, int]:
    """Peak resident memory in MiB of this process and of its largest child."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(own), round(child)
