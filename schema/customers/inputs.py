"""Customers in the API: inputs and filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from models.customer import LifecycleStatus as LifecycleStatusModel
from models.customer import Tier as TierModel
from resolvers.customers import CustomerFilter, CustomFieldCondition
from schema.base import (
    EXTERNAL_IDS,
    REVISION,
    DayHoursInput,
    ExternalIdInput,
    GeoPointInput,
    UpsertKeyInput,
    raw_ids,
    to_data,
)
from schema.customers.types import Channel, LifecycleStatus, Tier

_LEGAL_NAME = "Registered name, at most 300 characters."
_TAGS = "Free labels, at most 50."
_ADDRESSES = "At most 20; the first is where visits go."
_OPENING_HOURS = "Local times (timeZone) per weekday; a weekday left out is closed."
_OWNER = (
    "The owning rep. Reps create customers for themselves and never change the "
    "owner; managers give them to their team; admins to anyone (null: none)."
)
_TERRITORY = (
    "The sales territory (null: none); reps may give only their own, managers "
    "their team's, admins any."
)
_CUSTOM_FIELDS = "Custom attributes, at most 100, each key once."
_CONTACT_ID = "The contact's id (Contact.id)."


@strawberry.input(one_of=True, description="One custom value; set exactly one field.")
class CustomValueInput:
    string: str | None = strawberry.field(
        default=strawberry.UNSET, description="A text value."
    )
    number: float | None = strawberry.field(
        default=strawberry.UNSET, description="A number value."
    )
    bool: bool | None = strawberry.field(
        default=strawberry.UNSET, description="A yes/no value."
    )
    date: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="A date-time value, with a time zone."
    )

    def to_data(self) -> Any:
        """The one value that was set."""
        for value in (self.string, self.number, self.bool, self.date):
            if value is not strawberry.UNSET and value is not None:
                return value
        return None


@strawberry.input(description="A custom attribute: a key and one value.")
class CustomFieldInput:
    key: str = strawberry.field(
        description="Letters, digits and _, at most 64 characters."
    )
    value: CustomValueInput = strawberry.field(description="The value.")


@strawberry.input(description="A person at the customer.")
class ContactInput:
    name: str = strawberry.field(description="Full name, 1 to 200 characters.")
    role: str | None = strawberry.field(
        default=None, description="Job title or role, at most 200 characters."
    )
    phones: list[str] = strawberry.field(
        default_factory=list, description="At most 10."
    )
    emails: list[str] = strawberry.field(
        default_factory=list, description="At most 10."
    )
    preferred_channel: Channel | None = strawberry.field(
        default=None, description="Null: no preference."
    )
    external_ids: list[ExternalIdInput] = strawberry.field(
        default_factory=list,
        description=f"{EXTERNAL_IDS} Upserts keep the id of the contact "
        "that has one of them.",
    )


@strawberry.input(description="Changes to a contact; fields left out stay as they are.")
class ContactChangesInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="1 to 200 characters."
    )
    role: str | None = strawberry.field(
        default=strawberry.UNSET, description="At most 200 characters."
    )
    phones: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="At most 10; replaces the list."
    )
    emails: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="At most 10; replaces the list."
    )
    preferred_channel: Channel | None = strawberry.field(
        default=strawberry.UNSET, description="How the contact prefers to be reached."
    )
    external_ids: list[ExternalIdInput] | None = strawberry.field(
        default=strawberry.UNSET, description=EXTERNAL_IDS
    )


@strawberry.input(description="A labelled address; its location is required.")
class AddressInput:
    label: str = strawberry.field(
        default="main", description="What the address is; 1 to 100 characters."
    )
    street: str = strawberry.field(default="", description="At most 300 characters.")
    city: str = strawberry.field(default="", description="At most 100 characters.")
    postal_code: str = strawberry.field(
        default="", description="At most 20 characters."
    )
    country: str = strawberry.field(default="", description="At most 100 characters.")
    location: GeoPointInput = strawberry.field(description="Where visits go.")


@strawberry.input(description="A new customer.")
class CreateCustomerInput:
    name: str = strawberry.field(description="1 to 200 characters.")
    legal_name: str | None = strawberry.field(default=None, description=_LEGAL_NAME)
    tier: Tier = strawberry.field(default=TierModel.C, description="Default C.")
    status: LifecycleStatus = strawberry.field(
        default=LifecycleStatusModel.LEAD, description="Default LEAD."
    )
    tags: list[str] = strawberry.field(default_factory=list, description=_TAGS)
    contacts: list[ContactInput] = strawberry.field(
        default_factory=list, description="People at the customer, at most 100."
    )
    addresses: list[AddressInput] = strawberry.field(
        default_factory=list, description=_ADDRESSES
    )
    time_zone: str = strawberry.field(default="UTC", description="IANA name.")
    opening_hours: list[DayHoursInput] = strawberry.field(
        default_factory=list, description=_OPENING_HOURS
    )
    owner_id: relay.GlobalID | None = strawberry.field(default=None, description=_OWNER)
    territory: str | None = strawberry.field(default=None, description=_TERRITORY)
    visit_interval_days: int | None = strawberry.field(
        default=None,
        description="Days between visits aimed at, 1 to 3650; null takes the "
        "tier's target.",
    )
    custom_fields: list[CustomFieldInput] = strawberry.field(
        default_factory=list, description=_CUSTOM_FIELDS
    )
    external_ids: list[ExternalIdInput] = strawberry.field(
        default_factory=list, description=EXTERNAL_IDS
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (at most 255): a retry with the same key and "
        "input returns the first result; with other input it is refused.",
    )


@strawberry.input(
    description="Changes to a customer; fields left out stay as they are."
)
class UpdateCustomerInput:
    id: relay.GlobalID = strawberry.field(description="The customer to change.")
    revision: str | None = strawberry.field(default=None, description=REVISION)
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="1 to 200 characters."
    )
    legal_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=_LEGAL_NAME
    )
    tier: Tier | None = strawberry.field(
        default=strawberry.UNSET, description="Commercial tier."
    )
    status: LifecycleStatus | None = strawberry.field(
        default=strawberry.UNSET, description="Relationship stage."
    )
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description=f"{_TAGS} Replaces the list."
    )
    addresses: list[AddressInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"{_ADDRESSES} Replaces the list."
    )
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET, description="IANA name."
    )
    opening_hours: list[DayHoursInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"{_OPENING_HOURS} Replaces the week."
    )
    owner_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description=_OWNER
    )
    territory: str | None = strawberry.field(
        default=strawberry.UNSET, description=_TERRITORY
    )
    visit_interval_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Days between visits aimed at, 1 to 3650; null returns to "
        "the tier's target.",
    )
    custom_fields: list[CustomFieldInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"{_CUSTOM_FIELDS} Replaces the list."
    )
    external_ids: list[ExternalIdInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"{EXTERNAL_IDS} Replaces the list."
    )


@strawberry.input(
    description="A customer named by its id in a partner's system: created when "
    "no customer has that id, else changed. Fields left out stay as they are "
    "(or take their defaults when the customer is created)."
)
class UpsertCustomerInput(UpsertKeyInput):
    name: str = strawberry.field(description="1 to 200 characters.")
    legal_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=_LEGAL_NAME
    )
    tier: Tier | None = strawberry.field(
        default=strawberry.UNSET, description="Commercial tier; C on creation."
    )
    status: LifecycleStatus | None = strawberry.field(
        default=strawberry.UNSET, description="Relationship stage; LEAD on creation."
    )
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description=f"{_TAGS} Replaces the list."
    )
    contacts: list[ContactInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Replaces the list; a contact keeps its id when it has one "
        "of the externalIds of a contact sent, or equals it in every field.",
    )
    addresses: list[AddressInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"{_ADDRESSES} Replaces the list."
    )
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET, description="IANA name."
    )
    opening_hours: list[DayHoursInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"{_OPENING_HOURS} Replaces the week."
    )
    owner_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The owner (null: none); with the same rules as "
        "createCustomer and updateCustomer.",
    )
    owner_external_id: ExternalIdInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="The owner by their id in the partner's system (a rep's "
        "externalIds), instead of ownerId; NOT_FOUND when no rep you may see "
        "has it.",
    )
    territory: str | None = strawberry.field(
        default=strawberry.UNSET, description=_TERRITORY
    )
    visit_interval_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Days between visits aimed at, 1 to 3650; null takes the "
        "tier's target.",
    )
    custom_fields: list[CustomFieldInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"{_CUSTOM_FIELDS} Replaces the list."
    )


@strawberry.input(description="Which customer, at which revision.")
class ArchiveCustomerInput:
    id: relay.GlobalID = strawberry.field(description="The customer to archive.")
    revision: str | None = strawberry.field(default=None, description=REVISION)


@strawberry.input(description="A contact to add to a customer.")
class AddContactInput:
    customer_id: relay.GlobalID = strawberry.field(description="The customer.")
    revision: str | None = strawberry.field(
        default=None, description=f"The customer's revision. {REVISION}"
    )
    contact: ContactInput = strawberry.field(description="The contact to add.")


@strawberry.input(description="Changes to one contact of a customer.")
class UpdateContactInput:
    customer_id: relay.GlobalID = strawberry.field(description="The customer.")
    contact_id: strawberry.ID = strawberry.field(description=_CONTACT_ID)
    revision: str | None = strawberry.field(
        default=None, description=f"The customer's revision. {REVISION}"
    )
    changes: ContactChangesInput = strawberry.field(description="The fields to change.")


@strawberry.input(description="A contact to remove from a customer.")
class RemoveContactInput:
    customer_id: relay.GlobalID = strawberry.field(description="The customer.")
    contact_id: strawberry.ID = strawberry.field(description=_CONTACT_ID)
    revision: str | None = strawberry.field(
        default=None, description=f"The customer's revision. {REVISION}"
    )


@strawberry.input(description="A circle on the map.")
class NearInput:
    lat: float = strawberry.field(description="Centre latitude, -90 to 90.")
    lng: float = strawberry.field(description="Centre longitude, -180 to 180.")
    radius_km: float = strawberry.field(
        description="Radius in km, above 0, at most 500."
    )


@strawberry.input(
    description="A condition on a custom field: equals, or a min/max range."
)
class CustomFieldConditionInput:
    key: str = strawberry.field(description="The custom field's key.")
    equals: CustomValueInput | None = strawberry.field(
        default=None, description="The value it must have."
    )
    min: float | None = strawberry.field(
        default=None, description="Numbers at least this."
    )
    max: float | None = strawberry.field(
        default=None, description="Numbers at most this."
    )
    after: datetime | None = strawberry.field(
        default=None, description="Dates from this on."
    )
    before: datetime | None = strawberry.field(
        default=None, description="Dates up to this."
    )


@strawberry.input(description="Customer criteria; all that are set must hold.")
class CustomerFilterInput:
    owner_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None,
        description="Owned by one of these reps (reps you may not see match none).",
    )
    territories: list[str] | None = strawberry.field(
        default=None, description="In one of these territories."
    )
    tiers: list[Tier] | None = strawberry.field(
        default=None, description="In one of these tiers."
    )
    statuses: list[LifecycleStatus] | None = strawberry.field(
        default=None, description="Without it, archived customers are left out."
    )
    tags_all: list[str] | None = strawberry.field(
        default=None, description="Has every tag."
    )
    tags_any: list[str] | None = strawberry.field(
        default=None, description="Has one of them."
    )
    custom_fields: list[CustomFieldConditionInput] | None = strawberry.field(
        default=None, description="Meets every one of these conditions."
    )
    external_id: ExternalIdInput | None = strawberry.field(
        default=None, description="Has this id in a partner's system."
    )

    def to_filter(self) -> CustomerFilter:
        """As the resolver's filter."""
        custom = [
            CustomFieldCondition(
                key=c.key,
                equals=c.equals.to_data() if c.equals else None,
                min=c.min if c.min is not None else c.after,
                max=c.max if c.max is not None else c.before,
            )
            for c in self.custom_fields or []
        ]
        return CustomerFilter(
            owner_ids=raw_ids(self.owner_ids, "Rep", "filter.ownerIds"),
            territories=self.territories,
            tiers=None if self.tiers is None else [t.value for t in self.tiers],
            statuses=None
            if self.statuses is None
            else [s.value for s in self.statuses],
            tags_all=self.tags_all,
            tags_any=self.tags_any,
            custom=custom,
            external_id=self.external_id.to_data() if self.external_id else None,
        )


def customer_data(inp: Any) -> dict[str, Any]:
    """Input fields as model data, custom fields as key/value pairs."""
    data = to_data(inp)
    for key in ("id", "revision", "external_id", "expected_revision"):
        data.pop(key, None)
    if data.get("custom_fields") is not None:
        data["custom_fields"] = [
            {"key": f["key"], "value": f["value"]} for f in data["custom_fields"]
        ]
    return data
