"""Demo visits: months of past visits per field rep, and the next days planned."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from beanie import PydanticObjectId

from models.common import GeoPoint, Stamp
from models.customer import LifecycleStatus, Tier
from models.rep import Rep
from models.visit import Outcome, Presence, Purpose, Visit, VisitStatus
from seed import munich, vocab
from seed.customers import PlacedCustomer
from seed.reps import WORK_DAYS, WORK_END, WORK_START
from seed.source import Source, months_before

BERLIN = ZoneInfo(munich.TIME_ZONE)
#: Fixed-date public holidays in Bavaria (month, day); reps do not visit on these.
HOLIDAYS = frozenset(
    {(1, 1), (1, 6), (5, 1), (8, 15), (10, 3), (11, 1), (12, 25), (12, 26)}
)
UPCOMING_DAYS = 5
_DAY_START = int(WORK_START[:2]) * 60 + int(WORK_START[3:])
_DAY_END = int(WORK_END[:2]) * 60 + int(WORK_END[3:])

_TIER_WEIGHT = {Tier.A: 6.0, Tier.B: 3.0, Tier.C: 1.0}
_STATUS_WEIGHT = {
    LifecycleStatus.ACTIVE: 1.0,
    LifecycleStatus.LEAD: 0.8,
    LifecycleStatus.DORMANT: 0.2,
}
_PAST_OUTCOMES = (VisitStatus.COMPLETED, VisitStatus.CANCELLED, VisitStatus.MISSED)
_LEAD_PURPOSES = (Purpose.INTRO, Purpose.DEMO)
_PURPOSES = (
    Purpose.FOLLOW_UP,
    Purpose.RELATIONSHIP,
    Purpose.SERVICE,
    Purpose.NEGOTIATION,
    Purpose.COLLECTION,
    Purpose.DEMO,
    Purpose.OTHER,
)
_PURPOSE_WEIGHTS = (5, 4, 3, 2, 1, 2, 1)
_OTHER_PURPOSE = "Hand over trade fair tickets"


def working_days(first: date, last: date) -> list[date]:
    """Rep working days from ``first`` to ``last`` inclusive, holidays left out."""
    days: list[date] = []
    day = first
    while day <= last:
        if day.weekday() in WORK_DAYS and (day.month, day.day) not in HOLIDAYS:
            days.append(day)
        day += timedelta(days=1)
    return days


def _at(midnight: datetime, minute: int) -> datetime:
    # Wall-clock arithmetic on the local midnight, then UTC: right across DST changes.
    return (midnight + timedelta(minutes=minute)).astimezone(UTC)


class _Book:
    """One field rep's visitable customers, weighted, and grouped by district."""

    def __init__(self, placed: list[PlacedCustomer]) -> None:
        self.pool = [p for p in placed if p.customer.status in _STATUS_WEIGHT]
        # Cumulative weights, computed once: ``choices`` then only bisects.
        self.cum_weights = list(
            accumulate(
                _TIER_WEIGHT[p.customer.tier] * _STATUS_WEIGHT[p.customer.status]
                for p in self.pool
            )
        )
        self.groups: dict[str, list[PlacedCustomer]] = defaultdict(list)
        for p in self.pool:
            self.groups[p.district.name].append(p)

    def day_round(self, src: Source, count: int) -> list[PlacedCustomer]:
        """``count`` distinct customers, mostly of one district for a short route."""
        anchor = src.rng.choices(self.pool, cum_weights=self.cum_weights)[0]
        nearby = [p for p in self.groups[anchor.district.name] if p is not anchor]
        chosen = [anchor, *src.rng.sample(nearby, min(len(nearby), count - 1))]
        while len(chosen) < min(count, len(self.pool)):
            extra = src.rng.choice(self.pool)
            if extra not in chosen:
                chosen.append(extra)
        return chosen


def _slots(src: Source, count: int) -> list[tuple[int, int]]:
    """Up to ``count`` (start, end) minutes of the day inside working hours."""
    slots: list[tuple[int, int]] = []
    minute = _DAY_START + 15 * src.rng.randint(0, 4)
    for _ in range(count):
        length = src.weighted((30, 45, 60, 90), (3, 4, 3, 1))
        if minute + length > _DAY_END:
            break
        slots.append((minute, minute + length))
        minute += length + 5 * src.rng.randint(3, 9)
    return slots


def _purpose(src: Source, placed: PlacedCustomer) -> Purpose:
    if placed.customer.status is LifecycleStatus.LEAD:
        return src.rng.choice(_LEAD_PURPOSES)
    return src.weighted(_PURPOSES, _PURPOSE_WEIGHTS)


def _presence(src: Source, at: datetime, placed: PlacedCustomer) -> Presence:
    # Mostly at the door, sometimes checked in from the car park down the road.
    sigma = 400.0 if src.chance(0.03) else 20.0
    lat, lng = munich.offset_m(src.rng, placed.lat, placed.lng, sigma)
    distance = munich.haversine_m(lat, lng, placed.lat, placed.lng)
    return Presence(
        at=at, location=GeoPoint.at(lat, lng), distance_m=round(distance, 1)
    )


def _completed(
    src: Source, fields: dict[str, Any], placed: PlacedCustomer, midnight: datetime
) -> datetime:
    """Fill in check-in, check-out, duration and outcome; return the check-out time."""
    start, end = fields["planned_start"], fields["planned_end"]
    opens, closes = _at(midnight, _DAY_START), _at(midnight, _DAY_END)
    check_in = max(
        opens,
        start
        + timedelta(minutes=src.rng.randint(-5, 15), seconds=src.rng.randint(0, 59)),
    )
    planned = (end - start).total_seconds()
    stay = timedelta(seconds=int(planned * src.rng.uniform(0.7, 1.25)))
    check_out = min(closes, check_in + stay)
    result = min(10.0, max(0.0, round(src.rng.gauss(6.5, 2.0) * 2) / 2))
    fields.update(
        check_in=_presence(src, check_in, placed),
        check_out=_presence(src, check_out, placed),
        duration_min=round((check_out - check_in).total_seconds() / 60, 2),
        outcome=Outcome(
            notes=src.rng.choice(vocab.VISIT_NOTES),
            result=result,
            recorded_at=check_out,
        ),
    )
    return check_out


def _past(
    src: Source, fields: dict[str, Any], placed: PlacedCustomer, midnight: datetime
) -> tuple[VisitStatus, datetime, datetime]:
    """Settle a past visit; return its status, creation and last change times."""
    start, end = fields["planned_start"], fields["planned_end"]
    status = src.weighted(_PAST_OUTCOMES, (85, 10, 5))
    created = start - timedelta(
        days=src.rng.randint(1, 14), seconds=src.rng.randint(0, 86_399)
    )
    if status is VisitStatus.COMPLETED:
        updated = _completed(src, fields, placed, midnight)
    elif status is VisitStatus.CANCELLED:
        fields["cancel_reason"] = src.rng.choice(vocab.CANCEL_REASONS)
        updated = src.moment_between(created, start)
    else:
        # Marked missed by the rep once the day's round is over.
        updated = end + timedelta(hours=1)
    return status, created, updated


def _visit(
    src: Source,
    rep: Rep,
    placed: PlacedCustomer,
    midnight: datetime,
    slot: tuple[int, int],
) -> Visit:
    start = _at(midnight, slot[0])
    purpose = _purpose(src, placed)
    fields: dict[str, Any] = {
        "id": src.object_id(),
        "customer_id": placed.customer.id,
        "rep_id": rep.id,
        "purpose": purpose,
        "purpose_text": _OTHER_PURPOSE if purpose is Purpose.OTHER else None,
        "agenda": src.rng.choice(vocab.AGENDAS),
        "planned_start": start,
        "planned_end": _at(midnight, slot[1]),
    }
    if start > src.now:
        status = VisitStatus.CONFIRMED if src.chance(0.4) else VisitStatus.PLANNED
        created = updated = src.moment_between(src.now - timedelta(days=5), src.now)
    else:
        status, created, updated = _past(src, fields, placed, midnight)
    stamp = Stamp(
        created_at=created, updated_at=updated, created_by=rep.id, updated_by=rep.id
    )
    return Visit(status=status, stamp=stamp, **fields)


def make_visits(
    src: Source,
    field_reps: list[Rep],
    placed: list[PlacedCustomer],
    per_day: tuple[int, int],
) -> list[Visit]:
    """Visits of every field rep to the customers it owns.

    Past working days of the last ``src.months`` months get visits that were completed,
    cancelled or missed; the next working days get planned or confirmed ones.

    Args:
        src: The seeded source.
        field_reps: The reps who visit.
        placed: All customers; each rep visits those it owns (churned ones no more).
        per_day: The least and most visits a rep plans on one working day.

    Returns:
        The visits, rep by rep and day by day.
    """
    today = src.now.astimezone(BERLIN).date()
    past = working_days(months_before(today, src.months), today - timedelta(days=1))
    upcoming = working_days(today + timedelta(days=1), today + timedelta(days=14))
    days = past + upcoming[:UPCOMING_DAYS]
    owned: dict[PydanticObjectId | None, list[PlacedCustomer]] = defaultdict(list)
    for p in placed:
        owned[p.customer.owner_id].append(p)
    visits: list[Visit] = []
    for rep in field_reps:
        book = _Book(owned[rep.id])
        if not book.pool:
            continue
        for day in days:
            midnight = datetime(day.year, day.month, day.day, tzinfo=BERLIN)
            slots = _slots(src, src.rng.randint(*per_day))
            if not slots:
                continue
            for p, slot in zip(book.day_round(src, len(slots)), slots, strict=False):
                visits.append(_visit(src, rep, p, midnight, slot))
    return visits
