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


@strawberry.enum(description="Orders for the customer list.")
class CustomerOrder(enum.Enum):
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    UPDATED_DESC = "UPDATED_DESC"
    DISTANCE = "DISTANCE"


@strawberry.type(description="A person at the customer.")
class Contact:
    id: strawberry.ID = strawberry.field(description="Unique within the customer.")
    name: str
    role: str | None
    phones: list[str]
    emails: list[str]
    preferred_channel: Channel | None
    external_ids: list[ExternalId] = strawberry.field(
        description="The contact's ids in partners' systems."
    )


@strawberry.type(description="A labelled address with its location.")
class Address:
    label: str
    street: str
    city: str
    postal_code: str
    country: str
    location: GeoPoint | None = strawberry.field(
        description="Where visits go; null while the address is not geocoded "
        "(imported without coordinates), and the planner then skips the customer "
        "if it is the first address."
    )


@strawberry.type(description="A custom attribute; exactly one value field is set.")
class CustomField:
    key: str
    string: str | None = None
    number: float | None = None
    bool: bool | None = None
    date: datetime | None = None


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
    name: str
    legal_name: str | None
    tier: Tier
    status: LifecycleStatus
    tags: list[str]
    contacts: list[Contact] = strawberry.field(description="People at the customer.")
    addresses: list[Address]
    time_zone: str = strawberry.field(
        description="IANA time zone of the opening hours."
    )
    opening_hours: list[DayHours] = strawberry.field(
        description="Local times, per weekday."
    )
    territory: str | None
    visit_interval_days: int | None = strawberry.field(
        description="Days between visits aimed at (1 to 3650); null takes the "
        "tier's target from the scoring settings. Planning keeps two visits of "
        "the customer at least 70 % of it apart."
    )
    custom_fields: list[CustomField]
    external_ids: list[ExternalId] = strawberry.field(
        description="The customer's ids in partners' systems (CRMs)."
    )
    stamp: Stamp
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
        self, info: Info, last: int = 5
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
    customer: Customer


def customer_payload(doc: models.Customer) -> CustomerPayload:
    return CustomerPayload(customer=Customer.from_document(doc))


CustomerResult = Annotated[
    CustomerPayload | MutationError,
    strawberry.union("CustomerResult", description="A customer, or why not."),
]


@strawberry.type(description="The customer after an upsert, and what it did.")
class UpsertCustomerPayload(UpsertOutcome):
    customer: Customer


upsert_customer_payload = upsert_payload(
    UpsertCustomerPayload, "customer", Customer.from_document
)


UpsertCustomerResult = Annotated[
    UpsertCustomerPayload | MutationError,
    strawberry.union(
        "UpsertCustomerResult", description="The upserted customer, or why not."
    ),
]
