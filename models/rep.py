"""The Rep document: a user who visits customers, manages reps, or integrates."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import pymongo
from beanie import Document, Indexed, PydanticObjectId
from pydantic import BaseModel, EmailStr, Field, field_validator, model_validator

from models.common import (
    DayHours,
    ExternalIds,
    GeoPoint,
    Stamp,
    check_week,
    external_key_index,
    external_keys,
    minutes_of,
)
from models.customer import valid_time_zone


class Role(StrEnum):
    """What a user may do (enforced by the access rules)."""

    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"
    PARTNER = "partner"


class FlexibleBreak(BaseModel):
    """A pause of ``minutes`` taken between local times ``earliest`` and ``latest``
    on every working day it fits in."""

    minutes: int = Field(ge=5, le=240)
    earliest: str
    latest: str

    @model_validator(mode="after")
    def _fits(self) -> FlexibleBreak:
        span = minutes_of(self.latest) - minutes_of(self.earliest)
        if span <= 0:
            raise ValueError(f"latest {self.latest} must be after earliest")
        if self.minutes > span:
            raise ValueError(
                f"a {self.minutes}-minute break does not fit between "
                f"{self.earliest} and {self.latest}"
            )
        return self


class Rep(Document):
    """A sales rep, manager, admin or partner account."""

    name: str = Field(min_length=1, max_length=200)
    email: Annotated[EmailStr, Indexed(unique=True)]
    role: Role = Role.REP
    home: GeoPoint | None = None
    working_hours: list[DayHours] = Field(default_factory=list)
    time_zone: str = "UTC"
    flexible_break: FlexibleBreak | None = None
    territory: str | None = Field(default=None, max_length=100)
    manager_id: PydanticObjectId | None = None
    active: bool = True
    #: argon2id hash; ``None`` for users who cannot sign in with a password.
    password_hash: str | None = None
    external_ids: ExternalIds = Field(default_factory=list)
    #: ``system:id`` of ``external_ids``, under a unique index.
    external_keys: list[str] = Field(default_factory=list)
    stamp: Stamp = Field(default_factory=Stamp)
    rev: int = 0

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return valid_time_zone(value)

    @field_validator("working_hours")
    @classmethod
    def _week(cls, value: list[DayHours]) -> list[DayHours]:
        return check_week(value)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @model_validator(mode="after")
    def _derive(self) -> Rep:
        self.external_keys = external_keys(self.external_ids)
        return self

    class Settings:
        name = "reps"
        validate_on_save = True
        indexes = [
            pymongo.IndexModel([("name", 1), ("_id", 1)]),
            pymongo.IndexModel([("manager_id", 1), ("name", 1)]),
            pymongo.IndexModel([("territory", 1), ("name", 1)]),
            external_key_index(),
        ]
