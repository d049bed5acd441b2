"""How long replanDay takes for a full day: 12 stops, 200 customers around.

Starts the embedded store, creates one rep in Munich with 200 customers of their
own and a day of 12 visits, cancels one of them mid-morning and times replanDay
through the GraphQL schema (store queries, problem building, the solver in its
worker process, storing the draft) several times. Writes the figures to
docs/benchmarks/replan-day.md.

    .venv/bin/python bench/planning/replan_day.py [--runs 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from beanie import PydanticObjectId

from models import Customer, Rep, Visit
from models.common import DayHours, GeoPoint, TimeRange
from models.customer import Address, Tier
from resolvers.access import Principal
from resolvers.context import Context
from resolvers.plans import SolverPool, replan
from schema import schema
from store import EmbeddedStore, open_database

ROOT = Path(__file__).resolve().parents[2]

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2031, 3, 3)
REPLAN = """
mutation($input: ReplanDayInput!) { replanDay(input: $input) { __typename
  ... on VisitPlanPayload { plan { totals { visits candidates objective }
    changes { kind } solver { seconds } } } ... on Error { message } } }
"""


def week(*spans: tuple[str, str]) -> list[DayHours]:
    """The same hours Monday to Friday (a gap between spans is a break)."""
    names = ["monday", "tuesday", "wednesday", "thursday", "friday"]
    intervals = [TimeRange(start=a, end=b) for a, b in spans]
    return [DayHours(weekday=d, intervals=intervals) for d in names]


async def setup(rng: random.Random) -> tuple[Rep, list[Visit]]:
    """A rep with a lunch break, 200 customers and a 12-visit day."""
    rep = Rep(
        name="Bench Rep",
        email="bench@example.com",
        home=GeoPoint.at(48.137, 11.575),
        working_hours=week(("07:00", "12:00"), ("13:00", "19:00")),
        time_zone="Europe/Berlin",
    )
    await rep.insert()
    customers = []
    for n in range(212):
        lat, lng = 48.137 + rng.uniform(-0.06, 0.06), 11.575 + rng.uniform(-0.09, 0.09)
        customers.append(
            Customer(
                id=PydanticObjectId(),  # insert_many does not set ids on the objects
                name=f"Customer {n:03d}",
                tier=rng.choice(list(Tier)),
                status="active",
                addresses=[Address(label="shop", location=GeoPoint.at(lat, lng))],
                opening_hours=week(("08:00", "18:00")),
                time_zone="Europe/Berlin",
                owner_id=rep.id,
            )
        )
    await Customer.insert_many(customers)
    visits = []
    start = datetime(2031, 3, 3, 7, 30, tzinfo=BERLIN).astimezone(UTC)
    for n in range(12):
        # Every 50 minutes from 07:30, from the sixth on after lunch (13:00).
        begin = start + timedelta(minutes=50 * n + (80 if n >= 5 else 0))
        visits.append(
            Visit(
                id=PydanticObjectId(),
                customer_id=customers[n].id,
                rep_id=rep.id,
                purpose="follow_up",
                planned_start=begin,
                planned_end=begin + timedelta(minutes=30),
                # Two visits not yet confirmed: one pinned (kept), one free.
                status="planned" if n in (8, 9) else "confirmed",
                pinned=n == 8,
            )
        )
    await Visit.insert_many(visits)
    return rep, visits


async def run(runs: int) -> list[dict[str, float]]:
    """Time replanDay ``runs`` times on a fresh database."""
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(Path(tmp)) as store:
        client, _ = await open_database(store.uri, "bench_replan")
        pool = SolverPool()
        try:
            rep, visits = await setup(random.Random(7))
            await Visit.find_one({"_id": visits[3].id}).update(
                {"$set": {"status": "cancelled"}}
            )
            now = datetime(2031, 3, 3, 9, 40, tzinfo=BERLIN).astimezone(UTC)
            replan.utc_now = lambda: now  # the benchmark's day is a fixed Monday
            pool.warm_up()
            await asyncio.sleep(3)
            gid = f"{__import__('strawberry').relay.GlobalID('Rep', str(rep.id))}"
            figures = []
            for _ in range(runs):
                began = time.perf_counter()
                result = await schema.execute(
                    REPLAN,
                    context_value=Context(principal=Principal.system(), pool=pool),
                    variable_values={
                        "input": {
                            "repId": gid,
                            "day": str(DAY),
                            "timeLimitSeconds": 1.2,
                        }
                    },
                )
                seconds = time.perf_counter() - began
                plan = result.data["replanDay"]["plan"]  # type: ignore[index]
                figures.append(
                    {
                        "seconds": seconds,
                        "stops": plan["totals"]["visits"],
                        "candidates": plan["totals"]["candidates"],
                        "solver": plan["solver"]["seconds"],
                        "load": os.getloadavg()[0],
                    }
                )
            return figures
        finally:
            pool.close()
            client.close()


def write(figures: list[dict[str, float]], out: Path) -> None:
    """Write the table of runs."""
    seconds = sorted(f["seconds"] for f in figures)
    lines = [
        "# replanDay: re-planning the rest of a day",
        "",
        f"Run on {datetime.now(UTC):%Y-%m-%d}, 2 cores, embedded store; "
        "`bench/planning/replan_day.py`.",
        "",
        "One rep working 07:00-12:00 and 13:00-19:00 (a lunch break), a day of 12",
        "visits from 07:30 (10 confirmed, one planned and pinned, one planned), one",
        "cancelled; at 09:40 the rest of the day is re-planned with the rep's 200",
        "other customers around as candidates (solver limit 1.2 s, the default).",
        "Time is the whole mutation: store queries, problem building, the solver in",
        "its worker process, storing the draft.",
        "",
        "| run | seconds | solver seconds | stops planned | candidates "
        "| load (1 min) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for n, f in enumerate(figures, 1):
        lines.append(
            f"| {n} | {f['seconds']:.2f} | {f['solver']:.2f} | {f['stops']:.0f} "
            f"| {f['candidates']:.0f} | {f['load']:.1f} |"
        )
    lines += [
        "",
        f"Median {statistics.median(seconds):.2f} s, worst {seconds[-1]:.2f} s "
        f"(target: within 2 s).",
        "",
    ]
    out.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    """Run the benchmark and write docs/benchmarks/replan-day.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs/benchmarks/replan-day.md"
    )
    args = parser.parse_args()
    figures = asyncio.run(run(args.runs))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write(figures, args.out)
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
