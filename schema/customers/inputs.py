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
    DayHoursInput,
    ExternalIdInput,
    GeoPointInput,
    UpsertKeyInput,
    raw_ids,
    to_data,
)
from schema.customers.types import Channel, LifecycleStatus, Tier


@strawberry.input(one_of=True, description="One custom value; set exactly one field.")
class CustomValueInput:
    string: str | None = strawberry.UNSET
    number: float | None = strawberry.UNSET
    bool: bool | None = strawberry.UNSET
    date: datetime | None = strawberry.UNSET

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
    value: CustomValueInput


@strawberry.input(description="A person at the customer.")
class ContactInput:
    name: str
    role: str | None = None
    phones: list[str] = strawberry.field(
        default_factory=list, description="At most 10."
    )
    emails: list[str] = strawberry.field(
        default_factory=list, description="At most 10."
    )
    preferred_channel: Channel | None = None
    external_ids: list[ExternalIdInput] = strawberry.field(
        default_factory=list,
        description=f"{EXTERNAL_IDS} Upserts keep the id of the contact "
        "that has one of them.",
    )


@strawberry.input(description="Changes to a contact; fields left out stay as they are.")
class ContactChangesInput:
    name: str | None = strawberry.UNSET
    role: str | None = strawberry.UNSET
    phones: list[str] | None = strawberry.UNSET
    emails: list[str] | None = strawberry.UNSET
    preferred_channel: Channel | None = strawberry.UNSET
    external_ids: list[ExternalIdInput] | None = strawberry.field(
        default=strawberry.UNSET, description=EXTERNAL_IDS
    )


@strawberry.input(description="A labelled address; its location is required.")
class AddressInput:
    label: str = "main"
    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    location: GeoPointInput = strawberry.field(description="Where visits go.")


@strawberry.input(description="A new customer.")
class CreateCustomerInput:
    name: str = strawberry.field(description="1 to 200 characters.")
    legal_name: str | None = None
    tier: Tier = TierModel.C
    status: LifecycleStatus = LifecycleStatusModel.LEAD
    tags: list[str] = strawberry.field(default_factory=list)
    contacts: list[ContactInput] = strawberry.field(default_factory=list)
    addresses: list[AddressInput] = strawberry.field(default_factory=list)
    time_zone: str = strawberry.field(default="UTC", description="IANA name.")
    opening_hours: list[DayHoursInput] = strawberry.field(default_factory=list)
    owner_id: relay.GlobalID | None = None
    territory: str | None = None
    visit_interval_days: int | None = strawberry.field(
        default=None,
        description="Days between visits aimed at, 1 to 3650; null takes the "
        "tier's target.",
    )
    custom_fields: list[CustomFieldInput] = strawberry.field(default_factory=list)
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
    id: relay.GlobalID
    revision: str | None = strawberry.field(
        default=None,
        description="The revision read; a stale one is refused (CONFLICT).",
    )
    name: str | None = strawberry.UNSET
    legal_name: str | None = strawberry.UNSET
    tier: Tier | None = strawberry.UNSET
    status: LifecycleStatus | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    addresses: list[AddressInput] | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    opening_hours: list[DayHoursInput] | None = strawberry.UNSET
    owner_id: relay.GlobalID | None = strawberry.UNSET
    territory: str | None = strawberry.UNSET
    visit_interval_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Days between visits aimed at, 1 to 3650; null returns to "
        "the tier's target.",
    )
    custom_fields: list[CustomFieldInput] | None = strawberry.UNSET
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
    legal_name: str | None = strawberry.UNSET
    tier: Tier | None = strawberry.UNSET
    status: LifecycleStatus | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    contacts: list[ContactInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Replaces the list; a contact keeps its id when it has one "
        "of the externalIds of a contact sent, or equals it in every field.",
    )
    addresses: list[AddressInput] | None = strawberry.UNSET
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET, description="IANA name."
    )
    opening_hours: list[DayHoursInput] | None = strawberry.UNSET
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
    territory: str | None = strawberry.UNSET
    visit_interval_days: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Days between visits aimed at, 1 to 3650; null takes the "
        "tier's target.",
    )
    custom_fields: list[CustomFieldInput] | None = strawberry.UNSET


@strawberry.input(description="Which customer, at which revision.")
class ArchiveCustomerInput:
    id: relay.GlobalID
    revision: str | None = None


@strawberry.input(description="A contact to add to a customer.")
class AddContactInput:
    customer_id: relay.GlobalID
    revision: str | None = None
    contact: ContactInput


@strawberry.input(description="Changes to one contact of a customer.")
class UpdateContactInput:
    customer_id: relay.GlobalID
    contact_id: strawberry.ID
    revision: str | None = None
    changes: ContactChangesInput


@strawberry.input(description="A contact to remove from a customer.")
class RemoveContactInput:
    customer_id: relay.GlobalID
    contact_id: strawberry.ID
    revision: str | None = None


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
    key: str
    equals: CustomValueInput | None = None
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
    owner_ids: list[relay.GlobalID] | None = None
    territories: list[str] | None = None
    tiers: list[Tier] | None = None
    statuses: list[LifecycleStatus] | None = strawberry.field(
        default=None, description="Without it, archived customers are left out."
    )
    tags_all: list[str] | None = strawberry.field(
        default=None, description="Has every tag."
    )
    tags_any: list[str] | None = strawberry.field(
        default=None, description="Has one of them."
    )
    custom_fields: list[CustomFieldConditionInput] | None = None
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
