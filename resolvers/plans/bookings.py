"""Visits already booked for customers, so that nobody books them twice.

A customer's active visit (planned, confirmed or checked in) blocks every other
visit of that customer starting less than the customer's minimum gap before or
after it, whoever booked it. ``planVisits``, ``replanDay`` and
``recommendations`` all ask :func:`bookings` for these visits in one query by
customer id.

The query reads visits outside the caller's access rules on purpose: a visit
of another team still blocks the booking. Only its start time leaves this
module, and callers use it to leave a customer or a time out, never to show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from beanie import PydanticObjectId

from models import Customer, Visit
from models.common import as_utc
from models.scoring import ScoringSettings
from models.visit import ACTIVE_VISIT_STATUSES
from resolvers.scoring.settings import customer_target_days

#: The minimum gap between two visits of a customer, as a share of its target
#: visit interval (tier default or the customer's own ``visitIntervalDays``).
GAP_SHARE = 0.7
#: The reason a customer gets no visit because one is booked within its gap.
BOOKED = "a visit is already booked within its minimum gap"


def min_gap(customer: Customer, settings: ScoringSettings) -> timedelta:
    """The least time between the starts of two visits of ``customer``."""
    return timedelta(days=GAP_SHARE * customer_target_days(settings, customer))


@dataclass
class Bookings:
    """Booked visit starts per customer, and each customer's minimum gap."""

    starts: dict[PydanticObjectId, list[datetime]] = field(default_factory=dict)
    gaps: dict[PydanticObjectId, timedelta] = field(default_factory=dict)

    def __contains__(self, customer_id: object) -> bool:
        return bool(self.starts.get(customer_id))  # type: ignore[call-overload]

    def blocked(
        self, customer_id: PydanticObjectId, origin: datetime
    ) -> list[tuple[float, float]]:
        """Open intervals (minutes after ``origin``) in which no visit of the
        customer may start."""
        gap = self.gaps.get(customer_id, timedelta(0))
        return [
            (
                (start - gap - origin).total_seconds() / 60,
                (start + gap - origin).total_seconds() / 60,
            )
            for start in self.starts.get(customer_id, [])
        ]


async def bookings(
    customers: Sequence[Customer],
    start: datetime,
    end: datetime,
    settings: ScoringSettings,
) -> Bookings:
    """The customers' active visits that start within their minimum gap of the
    period ``[start, end]``, in one query.

    The result carries start times only; see the module docstring.
    """
    gaps = {c.id: min_gap(c, settings) for c in customers if c.id is not None}
    found = Bookings(gaps=gaps)
    if not gaps:
        return found
    widest = max(gaps.values())
    ids = list(gaps)
    # The customers alone are served by the (customer_id, planned_start) index;
    # the window and the statuses are a second stage, as several ranges in one
    # $match are not served from an index by every query planner.
    rows = await Visit.aggregate(
        [
            {"$match": {"customer_id": ids[0] if len(ids) == 1 else {"$in": ids}}},
            {
                "$match": {
                    "planned_start": {"$gt": start - widest, "$lt": end + widest},
                    "status": {"$in": [s.value for s in ACTIVE_VISIT_STATUSES]},
                }
            },
            {"$project": {"_id": 0, "customer_id": 1, "planned_start": 1}},
        ]
    ).to_list()
    for row in rows:
        at, gap = as_utc(row["planned_start"]), gaps[row["customer_id"]]
        if start - gap < at < end + gap:
            found.starts.setdefault(row["customer_id"], []).append(at)
    return found


def free_windows(
    windows: Sequence[tuple[float, float]], blocked: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """``windows`` minus the open intervals ``blocked``: a start exactly one gap
    from a booked visit is allowed."""
    free = list(windows)
    for lo, hi in blocked:
        cut = []
        for a, b in free:
            if a <= lo:
                cut.append((a, min(b, lo)))
            if b >= hi:
                cut.append((max(a, hi), b))
        free = cut
    return sorted(free)
