"""Customers in the API: the queries."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

import models
from resolvers import customers as resolve
from resolvers.customers import Near
from schema.base import (
    After,
    Connection,
    First,
    Info,
    LookupExternalId,
    LookupId,
    offset_after,
    one_of,
)
from schema.customers.inputs import CustomerFilterInput, NearInput
from schema.customers.types import Customer, CustomerOrder


@strawberry.type
class CustomerQueries:
    @strawberry.field(
        description="One customer by id or by its id in a partner's system "
        "(give one of the two); null when there is none you may see."
    )
    async def customer(
        self,
        info: Info,
        id: LookupId = None,
        external_id: LookupExternalId = None,
    ) -> Customer | None:
        doc = await one_of(
            info, id, external_id, "Customer", resolve.get_customer, models.Customer
        )
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
        filter: Annotated[
            CustomerFilterInput | None,
            strawberry.argument(description="Only the customers that match."),
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Words that must each start a word of the name, "
                "legal name, a tag or a contact's name; case and accents are "
                "ignored, and at most 8 words count."
            ),
        ] = None,
        near: Annotated[
            NearInput | None,
            strawberry.argument(
                description="Only the customers whose first address lies in this "
                "circle."
            ),
        ] = None,
        order_by: Annotated[
            CustomerOrder | None,
            strawberry.argument(
                description="The order; default NAME_ASC, or DISTANCE with near."
            ),
        ] = None,
        first: First = 20,
        after: After = None,
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

        page = await run()
        return Connection.of(page, Customer.from_document)


def _order(order_by: Any, near: Any) -> str | None:
    if order_by is None:
        return None
    if order_by == CustomerOrder.DISTANCE and near is None:
        return "NAME_ASC"
    return str(order_by.value if hasattr(order_by, "value") else order_by)
