"""Shared value objects: time, geo points, opening hours and change stamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any, Literal

from beanie import Document, PydanticObjectId
from bson import ObjectId
from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import to_jsonable_python

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def utc_now() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def stored_id(doc: Document) -> PydanticObjectId:
    """The id of a document read or inserted (Beanie types ``id`` optional).

    Raises:
        ValueError: ``doc`` was never inserted, so it has no id yet.
    """
    if doc.id is None:
        raise ValueError(f"this {type(doc).__name__} has not been stored yet")
    return doc.id


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` in UTC; naive values are taken to be UTC already.

    MongoDB stores datetimes without a zone, so values read back are naive UTC.
    """
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def rfc3339(moment: datetime) -> str:
    """``moment`` as the API writes every time: RFC 3339 in UTC, to the millisecond.

    ``2026-12-01T09:00:00.000Z``: always ``Z``, always three decimals (cut, not
    rounded, as the store keeps milliseconds); naive values are taken to be UTC.
    """
    plain = as_utc(moment).replace(tzinfo=None)
    return plain.isoformat(timespec="milliseconds") + "Z"


def plain_json(value: Any) -> Any:
    """``value`` as JSON values, with every datetime written by ``rfc3339``.

    For the API's JSON fields (audit changes, personal data exports), so a time
    inside them reads as every ``DateTime`` does.
    """
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, dict):
        return {str(key): plain_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(item) for item in value]
    return to_jsonable_python(value)


class GeoPoint(BaseModel):
    """A GeoJSON point; ``coordinates`` are ``[longitude, latitude]`` in degrees."""

    type: Literal["Point"] = "Point"
    coordinates: Annotated[list[float], Field(min_length=2, max_length=2)]

    @field_validator("coordinates")
    @classmethod
    def _in_range(cls, value: list[float]) -> list[float]:
        lng, lat = value
        if not -180.0 <= lng <= 180.0:
            raise ValueError("longitude must be between -180 and 180")
        if not -90.0 <= lat <= 90.0:
            raise ValueError("latitude must be between -90 and 90")
        return value

    @classmethod
    def at(cls, lat: float, lng: float) -> GeoPoint:
        """Build a point from latitude and longitude."""
        return cls(coordinates=[lng, lat])

    @property
    def lat(self) -> float:
        """Latitude in degrees."""
        return self.coordinates[1]

    @property
    def lng(self) -> float:
        """Longitude in degrees."""
        return self.coordinates[0]


def minutes_of(hhmm: str) -> int:
    """Turn ``"HH:MM"`` into minutes after midnight (``"24:00"`` is 1440)."""
    if not _HHMM.match(hhmm):
        raise ValueError(f"{hhmm!r} is not a time of day in HH:MM form")
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


class TimeRange(BaseModel):
    """A local time-of-day interval, ``"HH:MM"`` to ``"HH:MM"``, end after start."""

    start: str
    end: str

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if minutes_of(self.end) <= minutes_of(self.start):
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class Weekday(StrEnum):
    """ISO weekdays, Monday first."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    # Shadows ``str.index`` (a weekday is never searched as a string); renaming it
    # waits for the planning resolvers that read it to settle in their package.
    @property
    def index(self) -> int:  # type: ignore[override]
        """0 for Monday up to 6 for Sunday, as ``datetime.weekday()``."""
        return list(Weekday).index(self)


class DayHours(BaseModel):
    """The hours of one weekday: open intervals whose gaps are breaks.

    A weekday without an entry, or with no intervals, is closed.
    """

    weekday: Weekday
    intervals: list[TimeRange] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_overlap(self) -> DayHours:
        spans = sorted((minutes_of(i.start), minutes_of(i.end)) for i in self.intervals)
        for (_, end), (start, _) in pairwise(spans):
            if start < end:
                raise ValueError(f"intervals on {self.weekday} overlap")
        return self


def check_week(days: list[DayHours]) -> list[DayHours]:
    """Refuse a week that lists the same weekday twice."""
    seen = [d.weekday for d in days]
    if len(seen) != len(set(seen)):
        raise ValueError("a weekday is listed more than once")
    return days


def access_keys(owner_id: PydanticObjectId | None, territory: str | None) -> list[str]:
    """The keys a row is seen through: its owner and its territory.

    Rows carry them in one indexed array, so a principal's rule is a single
    ``$in`` over the keys it holds, which every store serves from one index.
    """
    keys = []
    if owner_id is not None:
        keys.append(f"owner:{owner_id}")
    if territory:
        keys.append(f"territory:{territory}")
    return keys


class Stamp(BaseModel):
    """Who created and last changed a document, and when (UTC)."""

    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)
    created_by: PydanticObjectId | None = None
    updated_by: PydanticObjectId | None = None

    def touch(self, actor: PydanticObjectId | None) -> None:
        """Record a change made now by ``actor``."""
        self.updated_at = utc_now()
        self.updated_by = actor
