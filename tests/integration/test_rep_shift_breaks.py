"""A rep's breaks on a working day: gaps between working intervals, and the
flexible break where it fits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models import Rep
from resolvers.plans.breaks import shift_breaks

BERLIN = ZoneInfo("Europe/Berlin")


def at(hour: int, minute: int = 0, day: int = 3) -> datetime:
    """A local time on Monday 2031-03-03 (or another day of that month)."""
    return datetime(2031, 3, day, hour, minute, tzinfo=BERLIN)


def minute(hour: int, mins: int = 0) -> float:
    """Minutes from the origin (Sunday 00:00 UTC) to a local time on Monday."""
    origin = datetime(2031, 3, 2, tzinfo=UTC)
    return (at(hour, mins) - origin).total_seconds() / 60


@pytest.mark.parametrize(
    ("hours", "flexible", "shift", "expected"),
    [
        # lunch gap only
        ([("08:00", "12:00"), ("13:00", "17:00")], None, (8, 17), [(12, 13, 60)]),
        # the lunch gap covers a 30-minute pause between 12 and 14
        (
            [("08:00", "12:00"), ("13:00", "17:00")],
            (30, "12:00", "14:00"),
            (8, 17),
            [(12, 13, 60)],
        ),
        # a 30-minute gap does not cover a 45-minute pause
        (
            [("08:00", "12:00"), ("12:30", "17:00")],
            (45, "11:00", "14:00"),
            (8, 17),
            [(11, 14, 45), (12, 12.5, 30)],
        ),
        # a shift under way from 13:30 keeps 30 minutes of the window
        ([("08:00", "17:00")], (30, "12:00", "14:00"), (13.5, 17), [(13.5, 14, 30)]),
        # ... but not from 13:45
        ([("08:00", "17:00")], (30, "12:00", "14:00"), (13.75, 17), []),
    ],
)
async def test_shift_breaks(db, hours, flexible, shift, expected):
    """Tests the fixed and flexible breaks computed for a working day."""
    # given
    rep = Rep(
        name="r",
        email="r@example.com",
        time_zone="Europe/Berlin",
        working_hours=[
            {
                "weekday": "monday",
                "intervals": [{"start": a, "end": b} for a, b in hours],
            }
        ],
        flexible_break=None
        if flexible is None
        else {"minutes": flexible[0], "earliest": flexible[1], "latest": flexible[2]},
    )

    def m(h: float) -> float:
        return minute(int(h), round((h % 1) * 60))

    # when
    found = shift_breaks(
        rep,
        date(2031, 3, 3),
        (m(shift[0]), m(shift[1])),
        datetime(2031, 3, 2, tzinfo=UTC),
    )
    # then
    assert [(b.earliest, b.latest, b.duration) for b in found] == [
        (m(a), m(b), d) for a, b, d in expected
    ]


async def test_plan_problems_carry_the_breaks(gql):
    """Tests that planVisits' problem gives the rep the lunch gap and the
    flexible break of each working day."""
    # given
    from resolvers.access import Principal
    from resolvers.plans.request import PlanRequest, prepare
    from tests.integration.factories import WEEKDAYS, db_id, make_rep

    split = [
        {
            "weekday": d,
            "intervals": [
                {"start": "08:00", "end": "12:00"},
                {"start": "13:00", "end": "17:00"},
            ],
        }
        for d in WEEKDAYS
    ]
    rep = await make_rep(
        gql,
        home={"lat": 48.137, "lng": 11.575},
        workingHours=split,
        flexibleBreak={"minutes": 15, "earliest": "15:00", "latest": "16:00"},
    )
    req = PlanRequest(
        rep_ids=[db_id(rep["id"])],
        first_day=date(2031, 3, 3),
        last_day=date(2031, 3, 4),
    )
    # when
    built = await prepare(Principal.system(), req, datetime(2031, 3, 1, tzinfo=UTC))
    # then
    [planned] = built.problem.reps
    found = [
        (
            built.origin + timedelta(minutes=b.earliest),
            built.origin + timedelta(minutes=b.latest),
            b.duration,
        )
        for b in planned.breaks
    ]
    assert found == [
        (at(12, 0, day), at(13, 0, day), 60.0)
        if n == 0
        else (at(15, 0, day), at(16, 0, day), 15.0)
        for day in (3, 4)
        for n in range(2)
    ]
    assert [planned.break_shift(b) for b in planned.breaks] == [0, 0, 1, 1]
