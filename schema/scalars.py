"""Date and DateTime: parsed within the years the API serves, written one way.

Every date the API takes is a visit, a plan or a reporting period. Refusing
years outside ``MIN_YEAR``..``MAX_YEAR`` while parsing means no arithmetic on
an input date (periods, weeks, time zones) can leave Python's calendar, which
ends at year 9999, and fail as a server error.

Every DateTime the API answers is RFC 3339 in UTC with milliseconds and ``Z``
(``models.common.rfc3339``), whatever offset it was sent with; inputs may carry
any offset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import dateutil.parser
from strawberry.schema.types.base_scalars import wrap_parser
from strawberry.types.scalar import ScalarDefinition

from models.common import rfc3339

MIN_YEAR = 1900
MAX_YEAR = 2999
_RANGE = f"years {MIN_YEAR} to {MAX_YEAR} only"

D = TypeVar("D", dt.date, dt.datetime)


def _within(parse: Callable[[str], D]) -> Callable[[str], D]:
    def inner(value: str) -> D:
        parsed = parse(value)
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            raise ValueError(_RANGE)
        return parsed

    return inner


def _isoformat(value: Any) -> str:
    return str(value.isoformat())


def _rfc3339(value: Any) -> str:
    if not isinstance(value, dt.datetime):
        raise TypeError(f"DateTime cannot represent {type(value).__name__}")
    return rfc3339(value)


Date = ScalarDefinition(
    name="Date",
    description=f"Date (isoformat), {_RANGE}",
    specified_by_url=None,
    serialize=_isoformat,
    parse_value=wrap_parser(_within(dt.date.fromisoformat), "Date"),
    parse_literal=None,
    origin=dt.date,
)

DateTime = ScalarDefinition(
    name="DateTime",
    description=(
        "Date with time, RFC 3339. Answers are UTC to the millisecond "
        "(2026-12-01T09:00:00.000Z); inputs may carry any offset. "
        f"{_RANGE.capitalize()}."
    ),
    specified_by_url="https://datatracker.ietf.org/doc/html/rfc3339",
    serialize=_rfc3339,
    parse_value=wrap_parser(_within(dateutil.parser.isoparse), "DateTime"),
    parse_literal=None,
    origin=dt.datetime,
)

#: For ``strawberry.Schema(scalar_overrides=...)``.
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    dt.date: Date,
    dt.datetime: DateTime,
}
