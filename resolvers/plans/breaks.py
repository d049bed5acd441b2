"""A rep's breaks on a working day, as planner breaks inside the day's shift.

A day's shift runs from its first working interval's start to its last one's
end. A gap between two working intervals (lunch, 12:00-13:00) becomes a fixed
break: the rep is not working then, so no stop and no travel lies in it. The
rep's ``flexibleBreak`` (30 minutes between 12:00 and 14:00, local time) becomes
a flexible break on each working day whose shift holds enough of its window,
unless a fixed break at least as long already lies inside that window.

Times are minutes after the problem's origin, as everywhere in the problem.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import planner
from models import Rep
from models.common import as_utc, minutes_of
from resolvers.plans.calendar import intervals_on, local_to_utc


def _minutes(moment: datetime, origin: datetime) -> float:
    return (as_utc(moment) - origin).total_seconds() / 60


def fixed_breaks(
    rep: Rep, day: date, shift: tuple[float, float], origin: datetime
) -> list[planner.Break]:
    """The gaps between the day's working intervals that lie in ``shift``."""
    spans = intervals_on(day, rep.working_hours, rep.time_zone)
    found = []
    for (_, end), (start, _) in itertools.pairwise(spans):
        lo = max(_minutes(end, origin), shift[0])
        hi = min(_minutes(start, origin), shift[1])
        if hi > lo:
            found.append(planner.Break(earliest=lo, latest=hi, duration=hi - lo))
    return found


def flexible_break(
    rep: Rep,
    day: date,
    shift: tuple[float, float],
    origin: datetime,
    fixed: list[planner.Break],
) -> planner.Break | None:
    """The rep's flexible break on ``day``, if it fits in ``shift`` and no fixed
    break inside its window already gives the rep that pause."""
    pause = rep.flexible_break
    if pause is None:
        return None
    zone = ZoneInfo(rep.time_zone)
    lo = max(
        _minutes(local_to_utc(day, minutes_of(pause.earliest), zone), origin), shift[0]
    )
    hi = min(
        _minutes(local_to_utc(day, minutes_of(pause.latest), zone), origin), shift[1]
    )
    if hi - lo < pause.minutes:
        return None
    if any(
        lo <= b.earliest and b.latest <= hi and b.duration >= pause.minutes
        for b in fixed
    ):
        return None
    return planner.Break(earliest=lo, latest=hi, duration=float(pause.minutes))


def shift_breaks(
    rep: Rep, day: date, shift: tuple[float, float], origin: datetime
) -> list[planner.Break]:
    """Every break of the rep in the day's ``shift``, in time order."""
    fixed = fixed_breaks(rep, day, shift, origin)
    flexible = flexible_break(rep, day, shift, origin, fixed)
    found = [*fixed, *([flexible] if flexible else [])]
    return sorted(found, key=lambda b: (b.earliest, b.latest))
