"""Customers in the API: types, inputs, queries and mutations."""

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
from resolvers import idempotency
from resolvers.common import revision_of
from resolvers.customers import CustomerFilter, CustomFieldCondition, Near
from resolvers.errors import Invalid
from schema.base import (
    ConflictError,
    Connection,
    DayHours,
    DayHoursInput,
    GeoPoint,
    GeoPointInput,
    Info,
    NotFoundError,
    Stamp,
    ValidationError,
    attempt,
    given,
    guard,
    load_nodes,
    offset_after,
    raw_id,
    raw_ids,
    to_data,
)
from schema.personal import PERSONAL

if TYPE_CHECKING:
    from schema.demands import Demand
    from schema.reps import Rep
    from schema.visits import Visit

Tier = strawberry.enum(TierModel, description="Commercial tier; A matters most.")
LifecycleStatus = strawberry.enum(
    LifecycleStatusModel, description="Relationship stage."
)
Channel = strawberry.enum(
    ChannelModel, description="How a contact prefers to be reached."
)


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


@strawberry.type(description="A labelled address with its location.")
class Address:
    label: str
    street: str
    city: str
    postal_code: str
    country: str
    location: GeoPoint


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
    contacts: list[Contact] = strawberry.field(
        permission_classes=PERSONAL, description="People at the customer (personal)."
    )
    addresses: list[Address]
    time_zone: str = strawberry.field(
        description="IANA time zone of the opening hours."
    )
    opening_hours: list[DayHours] = strawberry.field(
        description="Local times, per weekday."
    )
    territory: str | None
    custom_fields: list[CustomField]
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
                    location=GeoPoint(lat=a.location.lat, lng=a.location.lng),
                )
                for a in doc.addresses
            ],
            time_zone=doc.time_zone,
            opening_hours=DayHours.from_models(doc.opening_hours),
            territory=doc.territory,
            custom_fields=[_custom(f) for f in doc.custom_fields],
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
        from bson import ObjectId

        from schema.demands import Demand

        docs = await info.context.loaders.open_demands_by_customer_id.load(
            ObjectId(self.id)
        )
        return [Demand.from_document(d) for d in docs]

    @strawberry.field(description="The latest visits, newest first (last: 1 to 50).")
    async def last_visits(
        self, info: Info, last: int = 5
    ) -> list[Annotated[Visit, strawberry.lazy("schema.visits")]]:
        from bson import ObjectId

        from schema.visits import Visit

        if not 1 <= last <= 50:
            raise Invalid("last must be between 1 and 50", field="last")
        key = (ObjectId(self.id), last)
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


# --- inputs ---------------------------------------------------------------------


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


@strawberry.input(description="Changes to a contact; fields left out stay as they are.")
class ContactChangesInput:
    name: str | None = strawberry.UNSET
    role: str | None = strawberry.UNSET
    phones: list[str] | None = strawberry.UNSET
    emails: list[str] | None = strawberry.UNSET
    preferred_channel: Channel | None = strawberry.UNSET


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
    custom_fields: list[CustomFieldInput] = strawberry.field(default_factory=list)
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
        )


def customer_data(inp: Any) -> dict[str, Any]:
    """Input fields as model data, custom fields as key/value pairs."""
    data = to_data(inp)
    data.pop("id", None)
    data.pop("revision", None)
    if data.get("custom_fields") is not None:
        data["custom_fields"] = [
            {"key": f["key"], "value": f["value"]} for f in data["custom_fields"]
        ]
    return data


# --- results --------------------------------------------------------------------


@strawberry.type(description="The customer after the change.")
class CustomerPayload:
    customer: Customer


def customer_payload(doc: models.Customer) -> CustomerPayload:
    return CustomerPayload(customer=Customer.from_document(doc))


CustomerResult = Annotated[
    CustomerPayload | ValidationError | NotFoundError | ConflictError,
    strawberry.union("CustomerResult", description="A customer, or why not."),
]


@strawberry.type
class CustomerQueries:
    @strawberry.field(description="One customer by id; null when there is none.")
    async def customer(self, info: Info, id: relay.GlobalID) -> Customer | None:
        if id.type_name != "Customer":
            return None
        doc = await resolve.get_customer(info.context, id.node_id)
        return None if doc is None else Customer.from_document(doc)

    @strawberry.field(
        description="Customers page by page (first: 1 to 100, default 20). "
        "search matches word prefixes of names, tags and contacts; near "
        "keeps those within radiusKm and, unless orderBy says otherwise, "
        "lists the nearest first."
    )
    async def customers(
        self,
        info: Info,
        filter: CustomerFilterInput | None = None,
        search: str | None = None,
        near: NearInput | None = None,
        order_by: CustomerOrder | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Customer]:
        async def run() -> Any:
            return await resolve.list_customers(
                info.context,
                flt=filter.to_filter() if filter else None,
                search=search,
                near=Near(near.lat, near.lng, near.radius_km) if near else None,
                order_by=_order(order_by, near),
                first=first,
                offset=offset_after(after),
            )

        page = await guard(run())
        return Connection.of(page, Customer.from_document)


def _order(order_by: Any, near: Any) -> str | None:
    if order_by is None:
        return None
    if order_by == CustomerOrder.DISTANCE and near is None:
        return "NAME_ASC"
    return str(order_by.value if hasattr(order_by, "value") else order_by)


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(description="Create a customer.")
    async def create_customer(
        self, info: Info, input: CreateCustomerInput
    ) -> CustomerResult:
        async def run() -> models.Customer:
            data = customer_data(input)
            if input.owner_id is not None:
                data["owner_id"] = raw_id(input.owner_id, "Rep", "ownerId")
            return await idempotency.once(
                info.context,
                input.idempotency_key,
                "createCustomer",
                data,
                lambda: resolve.create_customer(info.context, dict(data)),
                models.Customer,
            )

        return await attempt(run(), customer_payload)

    @strawberry.mutation(description="Change a customer; send the revision you read.")
    async def update_customer(
        self, info: Info, input: UpdateCustomerInput
    ) -> CustomerResult:
        async def run() -> models.Customer:
            data = customer_data(input)
            if given(input.owner_id) and input.owner_id is not None:
                data["owner_id"] = raw_id(input.owner_id, "Rep", "ownerId")
            for key in (
                "name",
                "tier",
                "status",
                "tags",
                "addresses",
                "time_zone",
                "opening_hours",
                "custom_fields",
            ):
                if key in data and data[key] is None:
                    data.pop(key)  # required fields cannot be cleared
            customer_id = raw_id(input.id, "Customer", "id")
            return await resolve.update_customer(
                info.context, customer_id, input.revision, data
            )

        return await attempt(run(), customer_payload)

    @strawberry.mutation(
        description="Archive a customer: hidden from lists, history kept."
    )
    async def archive_customer(
        self, info: Info, input: ArchiveCustomerInput
    ) -> CustomerResult:
        async def run() -> models.Customer:
            customer_id = raw_id(input.id, "Customer", "id")
            return await resolve.archive_customer(
                info.context, customer_id, input.revision
            )

        return await attempt(run(), customer_payload)

    @strawberry.mutation(description="Add a contact person to a customer.")
    async def add_contact(self, info: Info, input: AddContactInput) -> CustomerResult:
        async def run() -> models.Customer:
            customer_id = raw_id(input.customer_id, "Customer", "customerId")
            return await resolve.add_contact(
                info.context, customer_id, input.revision, to_data(input.contact)
            )

        return await attempt(run(), customer_payload)

    @strawberry.mutation(description="Change a contact of a customer.")
    async def update_contact(
        self, info: Info, input: UpdateContactInput
    ) -> CustomerResult:
        async def run() -> models.Customer:
            customer_id = raw_id(input.customer_id, "Customer", "customerId")
            changes = {k: v for k, v in to_data(input.changes).items() if v is not None}
            return await resolve.update_contact(
                info.context, customer_id, input.contact_id, input.revision, changes
            )

        return await attempt(run(), customer_payload)

    @strawberry.mutation(description="Remove a contact from a customer.")
    async def remove_contact(
        self, info: Info, input: RemoveContactInput
    ) -> CustomerResult:
        async def run() -> models.Customer:
            customer_id = raw_id(input.customer_id, "Customer", "customerId")
            return await resolve.remove_contact(
                info.context, customer_id, input.contact_id, input.revision
            )

        return await attempt(run(), customer_payload)
