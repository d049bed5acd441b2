"""Date and DateTime as Strawberry parses them, within the years the API serves.

Every date the API takes is a visit, a plan or a reporting period. Refusing
years outside ``MIN_YEAR``..``MAX_YEAR`` while parsing means no arithmetic on
an input date (periods, weeks, time zones) can leave Python's calendar, which
ends at year 9999, and fail as a server error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import dateutil.parser
from strawberry.schema.types.base_scalars import wrap_parser
from strawberry.types.scalar import ScalarDefinition

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
    description=f"Date with time (isoformat), {_RANGE}",
    specified_by_url=None,
    serialize=_isoformat,
    parse_value=wrap_parser(_within(dateutil.parser.isoparse), "DateTime"),
    parse_literal=None,
    origin=dt.datetime,
)

#: For ``strawberry.Schema(scalar_overrides=...)``.
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    dt.date: Date,
    dt.datetime: DateTime,
}
