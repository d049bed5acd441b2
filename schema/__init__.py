"""The public GraphQL contract: root types composed from every domain."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema.base import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from schema.customers import CustomerMutations, CustomerQueries
from schema.demands import DemandMutations, DemandQueries
from schema.plans import PlanMutations, PlanQueries
from schema.reps import RepMutations, RepQueries
from schema.visits import VisitMutations, VisitQueries


@strawberry.type(description="Everything a client can read.")
class Query(CustomerQueries, RepQueries, DemandQueries, VisitQueries, PlanQueries):
    node: relay.Node | None = relay.node(description="Any object by its global id.")


@strawberry.type(description="Everything a client can change.")
class Mutation(
    CustomerMutations, RepMutations, DemandMutations, VisitMutations, PlanMutations
):
    pass


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    types=[ValidationError, NotFoundError, ConflictError, InvalidTransitionError],
)
