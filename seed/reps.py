"""Demo users: an admin, managers, field reps across the territories, a partner."""

from __future__ import annotations

import math
from datetime import timedelta

from models.common import DayHours, GeoPoint, Stamp, TimeRange, Weekday
from models.rep import Rep, Role
from seed import munich
from seed.source import Source, slug

EMAIL_DOMAIN = "demo.visitplan.dev"
#: Everyone works Monday to Friday, 08:00 to 17:00 local time.
WORK_START, WORK_END = "08:00", "17:00"
WORK_DAYS = (0, 1, 2, 3, 4)
#: One manager leads about this many field reps.
TEAM_SIZE = 6


def working_week() -> list[DayHours]:
    """Monday to Friday, 08:00 to 17:00."""
    days = list(Weekday)
    return [
        DayHours(weekday=days[i], intervals=[TimeRange(start=WORK_START, end=WORK_END)])
        for i in WORK_DAYS
    ]


class _Roster:
    """Hands out names whose e-mail addresses have not been used yet."""

    def __init__(self, src: Source) -> None:
        self._src = src
        self._used: set[str] = set()

    def person(self) -> tuple[str, str]:
        """A ``(full name, unique e-mail)`` pair."""
        first, last = self._src.fake.first_name(), self._src.fake.last_name()
        local = f"{slug(first)}.{slug(last)}"
        candidate, n = local, 1
        # Faker repeats names often enough that a large team needs a counter.
        while candidate in self._used:
            n += 1
            candidate = f"{local}{n}"
        self._used.add(candidate)
        return f"{first} {last}", f"{candidate}@{EMAIL_DOMAIN}"


def _rep(
    src: Source,
    roster: _Roster,
    role: Role,
    *,
    territory: str | None = None,
    manager: Rep | None = None,
    creator: Rep | None = None,
) -> Rep:
    name, email = roster.person()
    district = munich.pick_district(src.rng, territory)
    lat, lng = munich.point_near(src.rng, district)
    created = src.days_ago(src.history_days + 400, src.history_days + 1500)
    staff = role is not Role.PARTNER
    return Rep(
        id=src.object_id(),
        name=name,
        email=email,
        role=role,
        home=GeoPoint.at(lat, lng) if staff else None,
        working_hours=working_week() if staff else [],
        time_zone=munich.TIME_ZONE,
        territory=territory,
        manager_id=manager.id if manager else None,
        stamp=Stamp(
            created_at=created,
            updated_at=src.moment_between(created, src.now - timedelta(days=1)),
            created_by=creator.id if creator else None,
            updated_by=creator.id if creator else None,
        ),
    )


def make_reps(src: Source, field_reps: int) -> tuple[list[Rep], list[Rep]]:
    """Build the whole team around ``field_reps`` reps who visit customers.

    Args:
        src: The seeded source.
        field_reps: How many users with the role ``rep`` to create.

    Returns:
        Every rep document (admin, managers, field reps, partner) and, separately,
        the field reps, the ones who own customers and make visits.
    """
    roster = _Roster(src)
    admin = _rep(src, roster, Role.ADMIN)
    managers = [
        _rep(src, roster, Role.MANAGER, creator=admin)
        for _ in range(max(1, math.ceil(field_reps / TEAM_SIZE)))
    ]
    field = [
        _rep(
            src,
            roster,
            Role.REP,
            territory=munich.TERRITORIES[i % len(munich.TERRITORIES)],
            manager=managers[i % len(managers)],
            creator=admin,
        )
        for i in range(field_reps)
    ]
    partner = _rep(src, roster, Role.PARTNER, creator=admin)
    return [admin, *managers, *field, partner], field
