"""Customers in the API: the types and the mutations' result."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from models.customer import Channel as ChannelModel
from models.customer import LifecycleStatus as LifecycleStatusModel
from models.customer import Tier as TierModel
from resolvers import customers as resolve
from resolvers.common import revision_of
from resolvers.errors import Invalid
from schema.base import (
    STAMP,
    DayHours,
    ExternalId,
    GeoPoint,
    Info,
    Stamp,
    UpsertOutcome,
    load_nodes,
    upsert_payload,
)
from schema.errors import MutationError

if TYPE_CHECKING:
    from schema.demands import Demand
    from schema.reps import Rep
    from schema.visits import Visit

Tier = Annotated[
    TierModel, strawberry.enum(description="Commercial tier; A matters most.")
]
LifecycleStatus = Annotated[
    LifecycleStatusModel, strawberry.enum(description="Relationship stage.")
]
Channel = Annotated[
    ChannelModel, strawberry.enum(description="How a contact prefers to be reached.")
]
TIER_VALUES = {
    "A": "The most important customers; visited most often.",
    "B": "Customers of middle importance.",
    "C": "The least important customers; the default.",
}
LIFECYCLE_STATUS_VALUES = {
    "LEAD": "A prospect, not yet buying; the default.",
    "ACTIVE": "A buying customer.",
    "DORMANT": "A customer who has stopped buying for now.",
    "CHURNED": "A former customer; left out of planning by default.",
    "ARCHIVED": "Archived (archiveCustomer): hidden from lists unless the "
    "filter's statuses names it; history kept.",
}
CHANNEL_VALUES = {
    "PHONE": "A phone call.",
    "EMAIL": "An email.",
    "SMS": "A text message.",
    "IN_PERSON": "Face to face, at a visit.",
}


@strawberry.enum(description="Orders for the customer list.")
class CustomerOrder(enum.Enum):
    NAME_ASC = strawberry.enum_value(
        "NAME_ASC", description="By name, A to Z; the default without near."
    )
    NAME_DESC = strawberry.enum_value("NAME_DESC", description="By name, Z to A.")
    UPDATED_DESC = strawberry.enum_value(
        "UPDATED_DESC", description="Most recently changed first."
    )
    DISTANCE = strawberry.enum_value(
        "DISTANCE",
        description="Nearest to near's centre first; the default with near; "
        "NAME_ASC without near.",
    )


@strawberry.type(description="A person at the customer.")
class Contact:
    id: strawberry.ID = strawberry.field(description="Unique within the customer.")
    name: str = strawberry.field(description="Full name, 1 to 200 characters.")
    role: str | None = strawberry.field(
        description="Job title or role at the customer, at most 200 characters."
    )
    phones: list[str] = strawberry.field(description="At most 10.")
    emails: list[str] = strawberry.field(description="At most 10.")
    preferred_channel: Channel | None = strawberry.field(
        description="How the contact prefers to be reached; null: no preference."
    )
    external_ids: list[ExternalId] = strawberry.field(
        description="The contact's ids in partners' systems."
    )


@strawberry.type(description="A labelled address with its location.")
class Address:
    label: str = strawberry.field(
        description='What the address is, e.g. "main"; 1 to 100 characters.'
    )
    street: str = strawberry.field(description="At most 300 characters; may be empty.")
    city: str = strawberry.field(description="At most 100 characters; may be empty.")
    postal_code: str = strawberry.field(
        description="At most 20 characters; may be empty."
    )
    country: str = strawberry.field(description="At most 100 characters; may be empty.")
    location: GeoPoint | None = strawberry.field(
        description="Where visits go; null while the address is not geocoded "
        "(imported without coordinates), and the planner then skips the customer "
        "if it is the first address."
    )


@strawberry.type(description="A custom attribute; exactly one value field is set.")
class CustomField:
    key: str = strawberry.field(
        description="Letters, digits and _, starting with a letter; at most 64 "
        "characters; unique within the customer."
    )
    string: str | None = strawberry.field(default=None, description="A text value.")
    number: float | None = strawberry.field(default=None, description="A number value.")
    bool: bool | None = strawberry.field(default=None, description="A yes/no value.")
    date: datetime | None = strawberry.field(
        default=None, description="A date-time value, UTC."
    )


def _custom(field: models.customer.CustomField) -> CustomField:
    value = field.value
    if isinstance(value, bool):
        return CustomField(key=field.key, bool=value)
    if isinstance(value, int | float):
        return CustomField(key=field.key, number=float(value))
    if isinstance(value, datetime):
        return CustomField(key=field.key, date=value)
    return CustomField(key=field.key, string=str(value))


@strawberry.type(description="A customer the reps visit.")
class Customer(relay.Node):
    id: relay.NodeID[str]
    revision: str = strawberry.field(
        description="Send back with updates (optimistic locking)."
    )
    name: str = strawberry.field(description="Display name, 1 to 200 characters.")
    legal_name: str | None = strawberry.field(
        description="Registered name, at most 300 characters."
    )
    tier: Tier = strawberry.field(description="Commercial tier.")
    status: LifecycleStatus = strawberry.field(description="Relationship stage.")
    tags: list[str]
    contacts: list[Contact] = strawberry.field(description="People at the customer.")
    addresses: list[Address] = strawberry.field(
        description="At most 20; the first is where visits go."
    )
    time_zone: str = strawberry.field(
        description="IANA time zone of the opening hours."
    )
    opening_hours: list[DayHours] = strawberry.field(
        description="Local times, per weekday."
    )
    territory: str | None = strawberry.field(
        description="The sales territory; its reps see the customer. Null: none."
    )
    visit_interval_days: int | None = strawberry.field(
        description="Days between visits aimed at (1 to 3650); null takes the "
        "tier's target from the scoring settings. Planning keeps two visits of "
        "the customer at least 70 % of it apart."
    )
    custom_fields: list[CustomField] = strawberry.field(
        description="Custom attributes, at most 100."
    )
    external_ids: list[ExternalId] = strawberry.field(
        description="The customer's ids in partners' systems (CRMs)."
    )
    stamp: Stamp = strawberry.field(description=STAMP)
    owner_ref: strawberry.Private[Any]

    @classmethod
    def from_document(cls, doc: models.Customer) -> Customer:
        """Convert a stored customer."""
        return cls(
            id=str(doc.id),
            revision=revision_of(doc),
            name=doc.name,
            legal_name=doc.legal_name,
            tier=doc.tier,
            status=doc.status,
            tags=doc.tags,
            contacts=[
                Contact(
                    id=strawberry.ID(str(c.id)),
                    name=c.name,
                    role=c.role,
                    phones=c.phones,
                    emails=[str(e) for e in c.emails],
                    preferred_channel=c.preferred_channel,
                    external_ids=ExternalId.from_models(c.external_ids),
                )
                for c in doc.contacts
            ],
            addresses=[
                Address(
                    label=a.label,
                    street=a.street,
                    city=a.city,
                    postal_code=a.postal_code,
                    country=a.country,
                    location=GeoPoint.from_model(a.location),
                )
                for a in doc.addresses
            ],
            time_zone=doc.time_zone,
            opening_hours=DayHours.from_models(doc.opening_hours),
            territory=doc.territory,
            visit_interval_days=doc.visit_interval_days,
            custom_fields=[_custom(f) for f in doc.custom_fields],
            external_ids=ExternalId.from_models(doc.external_ids),
            stamp=Stamp.from_model(doc.stamp),
            owner_ref=doc.owner_id,
        )

    @strawberry.field(description="The rep who owns the relationship.")
    async def owner(
        self, info: Info
    ) -> Annotated[Rep, strawberry.lazy("schema.reps")] | None:
        from schema.reps import Rep

        if self.owner_ref is None:
            return None
        doc = await info.context.loaders.rep_by_id.load(self.owner_ref)
        return None if doc is None else Rep.from_document(doc)

    @strawberry.field(description="Demands not yet resolved, oldest first.")
    async def open_demands(
        self, info: Info
    ) -> list[Annotated[Demand, strawberry.lazy("schema.demands")]]:
        from beanie import PydanticObjectId

        from schema.demands import Demand

        docs = await info.context.loaders.open_demands_by_customer_id.load(
            PydanticObjectId(self.id)
        )
        return [Demand.from_document(d) for d in docs]

    @strawberry.field(description="The latest visits, newest first (last: 1 to 50).")
    async def last_visits(
        self,
        info: Info,
        last: Annotated[
            int, strawberry.argument(description="How many, 1 to 50 (default 5).")
        ] = 5,
    ) -> list[Annotated[Visit, strawberry.lazy("schema.visits")]]:
        from beanie import PydanticObjectId

        from schema.visits import Visit

        if not 1 <= last <= 50:
            raise Invalid("last must be between 1 and 50", field="last")
        key = (PydanticObjectId(self.id), last)
        return [
            Visit.from_document(v)
            for v in await info.context.loaders.last_visits_by_customer_id.load(key)
        ]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Any, required: bool = False
    ) -> Any:
        """Load customers for ``node(id:)`` through the request's loader."""
        return await load_nodes(resolve.get_customer, info, node_ids, cls.from_document)


@strawberry.type(description="The customer after the change.")
class CustomerPayload:
    customer: Customer = strawberry.field(description="The customer as now stored.")


def customer_payload(doc: models.Customer) -> CustomerPayload:
    return CustomerPayload(customer=Customer.from_document(doc))


CustomerResult = Annotated[
    CustomerPayload | MutationError,
    strawberry.union("CustomerResult", description="A customer, or why not."),
]


@strawberry.type(description="The customer after an upsert, and what it did.")
class UpsertCustomerPayload(UpsertOutcome):
    customer: Customer = strawberry.field(description="The customer as now stored.")


upsert_customer_payload = upsert_payload(
    UpsertCustomerPayload, "customer", Customer.from_document
)


UpsertCustomerResult = Annotated[
    UpsertCustomerPayload | MutationError,
    strawberry.union(
        "UpsertCustomerResult", description="The upserted customer, or why not."
    ),
]
