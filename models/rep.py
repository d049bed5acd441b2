"""The Rep document: a user who visits customers, manages reps, or integrates."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import pymongo
from beanie import Document, Indexed, PydanticObjectId
from pydantic import EmailStr, Field, field_validator

from models.common import DayHours, GeoPoint, Stamp, check_week
from models.customer import valid_time_zone


class Role(StrEnum):
    """What a user may do (enforced by the access rules)."""

    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"
    PARTNER = "partner"


class Rep(Document):
    """A sales rep, manager, admin or partner account."""

    name: str = Field(min_length=1, max_length=200)
    email: Annotated[EmailStr, Indexed(unique=True)]
    role: Role = Role.REP
    home: GeoPoint | None = None
    working_hours: list[DayHours] = Field(default_factory=list)
    time_zone: str = "UTC"
    territory: str | None = Field(default=None, max_length=100)
    manager_id: PydanticObjectId | None = None
    active: bool = True
    #: argon2id hash; ``None`` for users who cannot sign in with a password.
    password_hash: str | None = None
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

    class Settings:
        name = "reps"
        validate_on_save = True
        indexes = [
            pymongo.IndexModel([("name", 1), ("_id", 1)]),
            pymongo.IndexModel([("manager_id", 1), ("name", 1)]),
            pymongo.IndexModel([("territory", 1), ("name", 1)]),
        ]
