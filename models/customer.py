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

from models.common import (
    DayHours,
    ExternalIds,
    GeoPoint,
    Stamp,
    access_keys,
    check_week,
    external_key_index,
    external_keys,
)


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
    external_ids: ExternalIds = Field(default_factory=list)


class Address(BaseModel):
    """A labelled postal address with its location.

    ``location`` is ``None`` while the address is not geocoded: a bulk import
    of a row without coordinates stores it so, and the planner skips a
    customer whose first address has no location.
    """

    label: str = Field(min_length=1, max_length=100)
    street: str = Field(default="", max_length=300)
    city: str = Field(default="", max_length=100)
    postal_code: str = Field(default="", max_length=20)
    country: str = Field(default="", max_length=100)
    location: GeoPoint | None = None


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


#: Prefixes up to this length are indexed; longer search words match on these.
MAX_PREFIX = 15


def search_prefixes(words: list[str]) -> list[str]:
    """Every prefix of every word, up to ``MAX_PREFIX`` characters.

    Stored and indexed, they make a prefix search an equality match, which every
    query planner serves from an index (a ``$regex`` is not served by all).
    """
    found = {
        word[:n] for word in words for n in range(1, min(len(word), MAX_PREFIX) + 1)
    }
    return sorted(found)


def search_tokens(*texts: str | None) -> list[str]:
    """Lower-case, accent-free words of ``texts``."""
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
    #: Days between visits aimed at; ``None`` takes the tier's target.
    visit_interval_days: int | None = Field(default=None, ge=1, le=3650)
    custom_fields: list[CustomField] = Field(default_factory=list, max_length=100)
    search: list[str] = Field(default_factory=list)
    location: GeoPoint | None = None
    archived: bool = False
    access: list[str] = Field(default_factory=list)
    external_ids: ExternalIds = Field(default_factory=list)
    #: ``system:id`` of ``external_ids`` and of the contacts' external ids, each
    #: under one unique index (see ``external_key_index``).
    external_keys: list[str] = Field(default_factory=list)
    contact_keys: list[str] = Field(default_factory=list)
    stamp: Stamp = Field(default_factory=Stamp)
    rev: int = 0

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return valid_time_zone(value)

    @field_validator("contacts")
    @classmethod
    def _distinct_contacts(cls, value: list[Contact]) -> list[Contact]:
        keys = [k for c in value for k in external_keys(c.external_ids)]
        if len(keys) != len(set(keys)):
            raise ValueError("two contacts have the same external id")
        return value

    @field_validator("opening_hours")
    @classmethod
    def _week(cls, value: list[DayHours]) -> list[DayHours]:
        return check_week(value)

    @model_validator(mode="after")
    def _derive(self) -> Customer:
        keys = [f.key for f in self.custom_fields]
        if len(keys) != len(set(keys)):
            raise ValueError("a custom field key is used twice")
        self.search = search_prefixes(
            search_tokens(
                self.name, self.legal_name, *self.tags, *(c.name for c in self.contacts)
            )
        )
        # The first address is where visits go; a top-level copy keeps the geo
        # index off the addresses array, which not every store indexes.
        self.location = self.addresses[0].location if self.addresses else None
        # A plain flag lets default lists match archived=False by equality, which
        # every query planner combines with the other filters' indexes.
        self.archived = self.status == LifecycleStatus.ARCHIVED
        self.access = access_keys(self.owner_id, self.territory)
        self.external_keys = external_keys(self.external_ids)
        self.contact_keys = [
            k for c in self.contacts for k in external_keys(c.external_ids)
        ]
        return self

    class Settings:
        name = "customers"
        validate_on_save = True
        indexes = [
            # The version is spelt out because MongoDB adds it to the stored index;
            # without it a restart would see a different index and try to rebuild it.
            pymongo.IndexModel(
                [("location", pymongo.GEOSPHERE)], **{"2dsphereIndexVersion": 3}
            ),
            # Default lists (archived=False) with one more filter or a sort.
            pymongo.IndexModel([("archived", 1), ("name", 1), ("_id", 1)]),
            pymongo.IndexModel([("archived", 1), ("owner_id", 1), ("name", 1)]),
            pymongo.IndexModel([("archived", 1), ("territory", 1), ("name", 1)]),
            pymongo.IndexModel(
                [("archived", 1), ("territory", 1), ("tier", 1), ("name", 1)]
            ),
            pymongo.IndexModel([("archived", 1), ("tier", 1), ("name", 1)]),
            pymongo.IndexModel([("archived", 1), ("tags", 1), ("name", 1)]),
            pymongo.IndexModel([("archived", 1), ("search", 1)]),
            pymongo.IndexModel([("archived", 1), ("stamp.updated_at", -1)]),
            pymongo.IndexModel([("archived", 1), ("custom_fields.key", 1)]),
            # Lists that name statuses, and the planner's candidates by owner.
            pymongo.IndexModel([("status", 1), ("name", 1), ("_id", 1)]),
            # Reps' and managers' lists: their keys, with or without the default.
            pymongo.IndexModel([("access", 1), ("name", 1)]),
            pymongo.IndexModel([("archived", 1), ("access", 1), ("name", 1)]),
            pymongo.IndexModel([("owner_id", 1), ("status", 1), ("name", 1)]),
            pymongo.IndexModel([("name", 1), ("_id", 1)]),
            pymongo.IndexModel([("stamp.updated_at", -1), ("_id", 1)]),
            pymongo.IndexModel([("custom_fields.key", 1), ("custom_fields.value", 1)]),
            external_key_index("external_keys"),
            external_key_index("contact_keys"),
            # The list filtered by an external id (archived=False by default).
            pymongo.IndexModel([("archived", 1), ("external_keys", 1)]),
        ]
