"""Generate a deterministic demo data set: reps, customers, demands and visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models.customer import Customer
from models.demand import Demand
from models.rep import Rep
from models.visit import Visit
from seed.customers import make_customers
from seed.demands import make_demands
from seed.reps import make_reps
from seed.source import Source
from seed.visits import make_visits


@dataclass
class Dataset:
    """Documents built by :func:`generate`, not yet inserted, in insertion order."""

    reps: list[Rep]
    customers: list[Customer]
    demands: list[Demand]
    visits: list[Visit]


def generate(
    *,
    customers: int,
    reps: int,
    months: int,
    seed: int,
    now: datetime,
    visits_per_day: tuple[int, int] = (2, 4),
) -> Dataset:
    """Build a demo data set for a sales team in Munich, without touching the database.

    The same arguments always give the same documents, ids included. Beanie builds
    documents only for classes that ``init_beanie`` has initialised, so call it first
    (a mongomock client is enough when nothing is to be stored).

    Args:
        customers: How many customers to create.
        reps: How many field reps (role ``rep``) to create. An admin, one manager per
            six reps (at least one) and a partner account come on top.
        months: How many months of past visits each field rep gets; the next five
            working days are planned too.
        seed: Seed of every random choice.
        now: The moment the data set is generated at; timezone-aware.
        visits_per_day: The least and most visits a rep plans on one working day.

    Returns:
        The reps, customers, demands and visits, every reference resolving within.

    Raises:
        ValueError: If a count is negative, ``visits_per_day`` is not an ordered pair
            of non-negative numbers, or ``now`` is naive.
    """
    if min(customers, reps, months) < 0:
        raise ValueError("customers, reps and months must not be negative")
    low, high = visits_per_day
    if not 0 <= low <= high:
        raise ValueError("visits_per_day must be (least, most) with 0 <= least <= most")
    src = Source(seed=seed, now=now, months=months)
    all_reps, field_reps = make_reps(src, reps)
    placed = make_customers(src, customers, field_reps)
    visits = make_visits(src, field_reps, placed, (low, high))
    demands = make_demands(src, placed, visits)
    return Dataset(
        reps=all_reps,
        customers=[p.customer for p in placed],
        demands=demands,
        visits=visits,
    )
