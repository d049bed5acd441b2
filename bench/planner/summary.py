"""Summarise the TOPTW benchmark CSV files into ``planner_toptw.md``.

Reads ``planner_toptw_planner.csv`` and, when present, the baseline files
``planner_toptw_pyvrp.csv`` and ``planner_toptw_ortools.csv`` from
``docs/benchmarks/``.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from pathlib import Path

from run_toptw import set_of

SOLVERS = ("planner", "pyvrp", "ortools")


def _read(folder: Path) -> dict[str, dict[tuple[str, int], dict[str, str]]]:
    out: dict[str, dict[tuple[str, int], dict[str, str]]] = {}
    for solver in SOLVERS:
        path = folder / f"planner_toptw_{solver}.csv"
        if path.exists():
            with path.open() as fh:
                out[solver] = {
                    (r["instance"], int(r["m"])): r for r in csv.DictReader(fh)
                }
    return out


def _fmt(x: float | None, digits: int = 2) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def write_summary(folder: Path) -> str:
    """Write ``planner_toptw.md`` in ``folder`` and return its text."""
    runs = _read(folder)
    mine = runs.get("planner", {})
    lines = ["# TOPTW benchmark: planner results", ""]
    n_feasible = sum(r["feasible"] == "True" for r in mine.values())
    loads = [float(r.get("load1") or 0) for r in mine.values()]
    lines += [
        f"{len(mine)} instance/m pairs run, {n_feasible} plans feasible and "
        "correctly reported (checked with `planner.evaluate`). Gap = (BKS - "
        "objective) / BKS, only where `bks.csv` has a value.",
        "",
        f"Machine load (1-minute average) during the runs: median "
        f"{statistics.median(loads) if loads else 0:.1f}, max "
        f"{max(loads, default=0):.1f} on 2 cores.",
        "",
        "## Gap to best known, by set and m",
        "",
        "| set | m | runs | with BKS | mean gap % | worst gap % | above 2 % |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    groups: dict[tuple[str, int], list[dict[str, str]]] = defaultdict(list)
    for (name, m), row in mine.items():
        groups[(set_of(name), m)].append(row)
    by_m: dict[int, list[float]] = defaultdict(list)
    for key in sorted(groups):
        rows = groups[key]
        gaps = [float(r["gap_pct"]) for r in rows if r["gap_pct"]]
        by_m[key[1]].extend(gaps)
        lines.append(
            f"| {key[0]} | {key[1]} | {len(rows)} | {len(gaps)} | "
            f"{_fmt(statistics.fmean(gaps) if gaps else None)} | "
            f"{_fmt(max(gaps) if gaps else None)} | {sum(g > 2 for g in gaps)} |"
        )
    lines += ["", "| m | mean gap % | worst gap % |", "| ---: | ---: | ---: |"]
    for m in sorted(by_m):
        gaps = by_m[m]
        if gaps:
            lines.append(f"| {m} | {statistics.fmean(gaps):.2f} | {max(gaps):.2f} |")
    base = [s for s in ("pyvrp", "ortools") if s in runs]
    if base:
        common = sorted(set(mine).intersection(*(runs[s] for s in base)))
        wins = ties = losses = 0
        for key in common:
            ours = float(mine[key]["objective"])
            best = max(float(runs[s][key]["objective"]) for s in base)
            wins += ours > best + 1e-9
            ties += abs(ours - best) <= 1e-9
            losses += ours < best - 1e-9
        lines += [
            "",
            "## Against the baselines (same time limit)",
            "",
            f"On {len(common)} common instance/m pairs the planner is better than "
            f"the better baseline on {wins}, equal on {ties}, worse on {losses}.",
            "",
            "| instance | m | BKS | planner | " + " | ".join(base) + " |",
            "| --- | ---: | ---: | ---: | " + " | ".join("---:" for _ in base) + " |",
        ]
        for key in common:
            lines.append(
                f"| {key[0]} | {key[1]} | {mine[key]['bks']} | "
                f"{mine[key]['objective']} | "
                + " | ".join(
                    f"{runs[s][key]['objective']}"
                    + ("" if runs[s][key]["feasible"] == "True" else " (infeasible)")
                    for s in base
                )
                + " |"
            )
    lines += [
        "",
        "## Every run",
        "",
        "| instance | m | objective | BKS | gap % | seconds | feasible |",
        "| --- | ---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    for (name, m), r in sorted(mine.items()):
        lines.append(
            f"| {name} | {m} | {r['objective']} | {r['bks']} | {r['gap_pct']} | "
            f"{r['seconds']} | {r['feasible']} |"
        )
    text = "\n".join(lines) + "\n"
    (folder / "planner_toptw.md").write_text(text)
    return text
