"""Visit plans in the API: reading one plan."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from resolvers import plans as resolve
from schema.base import Info
from schema.plans.types import VisitPlan


@strawberry.type
class PlanQueries:
    @strawberry.field(description="One visit plan by id; null when there is none.")
    async def visit_plan(
        self,
        info: Info,
        id: Annotated[
            relay.GlobalID, strawberry.argument(description="The plan's global id.")
        ],
    ) -> VisitPlan | None:
        if id.type_name != "VisitPlan":
            return None
        doc = await resolve.get_plan(info.context, id.node_id)
        return None if doc is None else VisitPlan.from_document(doc)
