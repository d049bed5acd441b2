"""Local opening and working hours turned into UTC intervals on given days."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.common import DayHours, minutes_of


def days(first: date, last: date) -> Iterator[date]:
    """Every day from ``first`` to ``last``, both included."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def local_to_utc(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The UTC moment of ``minutes`` after local midnight of ``day`` in ``zone``.

    ``24:00`` is the next midnight. Clocks that skip or repeat an hour resolve as
    ``zoneinfo`` does (``fold=0``).
    """
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    local = (midnight.replace(tzinfo=None) + timedelta(minutes=minutes)).replace(
        tzinfo=zone
    )
    return local.astimezone(UTC)


def intervals_on(
    day: date, week: Sequence[DayHours], zone_name: str
) -> list[tuple[datetime, datetime]]:
    """The open intervals of ``day`` in UTC, from a weekly schedule in local time."""
    zone = ZoneInfo(zone_name)
    for entry in week:
        if entry.weekday.index == day.weekday():
            return [
                (
                    local_to_utc(day, minutes_of(i.start), zone),
                    local_to_utc(day, minutes_of(i.end), zone),
                )
                for i in sorted(entry.intervals, key=lambda i: minutes_of(i.start))
            ]
    return []


def local_day_bounds(day: date, zone_name: str) -> tuple[datetime, datetime]:
    """The UTC moments of local midnight at the start and end of ``day``."""
    zone = ZoneInfo(zone_name)
    return local_to_utc(day, 0, zone), local_to_utc(day + timedelta(days=1), 0, zone)
