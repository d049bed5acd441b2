"""Scale benchmark: time to a first feasible plan and peak memory.

Generates CRM-like problems (by default 12 reps x 5 day shifts; ``--shape``
chooses others, such as 50 reps x 10 days; haversine distances in a
22 km x 22 km city area, times in minutes, realistic opening windows, some visits
restricted to a team of reps, a few required visits) with 250 to 5,000
candidate visits, plans each in a fresh process and records the time of the
first feasible plan, the final objective and the peak memory (the planning
process and its search child).

Usage (from the repository root)::

    nice -n 10 python bench/planner/scale.py [--sizes 250,1000,2500,5000]
        [--shapes 12x5,50x10] [--time-limit 60] [--out docs/benchmarks/planner_scale]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rows import first_report, fresh_rows, peak_mib, write_tables  # noqa: E402

CENTRE = (45.76, 4.84)
SPAN = (0.1, 0.14)  # degrees: about 11 km each way
DAY = 1440
TEAMS = 3


def _point(rng: random.Random) -> list[float]:
    return [
        round(CENTRE[0] + rng.uniform(-SPAN[0], SPAN[0]), 5),
        round(CENTRE[1] + rng.uniform(-SPAN[1], SPAN[1]), 5),
    ]


def generate(
    n: int, seed: int = 7, *, num_reps: int = 12, days: int = 5
) -> dict[str, Any]:
    """Return a version-1 problem dict with ``n`` candidate visits for
    ``num_reps`` reps working ``days`` days (weekdays; weekends left out)."""
    rng = random.Random(seed)
    reps = []
    workdays = [d for d in range(days + 2 * (days // 5)) if d % 7 < 5][:days]
    for r in range(num_reps):
        home = _point(rng)
        reps.append(
            {
                "id": f"rep{r + 1:02d}",
                "start": home,
                "end": home,
                "shifts": [[d * DAY + 480, d * DAY + 1080] for d in workdays],
            }
        )
    teams = [[reps[r]["id"] for r in range(t, num_reps, TEAMS)] for t in range(TEAMS)]
    visits = []
    for i in range(n):
        kind = rng.random()
        if kind < 0.4:  # any time
            windows = []
        elif kind < 0.7:  # open Monday to Friday, 9:00-17:00
            windows = [[d * DAY + 540, d * DAY + 1020] for d in workdays]
        elif kind < 0.9:  # mornings, two days a week
            chosen = sorted(rng.sample(workdays, 2 * max(1, len(workdays) // 5)))
            windows = [[d * DAY + 540, d * DAY + 720] for d in chosen]
        else:  # one appointment slot
            d, h = rng.choice(workdays), rng.randrange(540, 960, 30)
            windows = [[d * DAY + h, d * DAY + h + 60]]
        visits.append(
            {
                "id": f"v{i:05d}",
                "location": _point(rng),
                "duration": rng.choice([15, 20, 30, 45, 60]),
                "windows": windows,
                "value": rng.choice([1, 2, 3, 5, 8, 10]),
                "required": rng.random() < 0.02 and not windows,
                "reps": teams[rng.randrange(TEAMS)] if rng.random() < 0.2 else None,
            }
        )
    return {
        "version": 1,
        "name": f"scale-{n}-{num_reps}x{days}",
        "metric": "haversine",
        "speed": 0.4,  # km per minute, 24 km/h in town
        "travel_cost": 0.01,
        "reps": reps,
        "visits": visits,
    }


def run_one(n: int, shape: str, time_limit: float) -> dict[str, Any]:
    """Plan one generated problem in this process and return the figures."""
    from planner import evaluate, problem_from_dict, solve

    num_reps, days = (int(x) for x in shape.split("x"))
    start = time.monotonic()
    problem = problem_from_dict(generate(n, num_reps=num_reps, days=days))
    loaded = time.monotonic() - start
    progress, first = first_report()

    plan = solve(problem, time_limit=time_limit, seed=1, on_progress=progress)
    ev = evaluate(problem, plan)
    own, child = peak_mib()
    return {
        "visits": n,
        "shape": shape,
        "load_s": round(loaded, 2),
        "first_feasible_s": round(first[0], 2) if first else None,
        "total_s": round(time.monotonic() - start, 2),
        "objective": round(plan.objective, 3),
        "served": sum(len(r.stops) for r in plan.routes),
        "feasible": ev.ok,
        "peak_mib_planner": own,
        "peak_mib_child": child,
        "peak_mib_total": own + child,
    }


def main() -> int:
    """Run every size in a fresh process and write the CSV and Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,1000,2500,5000")
    parser.add_argument(
        "--shapes", default="12x5", help="reps x days, comma-separated (12x5,50x10)"
    )
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--shape", default="12x5", help=argparse.SUPPRESS)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "benchmarks" / "planner_scale"
    )
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.shape, args.time_limit)))
        return 0
    runs = [
        (n, shape)
        for shape in args.shapes.split(",")
        for n in map(int, args.sizes.split(","))
    ]
    rows = fresh_rows(
        [
            [
                sys.executable,
                __file__,
                "--one",
                str(n),
                "--shape",
                shape,
                "--time-limit",
                str(args.time_limit),
            ]
            for n, shape in runs
        ]
    )
    head = [
        f"# Planner scale benchmark ({args.time_limit:g} s limit)",
        "",
        "Generated by `bench/planner/scale.py` (reps x day shifts as in the shape "
        "column, haversine, minutes). Peak memory is the maximum resident set of the "
        "planning process plus that of its search child.",
        "",
        "| visits | reps x days | first feasible (s) | total (s) | served | objective "
        "| feasible | peak MiB (planner + child) |",
        "| ---: | :---: | ---: | ---: | ---: | ---: | :---: | ---: |",
    ]
    write_tables(
        rows,
        args.out,
        head,
        lambda r: [
            r["visits"],
            r["shape"],
            r["first_feasible_s"],
            r["total_s"],
            r["served"],
            f"{r['objective']:g}",
            r["feasible"],
            f"{r['peak_mib_total']} ({r['peak_mib_planner']} + {r['peak_mib_child']})",
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
