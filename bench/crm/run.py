"""Run the planner and the plain baselines on the CRM-shaped instances.

Usage (from the repository root)::

    python bench/crm/run.py [--solver planner,pyvrp,ortools] [--names crm-tight-s1]
        [--shapes tight,team-week] [--seed 1] [--limit-factor 1.0]
        [--out docs/benchmarks/planner_crm.csv]
    python bench/crm/run.py --summary

Each instance runs at its shape's time limit (:data:`LIMITS`, scaled by
``--limit-factor``); every plan is checked with :func:`planner.evaluate` and a
plan that fails the check counts as infeasible. Rows are appended as soon as a
run ends and runs already in the CSV are skipped, so the script can be stopped
and restarted. ``--summary`` writes ``docs/benchmarks/planner_crm.md``.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import solve_baseline  # noqa: E402

from planner import evaluate, load_problem, solve  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE / "instances"
OUT = ROOT / "docs" / "benchmarks"
LIMITS = {
    "rep-day": 10.0,
    "rep-week": 20.0,
    "tight": 20.0,
    "team-week": 60.0,
    "team-week-pinned": 60.0,
    "team-week-lunch": 60.0,
    "large": 60.0,
}
"""Seconds per run, by shape."""
FIELDS = (
    "solver",
    "instance",
    "seed",
    "time_limit",
    "objective",
    "seconds",
    "feasible",
    "missing_required",
    "violations",
    "load1",
)


def shape_of(name: str) -> str:
    """``crm-team-week-s2`` -> ``team-week``."""
    return name.removeprefix("crm-").rsplit("-s", 1)[0]


def run_one(solver: str, path: Path, seed: int, limit: float) -> dict[str, object]:
    """Solve one instance and check the plan."""
    problem = load_problem(path)
    begin = time.monotonic()
    if solver == "planner":
        plan = solve(problem, time_limit=limit, seed=seed)
    else:
        plan = solve_baseline(solver, problem, time_limit=limit, seed=seed)
    seconds = time.monotonic() - begin
    ev = evaluate(problem, plan)
    missing = [
        v.id for v in problem.visits if v.required and v.id in set(plan.unserved)
    ]
    return {
        "solver": solver,
        "instance": problem.name,
        "seed": seed,
        "time_limit": limit,
        "objective": round(ev.objective, 3),
        "seconds": round(seconds, 2),
        "feasible": int(ev.ok),
        "missing_required": len(missing),
        "violations": len(ev.violations),
        "load1": round(os.getloadavg()[0], 2),
    }


def _has_breaks(path: Path) -> bool:
    return load_problem(path).has_breaks


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open() as f:
        return list(csv.DictReader(f))


def summary(csv_path: Path, md_path: Path) -> None:
    """Write the markdown table: per instance, planner against each baseline."""
    rows = _rows(csv_path)
    best: dict[tuple[str, str], list[float]] = {}
    bad: dict[tuple[str, str], int] = {}
    by_seed: dict[tuple[str, str, str], float] = {}
    for r in rows:
        key = (r["instance"], r["solver"])
        ok = r["feasible"] == "1" and r["missing_required"] == "0"
        best.setdefault(key, []).append(float(r["objective"]) if ok else float("nan"))
        bad[key] = bad.get(key, 0) + (not ok)
        if ok:
            by_seed[(r["instance"], r["solver"], r["seed"])] = float(r["objective"])
    instances = sorted({r["instance"] for r in rows})
    lines = [
        "# Planner on CRM-shaped problems",
        "",
        "Instances: `bench/crm/instances/` (made by `bench/crm/generate.py`). "
        "Each run at "
        "its shape's time limit; objective = value served - 0.5 x minutes driven, from "
        "the checked plan (`planner.evaluate`). Gap = (baseline - planner) / baseline: "
        "negative means the planner is better. Mean over the seeds run; "
        "a baseline whose plans all failed the check or missed a required "
        "visit is marked infeasible and left out of its mean gap. "
        "`-`: not run (the plain models have no breaks; plain OR-Tools "
        "was not run on the large shape). Seeds: runs of the planner.",
        "",
        "| instance | limit s | seeds | planner | plain PyVRP | gap % "
        "| plain OR-Tools | gap % |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    gaps: dict[str, list[float]] = {"pyvrp": [], "ortools": []}
    for name in instances:
        p = best.get((name, "planner"), [])
        cells = [name, f"{LIMITS.get(shape_of(name), 0):g}", str(len(p))]
        p = [x for x in p if not math.isnan(x)]
        pm = statistics.fmean(p) if p else float("nan")
        cells.append(f"{pm:,.1f}" if p else "-")
        for solver in ("pyvrp", "ortools"):
            runs = best.get((name, solver), [])
            b = [x for x in runs if not math.isnan(x)]
            if runs and not b:
                cells += ["infeasible", "-"]
                continue
            if not b or not p:
                cells += [f"{statistics.fmean(b):,.1f}" if b else "-", "-"]
                continue
            bm = statistics.fmean(b)
            gap = 100 * (bm - pm) / abs(bm)
            gaps[solver].append(gap)
            cells += [f"{bm:,.1f}", f"{gap:+.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for solver, label in (("pyvrp", "plain PyVRP"), ("ortools", "plain OR-Tools")):
        g = gaps[solver]
        if g:
            lines.append(
                f"- Against {label}: mean gap {statistics.fmean(g):+.2f} %, "
                f"worst {max(g):+.2f} % over {len(g)} instances."
            )
    lines.append(_seed_by_seed(by_seed))
    failures = {k: n for k, n in bad.items() if n}
    lines.append(
        "- Runs whose plan failed the check or missed a required visit: "
        + (
            ", ".join(f"{i} ({s}: {n})" for (i, s), n in sorted(failures.items()))
            or "none"
        )
        + "."
    )
    md_path.write_text("\n".join(lines) + "\n")


def _seed_by_seed(by_seed: dict[tuple[str, str, str], float]) -> str:
    """One line: the planner against plain PyVRP run by run (same instance and
    seed), so that a mean over seeds cannot hide a run it lost."""
    gaps = []
    for (name, solver, seed), base in by_seed.items():
        mine = by_seed.get((name, "planner", seed))
        if solver == "pyvrp" and mine is not None:
            gaps.append((100 * (base - mine) / abs(base), name, seed))
    if not gaps:
        return "- Run by run against plain PyVRP: no pairs."
    behind = [g for g in gaps if g[0] > 0]
    worst = max(gaps)
    return (
        f"- Run by run against plain PyVRP (same instance and seed): behind on "
        f"{len(behind)} of {len(gaps)} runs, worst {worst[0]:+.2f} % "
        f"({worst[1]}, seed {worst[2]})"
        + (
            "; behind on "
            + ", ".join(
                f"{n} seed {s} ({g:+.2f} %)" for g, n, s in sorted(behind, reverse=True)
            )
            if behind
            else ""
        )
        + "."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solver", default="planner,pyvrp,ortools")
    parser.add_argument("--names", default="")
    parser.add_argument("--shapes", default="")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit-factor", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=OUT / "planner_crm.csv")
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args(argv)
    if args.summary:
        summary(args.out, args.out.with_suffix(".md"))
        return 0
    paths = sorted(DATA.glob("crm-*.json"))
    if args.names:
        wanted = set(args.names.split(","))
        paths = [p for p in paths if p.stem in wanted]
    if args.shapes:
        shapes = set(args.shapes.split(","))
        paths = [p for p in paths if shape_of(p.stem) in shapes]
    if not paths:
        print("no instances selected", file=sys.stderr)
        return 2
    done = {(r["solver"], r["instance"], r["seed"]) for r in _rows(args.out)}
    new = not args.out.exists()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        if new:
            writer.writeheader()
        for path in paths:
            limit = LIMITS[shape_of(path.stem)] * args.limit_factor
            for solver in args.solver.split(","):
                if (solver, path.stem, str(args.seed)) in done:
                    continue
                if solver != "planner" and _has_breaks(path):
                    continue  # the plain models have no breaks
                row = run_one(solver, path, args.seed, limit)
                writer.writerow(row)
                f.flush()
                print(",".join(str(row[k]) for k in FIELDS), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
