"""Customers in the API: the mutations."""

from __future__ import annotations

from typing import Any

import strawberry

import models
from resolvers import customers as resolve
from resolvers import idempotency
from schema.base import (
    Info,
    attempt,
    given,
    raw_id,
    to_data,
    upserting,
)
from schema.customers.inputs import (
    AddContactInput,
    ArchiveCustomerInput,
    CreateCustomerInput,
    RemoveContactInput,
    UpdateContactInput,
    UpdateCustomerInput,
    UpsertCustomerInput,
    customer_data,
)
from schema.customers.types import (
    CustomerResult,
    UpsertCustomerResult,
    customer_payload,
    upsert_customer_payload,
)

#: Fields a customer cannot be without: a null sent for one changes nothing.
REQUIRED = (
    "name",
    "tier",
    "status",
    "tags",
    "addresses",
    "time_zone",
    "opening_hours",
    "custom_fields",
    "contacts",
    "external_ids",
)


def _changes(inp: UpdateCustomerInput | UpsertCustomerInput) -> dict[str, Any]:
    """The fields an update or upsert sends, as model data with raw ids."""
    data = customer_data(inp)
    if given(inp.owner_id) and inp.owner_id is not None:
        data["owner_id"] = raw_id(inp.owner_id, "Rep", "ownerId")
    for key in REQUIRED:
        if key in data and data[key] is None:
            data.pop(key)  # required fields cannot be cleared
    return data


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
            customer_id = raw_id(input.id, "Customer", "id")
            return await resolve.update_customer(
                info.context, customer_id, input.revision, _changes(input)
            )

        return await attempt(run(), customer_payload)

    @strawberry.mutation(
        description="Create or change the customer with a partner's id "
        "(externalId): created when none has it, else changed where the input "
        "differs; sending the same input again changes nothing (changed: "
        "false). API keys need customers:write."
    )
    async def upsert_customer(
        self, info: Info, input: UpsertCustomerInput
    ) -> UpsertCustomerResult:
        return await upserting(
            info,
            input,
            resolve.upsert_customer,
            lambda: _changes(input),
            upsert_customer_payload,
        )

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
