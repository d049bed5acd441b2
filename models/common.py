"""Shared value objects: time, geo points, opening hours and change stamps."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any, Literal

import pymongo
from beanie import Document, PydanticObjectId
from bson import ObjectId
from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator
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


#: What a partner system's name looks like: ``salesforce``, ``zoho``, ``dynamics``,
#: ``hubspot``, or any short lowercase identifier.
SYSTEM_PATTERN = r"\A[a-z][a-z0-9_-]{0,31}\Z"
#: The longest id a partner system may give an object.
MAX_EXTERNAL_ID = 255
#: How many partner systems' ids one object may carry.
MAX_EXTERNAL_IDS = 10
_SYSTEM = re.compile(SYSTEM_PATTERN)


class ExternalId(BaseModel):
    """The id a partner's system (a CRM) gives an object: unique per system in
    each collection, so the partner can find and update the object by it."""

    system: str
    id: str = Field(min_length=1, max_length=MAX_EXTERNAL_ID)

    @field_validator("system")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _SYSTEM.match(value):
            raise ValueError(
                f"{value[:40]!r} is not a system name: a lowercase letter, then "
                "up to 31 lowercase letters, digits, _ or - (salesforce, zoho, "
                "dynamics, hubspot)"
            )
        return value

    @field_validator("id")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("an external id cannot be blank")
        return value

    @property
    def key(self) -> str:
        """``system:id``: one string per external id, which one unique index
        serves (the system has no colon, so the key is unambiguous)."""
        return f"{self.system}:{self.id}"


def _one_per_system(ids: list[ExternalId]) -> list[ExternalId]:
    systems = [e.system for e in ids]
    if len(systems) != len(set(systems)):
        raise ValueError("an object has at most one external id per system")
    return ids


#: An object's external ids: at most ``MAX_EXTERNAL_IDS``, one per system.
ExternalIds = Annotated[
    list[ExternalId],
    Field(max_length=MAX_EXTERNAL_IDS),
    AfterValidator(_one_per_system),
]


def external_keys(ids: list[ExternalId]) -> list[str]:
    """The stored keys of ``ids``."""
    return [e.key for e in ids]


def external_key_index(field: str = "external_keys") -> pymongo.IndexModel:
    """The unique index on a collection's external id keys.

    Partial, so that the many objects without an external id do not collide on
    an empty key; ``$gt: ""`` (rather than ``$exists``) keeps empty arrays out
    and is implied by the equality every look-up sends, so they use the index.
    """
    return pymongo.IndexModel(
        [(field, 1)],
        unique=True,
        partialFilterExpression={field: {"$gt": ""}},
        name=f"{field}_unique",
    )
