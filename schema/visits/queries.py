"""Visits in the API: the queries."""

from __future__ import annotations

from typing import Annotated

import strawberry

import models
from resolvers import visits as resolve
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
from schema.visits.inputs import VisitFilterInput
from schema.visits.types import Visit, VisitOrder


@strawberry.type
class VisitQueries:
    @strawberry.field(
        description="One visit by id or by its id in a partner's system (give "
        "one of the two); null when there is none you may see."
    )
    async def visit(
        self,
        info: Info,
        id: LookupId = None,
        external_id: LookupExternalId = None,
    ) -> Visit | None:
        doc = await one_of(
            info, id, external_id, "Visit", resolve.get_visit, models.Visit
        )
        return None if doc is None else Visit.from_document(doc)

    @strawberry.field(
        description="Visits page by page (first: 1 to 100, default 20), "
        "by planned start."
    )
    async def visits(
        self,
        info: Info,
        filter: Annotated[
            VisitFilterInput | None,
            strawberry.argument(description="Only the visits that match."),
        ] = None,
        order_by: Annotated[
            VisitOrder | None,
            strawberry.argument(description="The order; default PLANNED_START_ASC."),
        ] = None,
        first: First = 20,
        after: After = None,
    ) -> Connection[Visit]:
        page = await resolve.list_visits(
            info.context,
            flt=filter.to_filter() if filter else None,
            order_by=order_by.value if order_by else None,
            first=first,
            offset=offset_after(after),
        )
        return Connection.of(page, Visit.from_document)
