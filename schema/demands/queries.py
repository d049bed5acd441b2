"""Demands in the API: the queries."""

from __future__ import annotations

from typing import Annotated

import strawberry

import models
from resolvers import demands as resolve
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
from schema.demands.inputs import DemandFilterInput
from schema.demands.types import Demand, DemandOrder


@strawberry.type
class DemandQueries:
    @strawberry.field(
        description="One demand by id or by its id in a partner's system (give "
        "one of the two); null when there is none you may see."
    )
    async def demand(
        self,
        info: Info,
        id: LookupId = None,
        external_id: LookupExternalId = None,
    ) -> Demand | None:
        doc = await one_of(
            info, id, external_id, "Demand", resolve.get_demand, models.Demand
        )
        return None if doc is None else Demand.from_document(doc)

    @strawberry.field(description="Demands page by page (first: 1 to 100, default 20).")
    async def demands(
        self,
        info: Info,
        filter: Annotated[
            DemandFilterInput | None,
            strawberry.argument(description="Only the demands that match."),
        ] = None,
        order_by: Annotated[
            DemandOrder | None,
            strawberry.argument(description="The order; default CREATED_DESC."),
        ] = None,
        first: First = 20,
        after: After = None,
    ) -> Connection[Demand]:
        page = await resolve.list_demands(
            info.context,
            flt=filter.to_filter() if filter else None,
            order_by=order_by.value if order_by else None,
            first=first,
            offset=offset_after(after),
        )
        return Connection.of(page, Demand.from_document)
