"""A user's visits as an iCalendar (RFC 5545) feed, for Outlook, Google Calendar
and every other calendar app that subscribes to a URL.

The feed holds the user's own visits that start from the beginning of the day
``DAYS_BEFORE`` days ago to the end of the day ``DAYS_AFTER`` days ahead (days
of the user's time zone), at most ``MAX_EVENTS`` of them, cancelled ones
included (STATUS:CANCELLED) so that subscribed calendars drop them. It is read
with the user's own rights (``resolvers.access``): customers the user may not
see are not named, and personal texts appear only where the user may read them.

Everything in it comes from stored data (no "now" but the window), so the same
data gives the same bytes and the HTTP layer's ETag only changes with the data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from beanie import SortDirection
from icalendar import Calendar, Event, Timezone, vDuration
from icalendar.enums import STATUS

from models import Customer, Rep, Visit
from models.common import as_utc, stored_id, utc_now
from models.visit import VisitStatus
from resolvers import access
from resolvers.access import Forbidden, Principal
from resolvers.auth import principal_for
from resolvers.calendar_tokens import feed_owner
from resolvers.context import Context

DAYS_BEFORE = 30
DAYS_AFTER = 90
MAX_EVENTS = 2000
#: The right-hand side of every UID: ``visit-<id>@visitplan.invalid``. A
#: reserved name, so no real domain's UIDs can collide with ours.
UID_DOMAIN = "visitplan.invalid"
PRODID = "-//visitplan//Visit calendar feed//EN"
#: How often calendar apps are asked to fetch the feed again.
REFRESH = timedelta(hours=1)

#: planned visits are tentative, agreed and later ones confirmed; missed visits
#: keep their time (the description says what happened).
EVENT_STATUS = {
    VisitStatus.PLANNED: STATUS.TENTATIVE,
    VisitStatus.CONFIRMED: STATUS.CONFIRMED,
    VisitStatus.CHECKED_IN: STATUS.CONFIRMED,
    VisitStatus.COMPLETED: STATUS.CONFIRMED,
    VisitStatus.MISSED: STATUS.CONFIRMED,
    VisitStatus.CANCELLED: STATUS.CANCELLED,
}


def window(zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """The feed's span (UTC): whole local days around ``now``'s local date."""
    today = now.astimezone(zone).date()
    first = datetime.combine(today - timedelta(days=DAYS_BEFORE), time(), zone)
    end = datetime.combine(today + timedelta(days=DAYS_AFTER + 1), time(), zone)
    return first.astimezone(UTC), end.astimezone(UTC)


async def read_feed(token: str, now: datetime | None = None) -> bytes | None:
    """The feed behind ``token``, or ``None`` when it has none (404).

    Args:
        token: the secret of the feed's address.
        now: the moment the window is placed around (default: now).
    """
    owner = await feed_owner(token)
    if owner is None:
        return None
    who = await principal_for(owner)
    try:
        rule = access.calendar_feed_rule(who)
    except Forbidden:  # a user whose role no longer has a feed
        return None
    zone = ZoneInfo(owner.time_zone)
    start, end = window(zone, now or utc_now())
    query = {**rule, "planned_start": {"$gte": start, "$lt": end}}
    visits = (
        await Visit.find(query)
        .sort(
            [
                ("planned_start", SortDirection.ASCENDING),
                ("_id", SortDirection.ASCENDING),
            ]
        )
        .limit(MAX_EVENTS)
        .to_list()
    )
    ctx = Context(principal=who)
    customers = await ctx.loaders.customer_by_id.load_many(
        [v.customer_id for v in visits]
    )
    calendar = _calendar(owner, start, end)
    for visit, customer in zip(visits, customers, strict=True):
        calendar.add_component(_event(who, visit, customer, zone))
    return calendar.to_ical()


def _calendar(owner: Rep, start: datetime, end: datetime) -> Calendar:
    calendar = Calendar.new(
        prodid=PRODID,
        method="PUBLISH",
        calscale="GREGORIAN",
        name=f"Visits: {owner.name}",
        uid=f"calendar-{stored_id(owner)}@{UID_DOMAIN}",
        refresh_interval=REFRESH,
    )
    # RFC 7986 requires the value type on REFRESH-INTERVAL; Outlook reads the
    # older X-PUBLISHED-TTL, Google Calendar X-WR-TIMEZONE.
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    calendar.add("X-WR-TIMEZONE", owner.time_zone)
    # Whole years, so that the definition stays the same all year long.
    calendar.add_component(
        Timezone.from_tzid(
            owner.time_zone,
            first_date=date(start.year - 1, 1, 1),
            last_date=date(end.year + 2, 1, 1),
        )
    )
    return calendar


def _event(
    who: Principal, visit: Visit, customer: Customer | None, zone: ZoneInfo
) -> Event:
    changed = as_utc(visit.stamp.updated_at)
    event = Event.new(
        uid=f"visit-{stored_id(visit)}@{UID_DOMAIN}",
        start=as_utc(visit.planned_start).astimezone(zone),
        end=as_utc(visit.planned_end).astimezone(zone),
        # The time this version of the event came to be: a changed visit gets
        # a new one, an unchanged one keeps it (so the feed's bytes stay).
        stamp=changed,
        last_modified=changed,
        created=as_utc(visit.stamp.created_at),
        # Every write of a visit counts its revision up, a new time or
        # status included.
        sequence=visit.rev,
        status=EVENT_STATUS[visit.status],
        summary=customer.name if customer is not None else "Visit",
        description=_description(who, visit),
        location=_address(customer),
    )
    point = customer.addresses[0].location if customer and customer.addresses else None
    if point is not None:
        event.add("GEO", (point.lat, point.lng))
    return event


def _address(customer: Customer | None) -> str | None:
    """The customer's first address on one line (None for customers not shown)."""
    if customer is None or not customer.addresses:
        return None
    a = customer.addresses[0]
    town = " ".join(p for p in (a.postal_code, a.city) if p)
    return ", ".join(p for p in (a.street, town, a.country) if p) or a.label


def _label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _description(who: Principal, visit: Visit) -> str:
    """Purpose and status, then the visit's texts where ``who`` may read them
    (the same personal-data rule the API applies to these fields)."""
    lines = [f"Purpose: {_label(visit.purpose)}", f"Status: {_label(visit.status)}"]
    if access.sees_personal(who, visit.rep_id):
        texts = (
            visit.purpose_text,
            visit.agenda,
            f"Cancelled: {visit.cancel_reason}" if visit.cancel_reason else None,
            f"Outcome: {visit.outcome.notes}"
            if visit.outcome and visit.outcome.notes
            else None,
        )
        lines += ["", *(t for t in texts if t)]
    return "\n".join(lines).rstrip()
