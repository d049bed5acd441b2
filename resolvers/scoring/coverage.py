"""Coverage: the share of customers visited within their target frequency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from models import Customer, Rep, Visit
from models.common import as_utc, utc_now
from models.customer import Tier
from models.visit import VisitStatus
from resolvers.common import any_of, object_id
from resolvers.errors import Invalid
from resolvers.scoring.common import (
    VERIFIED_CHECK_IN,
    VISITABLE,
    Rules,
    narrowed,
    ratio,
)
from resolvers.scoring.effectiveness import MAX_CUSTOM_DAYS, Dimension
from resolvers.scoring.settings import customer_target_days, load_settings

#: The label of the row for customers of users the caller may not see.
OTHERS = "other reps"


@dataclass
class TierCoverage:
    """How many customers of a tier there are, and how many were covered."""

    tier: Tier | None
    customers: int = 0
    covered: int = 0

    @property
    def share(self) -> float | None:
        """covered / customers, or ``None`` without customers."""
        return ratio(self.covered, self.customers)


@dataclass
class CoverageRow:
    """Coverage of one rep's or team's customers, per tier and overall."""

    key: str | None
    label: str
    tiers: dict[Tier, TierCoverage] = field(default_factory=dict)
    total: TierCoverage = field(default_factory=lambda: TierCoverage(None))
    #: Completed visits in the period whose check-in was not VERIFIED.
    unverified_check_ins: int = 0


def covered(
    starts: Sequence[datetime], first: datetime, last: datetime, target: int
) -> bool:
    """Whether no stretch of more than ``target`` days in ``[first, last]`` went
    without a completed visit, counting the latest visit before ``first``."""
    limit = timedelta(days=target)
    before = [s for s in starts if s <= first]
    if not before:
        return False
    previous = max(before)
    for s in sorted(s for s in starts if first < s <= last):
        if s - previous > limit:
            return False
        previous = s
    return last - previous <= limit


async def coverage(
    rules: Rules,
    first_day: date,
    last_day: date,
    group_by: Dimension = Dimension.REP,
    rep_ids: list[str] | None = None,
) -> list[CoverageRow]:
    """Coverage per owner rep (or team) of customers that may be visited.

    The period runs from ``first_day`` to ``last_day`` (UTC days, both included;
    a period reaching into the future ends now).
    """
    if last_day < first_day:
        raise Invalid("lastDay must not be before firstDay", field="lastDay")
    if (last_day - first_day).days >= MAX_CUSTOM_DAYS:
        raise Invalid(f"cover at most {MAX_CUSTOM_DAYS} days", field="lastDay")
    if group_by not in (Dimension.REP, Dimension.TEAM):
        raise Invalid("group coverage by REP or TEAM", field="groupBy")
    settings = await load_settings()
    first = datetime.combine(first_day, time(0), tzinfo=UTC)
    last = min(
        datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC), utc_now()
    )
    query: dict[str, Any] = {"status": {"$in": [s.value for s in VISITABLE]}}
    if rep_ids:
        asked = [object_id(r, "repIds") for r in rep_ids]
        query["owner_id"] = any_of([r for r in asked if rules.seen(r)])
    customers = [
        c
        for c in await Customer.find(narrowed(query, rules.customers)).to_list()
        if c.owner_id is not None
    ]
    ids = [c.id for c in customers]
    longest = max((customer_target_days(settings, c) for c in customers), default=1)
    # Equality on status and the customers' $in are served by one compound
    # index; the window is a second stage, as two ranges in one $match are not
    # served by every query planner.
    match = narrowed(
        {"status": VisitStatus.COMPLETED.value, "customer_id": {"$in": ids}},
        rules.visits,
    )
    window = {"$gte": first - timedelta(days=longest), "$lt": last}
    # Visits before the period only carry coverage into it; they are not counted.
    in_period = {"$gte": ["$planned_start", first]}
    unverified = {"$cond": [in_period, {"$cond": [VERIFIED_CHECK_IN, 0, 1]}, 0]}
    rows = await Visit.aggregate(
        [
            {"$match": match},
            {"$match": {"planned_start": window}},
            {
                "$group": {
                    "_id": "$customer_id",
                    "s": {"$push": "$planned_start"},
                    "u": {"$sum": unverified},
                }
            },
        ]
    ).to_list()
    starts = {row["_id"]: [as_utc(s) for s in row["s"]] for row in rows}
    unverified_of = {row["_id"]: row["u"] for row in rows}
    owners = {c.owner_id for c in customers}
    reps = {
        r.id: r
        for r in await Rep.find(
            narrowed({"_id": {"$in": list(owners)}}, rules.reps)
        ).to_list()
    }
    # Customers of users the caller may not see count under one row without an
    # id ("other reps"), so coverage names no one a direct read would not.
    heads = {
        o: ((reps[o].manager_id or o) if group_by is Dimension.TEAM else o)
        if o in reps
        else None
        for o in owners
    }
    names = {r.id: r.name for r in reps.values()}
    missing = [h for h in heads.values() if h is not None and h not in names]
    if missing:
        for r in await Rep.find(
            narrowed({"_id": {"$in": missing}}, rules.reps)
        ).to_list():
            names[r.id] = r.name
    heads = {o: h if h in names else None for o, h in heads.items()}
    out: dict[Any, CoverageRow] = {}
    for c in customers:
        head = heads[c.owner_id]
        if head is None:
            row = out.setdefault(None, CoverageRow(None, OTHERS))
        else:
            name = names[head]
            label = f"team of {name}" if group_by is Dimension.TEAM else name
            row = out.setdefault(head, CoverageRow(str(head), label))
        row.unverified_check_ins += unverified_of.get(c.id, 0)
        tier = row.tiers.setdefault(c.tier, TierCoverage(c.tier))
        target = customer_target_days(settings, c)
        ok = covered(starts.get(c.id, []), first, last, target)
        for t in (tier, row.total):
            t.customers += 1
            t.covered += int(ok)
    for row in out.values():
        row.tiers = {t: row.tiers.get(t, TierCoverage(t)) for t in Tier}
    return sorted(out.values(), key=lambda r: r.label)
