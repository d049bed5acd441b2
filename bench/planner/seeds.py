"""Summarise repeated TOPTW runs (several seeds, or a run beside a busy core).

Usage (from the repository root)::

    python bench/planner/seeds.py --out docs/benchmarks/planner_toptw_seeds.md \\
        quiet-1=docs/benchmarks/toptw_pr_seed1.csv \\
        quiet-2=docs/benchmarks/toptw_pr_seed2.csv \\
        busy-1=docs/benchmarks/toptw_pr_busy_seed1.csv

Each argument names a run and its CSV (written by ``run_toptw.py --out``). The
summary gives, per run, the mean and worst gap to the best known score and the
pairs above 2 %, then per pair the spread over the runs.
"""

from __future__ import annotations

import argparse
import csv
import statistics
from pathlib import Path

ABOVE = 2.0
"""Gap (percent) counted as a miss."""


def _read(path: Path) -> dict[tuple[str, int], dict[str, str]]:
    with path.open() as fh:
        return {(r["instance"], int(r["m"])): r for r in csv.DictReader(fh)}


def _gap(row: dict[str, str]) -> float | None:
    return float(row["gap_pct"]) if row.get("gap_pct") else None


def summary(runs: dict[str, dict[tuple[str, int], dict[str, str]]]) -> str:
    """Markdown tables for ``runs`` (run name -> rows by (instance, m))."""
    lines = [
        "# TOPTW pr instances: repeated runs",
        "",
        "10 s per pair, the planner's default two searches. Gap = (BKS - "
        "objective) / BKS in percent. Load = 1-minute load average during the "
        "run (runnable processes of every session, so it does not show how much "
        "CPU the run itself got).",
        "",
        "| run | pairs | feasible | mean gap % | worst gap % | above 2 % | load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, rows in runs.items():
        gaps = [g for r in rows.values() if (g := _gap(r)) is not None]
        feasible = sum(r["feasible"] == "True" for r in rows.values())
        loads = [float(r["load1"]) for r in rows.values() if r.get("load1")]
        load = f"{statistics.median(loads):.1f} (max {max(loads):.1f})" if loads else ""
        lines.append(
            f"| {name} | {len(rows)} | {feasible} | {statistics.mean(gaps):.2f} | "
            f"{max(gaps):.2f} | {sum(g > ABOVE for g in gaps)} | {load} |"
        )
    pairs = sorted(set().union(*(rows.keys() for rows in runs.values())))
    lines += [
        "",
        "## Pairs above 2 % in any run",
        "",
        "| pair | " + " | ".join(runs) + " | spread % |",
        "| --- | " + " | ".join("---:" for _ in runs) + " | ---: |",
    ]
    for pair in pairs:
        gaps = [_gap(rows[pair]) if pair in rows else None for rows in runs.values()]
        known = [g for g in gaps if g is not None]
        if not known or max(known) <= ABOVE:
            continue
        cells = " | ".join("" if g is None else f"{g:.2f}" for g in gaps)
        lines.append(
            f"| {pair[0]} m={pair[1]} | {cells} | {max(known) - min(known):.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write the summary of the named runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="NAME=CSV")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    runs = {}
    for spec in args.runs:
        name, _, path = spec.partition("=")
        runs[name] = _read(Path(path))
    args.out.write_text(summary(runs))


if __name__ == "__main__":
    main()
