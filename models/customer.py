"""The Customer document: profile, contacts, addresses, opening hours, custom fields."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import BaseModel, EmailStr, Field, field_validator, model_validator

from models.common import DayHours, GeoPoint, Stamp, check_week


class Tier(StrEnum):
    """Commercial tier: A customers matter most."""

    A = "A"
    B = "B"
    C = "C"


class LifecycleStatus(StrEnum):
    """Where the customer stands in the relationship."""

    LEAD = "lead"
    ACTIVE = "active"
    DORMANT = "dormant"
    CHURNED = "churned"
    ARCHIVED = "archived"


class Channel(StrEnum):
    """How a contact prefers to be reached."""

    PHONE = "phone"
    EMAIL = "email"
    SMS = "sms"
    IN_PERSON = "in_person"


class Contact(BaseModel):
    """A person at the customer."""

    id: PydanticObjectId = Field(default_factory=PydanticObjectId)
    name: str = Field(min_length=1, max_length=200)
    role: str | None = Field(default=None, max_length=200)
    phones: list[str] = Field(default_factory=list, max_length=10)
    emails: list[EmailStr] = Field(default_factory=list, max_length=10)
    preferred_channel: Channel | None = None


class Address(BaseModel):
    """A labelled postal address with its location."""

    label: str = Field(min_length=1, max_length=100)
    street: str = Field(default="", max_length=300)
    city: str = Field(default="", max_length=100)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", max_length=100)
    location: GeoPoint


CustomValue = bool | int | float | datetime | str


class CustomField(BaseModel):
    """One custom attribute, stored as a key/value pair so that one index serves all."""

    key: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    value: CustomValue


def valid_time_zone(name: str) -> str:
    """Return ``name`` when it is an IANA time zone, else raise ``ValueError``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone") from None
    return name


_WORD = re.compile(r"[a-z0-9]+")


def search_tokens(*texts: str | None) -> list[str]:
    """Lower-case, accent-free words of ``texts``, for prefix search on an index."""
    words: set[str] = set()
    for text in texts:
        if not text:
            continue
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        words.update(_WORD.findall(plain.lower()))
    return sorted(words)


class Customer(Document):
    """A customer the reps visit."""

    name: str = Field(min_length=1, max_length=200)
    legal_name: str | None = Field(default=None, max_length=300)
    tier: Tier = Tier.C
    status: LifecycleStatus = LifecycleStatus.LEAD
    tags: list[str] = Field(default_factory=list, max_length=50)
    contacts: list[Contact] = Field(default_factory=list, max_length=100)
    addresses: list[Address] = Field(default_factory=list, max_length=20)
    time_zone: str = "UTC"
    opening_hours: list[DayHours] = Field(default_factory=list)
    owner_id: PydanticObjectId | None = None
    territory: str | None = Field(default=None, max_length=100)
    custom_fields: list[CustomField] = Field(default_factory=list, max_length=100)
    search: list[str] = Field(default_factory=list)
    stamp: Stamp = Field(default_factory=Stamp)
    rev: int = 0

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return valid_time_zone(value)

    @field_validator("opening_hours")
    @classmethod
    def _week(cls, value: list[DayHours]) -> list[DayHours]:
        return check_week(value)

    @model_validator(mode="after")
    def _derive(self) -> Customer:
        keys = [f.key for f in self.custom_fields]
        if len(keys) != len(set(keys)):
            raise ValueError("a custom field key is used twice")
        self.search = search_tokens(
            self.name, self.legal_name, *self.tags, *(c.name for c in self.contacts)
        )
        return self

    @property
    def location(self) -> GeoPoint | None:
        """The first address's point: where visits go."""
        return self.addresses[0].location if self.addresses else None

    class Settings:
        name = "customers"
        validate_on_save = True
        indexes = [
            # The version is spelt out because MongoDB adds it to the stored index;
            # without it a restart would see a different index and try to rebuild it.
            pymongo.IndexModel(
                [("addresses.location", pymongo.GEOSPHERE)],
                **{"2dsphereIndexVersion": 3},
            ),
            pymongo.IndexModel([("owner_id", 1), ("name", 1), ("_id", 1)]),
            pymongo.IndexModel([("territory", 1), ("name", 1), ("_id", 1)]),
            pymongo.IndexModel([("status", 1), ("name", 1), ("_id", 1)]),
            pymongo.IndexModel([("tier", 1), ("name", 1), ("_id", 1)]),
            pymongo.IndexModel([("tags", 1), ("name", 1), ("_id", 1)]),
            pymongo.IndexModel([("search", 1)]),
            pymongo.IndexModel([("name", 1), ("_id", 1)]),
            pymongo.IndexModel([("stamp.updated_at", -1), ("_id", 1)]),
            pymongo.IndexModel([("custom_fields.key", 1), ("custom_fields.value", 1)]),
        ]
