"""Run a solver on the TOPTW benchmark and append one CSV row per instance.

Usage (from the repository root)::

    python bench/planner/run_toptw.py [--solver planner|pyvrp|ortools]
        [--sets c1,c2,r1,r2,rc1,rc2,pr] [--m 1,2,3,4] [--names pr01,c101]
        [--time-limit 10] [--out docs/benchmarks/planner_toptw.csv]
    python bench/planner/run_toptw.py --summary

Runs are resumable: rows already in the CSV for the same solver, instance and m
are skipped, and each row is written as soon as its run ends, so the script can be
stopped and restarted (or run in the background with ``nice``). Every plan is
checked with :func:`planner.evaluate`. ``--summary`` writes
``docs/benchmarks/planner_toptw.md`` from the CSV files.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from planner import evaluate, load_problem, solve  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE / "toptw"
OUT = ROOT / "docs" / "benchmarks"
SETS = ("c1", "c2", "r1", "r2", "rc1", "rc2", "pr")
FIELDS = (
    "solver",
    "instance",
    "m",
    "objective",
    "bks",
    "gap_pct",
    "seconds",
    "feasible",
    "violations",
    "load1",
)


def set_of(instance: str) -> str:
    """Return the set (c1, c2, r1, r2, rc1, rc2, pr) of an instance name."""
    if instance.startswith("pr"):
        return "pr"
    match = re.fullmatch(r"(rc|r|c)(\d)\d\d", instance)
    if match is None:
        raise ValueError(f"unknown instance name {instance!r}")
    return match.group(1) + match.group(2)


def load_bks() -> dict[tuple[str, int], float]:
    """Best known scores by (instance, m)."""
    with (DATA / "bks.csv").open() as fh:
        return {
            (r["instance"], int(r["m"])): float(r["bks"]) for r in csv.DictReader(fh)
        }


def instances(
    sets: list[str], ms: list[int], names: list[str]
) -> list[tuple[str, int]]:
    """All (instance, m) pairs of the JSON directory matching the filters."""
    out = []
    for path in sorted(DATA.glob("json/*.json")):
        name, m = path.stem.rsplit("-m", 1)
        if set_of(name) in sets and int(m) in ms and (not names or name in names):
            out.append((name, int(m)))
    return out


def run_one(solver: str, name: str, m: int, time_limit: float, seed: int) -> tuple:
    """Solve one instance; return (objective, seconds, feasible, violations)."""
    problem = load_problem(DATA / "json" / f"{name}-m{m}.json")
    start = time.monotonic()
    if solver == "planner":
        plan = solve(problem, time_limit=time_limit, seed=seed)
    else:
        from baselines import solve_baseline

        plan = solve_baseline(solver, problem, time_limit=time_limit, seed=seed)
    seconds = time.monotonic() - start
    ev = evaluate(problem, plan)
    problems = list(ev.violations) + list(ev.misreported)
    return ev.objective, seconds, ev.ok, "; ".join(problems)[:300]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or write the summary) and return an exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--solver", default="planner", choices=("planner", "pyvrp", "ortools")
    )
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--m", default="1,2,3,4")
    parser.add_argument("--names", default="", help="comma-separated instance names")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args(argv)
    if args.summary:
        from summary import write_summary

        print(write_summary(OUT))
        return 0
    out = args.out or OUT / f"planner_toptw_{args.solver}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if out.exists():
        with out.open() as fh:
            done = {
                (r["solver"], r["instance"], int(r["m"])) for r in csv.DictReader(fh)
            }
    else:
        with out.open("w", newline="") as fh:
            csv.writer(fh).writerow(FIELDS)
    bks = load_bks()
    todo = instances(
        args.sets.split(","),
        [int(x) for x in args.m.split(",")],
        [x for x in args.names.split(",") if x],
    )
    for name, m in todo:
        if (args.solver, name, m) in done:
            continue
        obj, secs, ok, why = run_one(args.solver, name, m, args.time_limit, args.seed)
        best = bks.get((name, m))
        gap = "" if best is None else f"{100.0 * (best - obj) / best:.3f}"
        row = (
            args.solver,
            name,
            m,
            f"{obj:.6g}",
            "" if best is None else f"{best:g}",
            gap,
            f"{secs:.2f}",
            ok,
            why,
            f"{os.getloadavg()[0]:.2f}",
        )
        with out.open("a", newline="") as fh:
            csv.writer(fh).writerow(row)
        print(*row[:8], row[9], flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
