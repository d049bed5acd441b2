"""Generate the CRM-shaped benchmark instances (problem format version 1).

Each shape is a kind of field-sales week; each seed draws a new region, new
customers and new opening hours. Times are minutes from Monday 00:00, places are
(lat, lng) with the ``haversine`` metric at 42 km/h, and travel costs 0.5 value
units per minute driven.

Usage (from the repository root)::

    python bench/crm/generate.py [--out bench/crm/instances] [--seeds 1,2,3]

The instances are committed; the generator is kept so that they can be checked
and new shapes added.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DAY = 1440
SPEED_KM_PER_MIN = 0.7
TRAVEL_COST = 0.5
TIERS = (("A", 0.15, (90.0, 160.0)), ("B", 0.35, (35.0, 80.0)), ("C", 0.5, (8.0, 30.0)))
"""Tier, share of customers and value range of one visit."""


@dataclass(frozen=True)
class Shape:
    """One kind of instance.

    Attributes:
        name: Short name used in file names.
        reps: Number of reps.
        days: Working days (Monday on).
        candidates: Candidate visits.
        radius_km: Half the width of the region.
        territories: Territories the region is split into (1 = none).
        required_share: Share of candidates that must be served.
        pinned: Agreed appointments (fixed start, fixed rep) per rep and day.
        tight: 1-2 h windows per day instead of opening hours.
        lunch: Reps work 08:00-12:00 and 13:00-17:00 (a fixed break).
    """

    name: str
    reps: int
    days: int
    candidates: int
    radius_km: float
    territories: int = 1
    required_share: float = 0.0
    pinned: int = 0
    tight: bool = False
    lunch: bool = False


SHAPES = (
    Shape("rep-day", 1, 1, 40, 25.0),
    Shape("rep-week", 1, 5, 120, 35.0, required_share=0.04, pinned=1),
    Shape("team-week", 5, 5, 600, 60.0, territories=3, required_share=0.02),
    Shape("tight", 3, 2, 200, 30.0, tight=True),
    Shape("team-week-pinned", 5, 5, 600, 60.0, territories=3, pinned=1),
    Shape("large", 12, 5, 2500, 110.0, territories=4, required_share=0.01),
    Shape("team-week-lunch", 5, 5, 600, 60.0, territories=3, lunch=True),
)


def _offset(lat0: float, lng0: float, dx_km: float, dy_km: float) -> list[float]:
    lat = lat0 + dy_km / 111.2
    lng = lng0 + dx_km / (111.2 * math.cos(math.radians(lat0)))
    return [round(lat, 6), round(lng, 6)]


def _opening(rng: random.Random, days: int) -> list[list[float]]:
    """Opening hours as service-start windows over the days."""
    kind = rng.random()
    out = []
    closed = rng.randrange(days) if days > 2 and rng.random() < 0.3 else None
    for d in range(days):
        if d == closed:
            continue
        base = d * DAY
        if kind < 0.55:  # open all day
            out.append([base + 8 * 60, base + 17 * 60])
        elif kind < 0.85:  # closed at lunch
            out.append([base + 9 * 60, base + 12 * 60])
            out.append([base + 14 * 60, base + 17 * 60 + 30])
        else:  # mornings only
            out.append([base + 8 * 60 + 30, base + 11 * 60 + 30])
    return out


def _tight(rng: random.Random, days: int) -> list[list[float]]:
    out = []
    for d in range(days):
        if rng.random() < 0.6:
            length = rng.choice((60, 90, 120))
            start = rng.randrange(8 * 60, 17 * 60 - length, 15)
            out.append([d * DAY + start, d * DAY + start + length])
    if not out:
        d = rng.randrange(days)
        out.append([d * DAY + 10 * 60, d * DAY + 11 * 60 + 30])
    return out


def _tier_values(roll: float) -> tuple[float, float]:
    """The value range of the tier that ``roll`` (uniform in [0, 1)) falls in."""
    acc = 0.0
    for _tier, share, bounds in TIERS:
        acc += share
        if roll <= acc:
            return bounds
    return TIERS[-1][2]


def generate(shape: Shape, seed: int) -> dict[str, Any]:
    """Draw one instance of ``shape``."""
    rng = random.Random(f"{shape.name}:{seed}")
    lat0, lng0 = rng.uniform(47.5, 53.0), rng.uniform(7.0, 13.5)
    r = shape.radius_km

    def territory(x: float) -> str:
        band = min(shape.territories - 1, int((x + r) / (2 * r) * shape.territories))
        return f"T{band + 1}"

    reps = []
    for i in range(shape.reps):
        band = i % shape.territories
        lo = -r + 2 * r * band / shape.territories
        hi = lo + 2 * r / shape.territories
        x, y = rng.uniform(lo, hi), rng.uniform(-r, r)
        home = _offset(lat0, lng0, x, y)
        rep: dict[str, Any] = {"id": f"rep{i + 1}", "start": home, "end": home}
        if shape.lunch:
            shifts = [[d * DAY + 8 * 60, d * DAY + 17 * 60] for d in range(shape.days)]
            rep["breaks"] = [
                {"earliest": d * DAY + 720, "latest": d * DAY + 780, "duration": 60}
                for d in range(shape.days)
            ]
        else:
            start = rng.choice((7 * 60 + 30, 8 * 60, 8 * 60 + 30))
            shifts = [
                [d * DAY + start, d * DAY + start + 9 * 60] for d in range(shape.days)
            ]
        rep["shifts"] = shifts
        rep["_territory"] = f"T{band + 1}"
        reps.append(rep)

    # Customers cluster around a few towns, with some scattered between them.
    towns = [
        (rng.uniform(-r, r), rng.uniform(-r, r), rng.uniform(3, 10))
        for _ in range(max(3, shape.candidates // 40))
    ]
    visits = []
    for j in range(shape.candidates):
        if rng.random() < 0.8:
            tx, ty, spread = rng.choice(towns)
            x = max(-r, min(r, rng.gauss(tx, spread)))
            y = max(-r, min(r, rng.gauss(ty, spread)))
        else:
            x, y = rng.uniform(-r, r), rng.uniform(-r, r)
        lo, hi = _tier_values(rng.random())
        visit: dict[str, Any] = {
            "id": f"c{j + 1}",
            "location": _offset(lat0, lng0, x, y),
            "duration": rng.choice((20, 30, 30, 45, 45, 60)),
            "value": round(rng.uniform(lo, hi), 1),
            "windows": _tight(rng, shape.days)
            if shape.tight
            else _opening(rng, shape.days),
        }
        if rng.random() < shape.required_share:
            visit["required"] = True
        if shape.territories > 1:
            t = territory(x)
            visit["reps"] = [rep["id"] for rep in reps if rep["_territory"] == t]
        visits.append(visit)

    # Agreed appointments: a fixed start on a given day, served by one rep.
    n = len(visits)
    for ri, rep in enumerate(reps):
        for d in range(shape.days if shape.pinned else 0):
            for p in range(shape.pinned):
                start = d * DAY + rng.choice((9 * 60, 10 * 60 + 30, 14 * 60, 15 * 60))
                near = rng.uniform(-10, 10), rng.uniform(-10, 10)
                lat, lng = rep["start"]
                visits.append(
                    {
                        "id": f"pin{ri + 1}-{d + 1}-{p + 1}",
                        "location": [
                            round(lat + near[1] / 111.2, 6),
                            round(lng + near[0] / 75.0, 6),
                        ],
                        "duration": 45,
                        "value": 50.0,
                        "windows": [[start, start]],
                        "required": True,
                        "reps": [rep["id"]],
                    }
                )
    assert len(visits) >= n
    for rep in reps:
        del rep["_territory"]
    return {
        "version": 1,
        "name": f"crm-{shape.name}-s{seed}",
        "metric": "haversine",
        "speed": SPEED_KM_PER_MIN,
        "travel_cost": TRAVEL_COST,
        "reps": reps,
        "visits": visits,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "instances")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--shapes", default=",".join(s.name for s in SHAPES))
    args = parser.parse_args(argv)
    wanted = set(args.shapes.split(","))
    unknown = wanted - {s.name for s in SHAPES}
    if unknown:
        print(f"unknown shapes: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for shape in SHAPES:
        if shape.name not in wanted:
            continue
        for seed in (int(s) for s in args.seeds.split(",")):
            data = generate(shape, seed)
            path = args.out / f"{data['name']}.json"
            path.write_text(json.dumps(data, separators=(",", ":")) + "\n")
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
