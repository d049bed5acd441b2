"""Whom a rep should visit next, why, and when in the day it fits."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from models import Customer, Rep, Visit
from models.common import GeoPoint, as_utc, utc_now
from models.visit import VisitStatus
from resolvers import access
from resolvers.common import haversine_km, object_id
from resolvers.context import Context
from resolvers.errors import Invalid, NotFound
from resolvers.plans.bookings import bookings
from resolvers.plans.calendar import intervals_on, local_day_bounds
from resolvers.scoring.common import VISITABLE, Rules, narrowed, travel_minutes
from resolvers.scoring.priority import CustomerPriority, score_customers
from resolvers.scoring.settings import load_settings

MAX_LIMIT = 50
MAX_CANDIDATES = 2_000
_GONE = (VisitStatus.CANCELLED.value, VisitStatus.MISSED.value)

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Busy:
    """A visit already in the rep's day."""

    start: datetime
    end: datetime
    place: GeoPoint | None


@dataclass(frozen=True)
class Slot:
    """A free time for the visit, and the travel it adds."""

    start: datetime
    end: datetime
    travel_in: float
    detour: float


@dataclass(frozen=True)
class Recommendation:
    """A customer to visit, its rank, reasons and best slot."""

    priority: CustomerPriority
    rank: float
    distance_km: float | None
    reasons: tuple[str, ...]
    slot: Slot | None


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


def best_slot(
    shift: Sequence[Span],
    busy: Sequence[Busy],
    home: GeoPoint | None,
    opening: Sequence[Span] | None,
    place: GeoPoint | None,
    minutes: float,
    travel: Callable[[GeoPoint | None, GeoPoint | None], float],
    not_before: datetime,
) -> Slot | None:
    """The free slot adding the least travel (then the earliest) in which the
    rep can get to the customer, stay ``minutes`` within its opening hours, and
    reach the next visit (or home, by the end of the shift) on time. No opening
    hours means always open.
    """
    duration = timedelta(minutes=minutes)
    best: Slot | None = None
    for ws, we in shift:
        inside = sorted(
            (b for b in busy if b.end > ws and b.start < we), key=lambda b: b.start
        )
        prev_end, prev_place = ws, home
        for nxt in [*inside, None]:
            # The day ends back home, so the last gap leads home.
            gap_end = we if nxt is None else min(nxt.start, we)
            next_place = home if nxt is None else nxt.place
            t_in = travel(prev_place, place)
            t_out = travel(place, next_place)
            direct = travel(prev_place, next_place)
            earliest = max(prev_end + timedelta(minutes=t_in), not_before)
            for os_, oe in opening or [(ws, we)]:
                start = _ceil_minute(max(earliest, os_))
                end = start + duration
                if end <= oe and end + timedelta(minutes=t_out) <= gap_end:
                    slot = Slot(
                        start, end, round(t_in, 1), round(t_in + t_out - direct, 1)
                    )
                    if best is None or (slot.detour, slot.start) < (
                        best.detour,
                        best.start,
                    ):
                        best = slot
                    break
            if nxt is not None:
                prev_end, prev_place = max(prev_end, nxt.end), nxt.place or prev_place
    return best


def _nearest(
    place: GeoPoint | None,
    near: GeoPoint | None,
    busy: Sequence[Busy],
    rep: Rep | None,
) -> tuple[float | None, str]:
    """The distance to the customer, and from where: ``near``, else the rep's
    nearest visit that day or home (``rep`` is ``None`` when those are hidden)."""
    if place is None:
        return None, ""
    if near is not None:
        km = haversine_km(near, place)
        return km, f"{km:.1f} km from the given place"
    if rep is None:
        return None, ""
    zone = ZoneInfo(rep.time_zone)
    options = [
        (haversine_km(b.place, place), f"your {b.start.astimezone(zone):%H:%M} visit")
        for b in busy
        if b.place is not None
    ]
    if rep.home is not None:
        options.append((haversine_km(rep.home, place), "home"))
    if not options:
        return None, ""
    km, what = min(options)
    return km, f"{km:.1f} km from {what}"


async def _day(rep: Rep, day: date, rules: Rules) -> list[Busy]:
    """The rep's visits that day that still take up time."""
    start, end = local_day_bounds(day, rep.time_zone)
    visits = await Visit.find(
        narrowed(
            {"rep_id": rep.id, "planned_start": {"$gte": start, "$lt": end}},
            rules.visits,
        )
    ).to_list()
    kept = [v for v in visits if v.status.value not in _GONE]
    ids = list({v.customer_id for v in kept})
    found = (
        await Customer.find(narrowed({"_id": {"$in": ids}}, rules.customers)).to_list()
        if ids
        else []
    )
    places = {c.id: c.location for c in found}
    return [
        Busy(as_utc(v.planned_start), as_utc(v.planned_end), places.get(v.customer_id))
        for v in kept
    ]


async def recommend(
    ctx: Context, rep_id: str, day: date, limit: int = 10, near: GeoPoint | None = None
) -> list[Recommendation]:
    """The customers ``rep_id`` should visit on ``day``, best first.

    API keys get the list ranked without the rep's home, calendar and working
    hours (no distances but from ``near``, no slots).

    Raises:
        Forbidden: the rep is someone else and not in the caller's team.
        Invalid: ``limit`` is out of range or the rep does not work that day.
        NotFound: no such rep (or not visible).
    """
    rid = object_id(rep_id, "repId")
    who = access.principal(ctx)
    access.check_may_plan_for(who, rid)
    # A rep's home, calendar and working hours are personal, and so is what
    # they give away (distances from home, free slots): without the right to
    # see them (API keys), the list is ranked on the customers alone.
    private = not access.sees_personal(who, rid)
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be 1 to {MAX_LIMIT}", field="limit")
    rules = Rules.of(ctx)
    rep = await Rep.find_one(narrowed({"_id": rid}, rules.reps))
    if rep is None:
        raise NotFound(f"rep {rep_id} does not exist", field="repId")
    shift = [] if private else intervals_on(day, rep.working_hours, rep.time_zone)
    if not shift and not private:
        raise Invalid(f"{rep.name} does not work on {day.isoformat()}", field="date")
    settings = await load_settings()
    busy = [] if private else await _day(rep, day, rules)
    query = {"owner_id": rep.id, "status": {"$in": [s.value for s in VISITABLE]}}
    owned = (
        await Customer.find(narrowed(query, rules.customers))
        .limit(MAX_CANDIDATES)
        .to_list()
    )
    # Booked by anyone (other teams too) within the customer's minimum gap.
    booked = await bookings(owned, *local_day_bounds(day, rep.time_zone), settings)
    customers = [c for c in owned if c.id not in booked]
    now = utc_now()
    as_of = max(now, local_day_bounds(day, rep.time_zone)[0])
    scores = await score_customers(customers, as_of, settings, rules)

    def travel(a: GeoPoint | None, b: GeoPoint | None) -> float:
        return travel_minutes(a, b, settings)

    found = []
    for c in customers:
        p = scores[c.id]
        opening = (
            intervals_on(day, c.opening_hours, c.time_zone) if c.opening_hours else None
        )
        slot = (
            None
            if private
            else best_slot(
                shift,
                busy,
                rep.home,
                opening,
                c.location,
                settings.visit_minutes,
                travel,
                now,
            )
        )
        km, where = _nearest(c.location, near, busy, None if private else rep)
        penalty = min(settings.km_penalty * (km or 0.0), settings.max_km_penalty)
        reasons = [*p.reasons, *([where] if where else [])]
        if slot is None and not private:
            reasons.append("no free slot fits the opening hours that day")
        found.append(
            Recommendation(p, round(p.score - penalty, 2), km, tuple(reasons), slot)
        )
    found.sort(
        key=lambda r: (
            r.slot is None,
            -r.rank,
            -r.priority.score,
            r.priority.customer.name,
        )
    )
    return found[:limit]


def rounded_km(km: float | None) -> float | None:
    """Kilometres to one decimal."""
    return None if km is None or math.isnan(km) else round(km, 1)
