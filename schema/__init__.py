"""The public GraphQL contract: root types composed from every domain."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.relay import GlobalIDValueError
from strawberry.types import ExecutionContext

from defenses.limits import SCHEMA_EXTENSIONS
from resolvers import access
from schema.audit import AuditQueries, AuditTrail
from schema.auth import AccessGuard, AuthMutations, AuthQueries
from schema.base import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from schema.customers import CustomerMutations, CustomerQueries
from schema.demands import DemandMutations, DemandQueries
from schema.plans import PlanMutations, PlanQueries
from schema.privacy import PrivacyMutations
from schema.reps import RepMutations, RepQueries
from schema.scoring import ScoringMutations, ScoringQueries
from schema.visits import VisitMutations, VisitQueries


@strawberry.type(description="Everything a client can read.")
class Query(
    AuthQueries,
    AuditQueries,
    CustomerQueries,
    RepQueries,
    DemandQueries,
    VisitQueries,
    PlanQueries,
    ScoringQueries,
):
    node: relay.Node | None = relay.node(description="Any object by its global id.")


@strawberry.type(description="Everything a client can change.")
class Mutation(
    AuthMutations,
    CustomerMutations,
    RepMutations,
    DemandMutations,
    VisitMutations,
    PlanMutations,
    ScoringMutations,
    PrivacyMutations,
):
    pass


class Schema(strawberry.Schema):
    """The schema, logging only the errors nobody expected.

    Refusals a client caused (an error with ``extensions.code``: a missing
    credential, a forbidden field, a limit, a bad argument) are answers, not faults,
    and would flood the log; unexpected errors are logged with their traceback.
    """

    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        unexpected = [
            e
            for e in errors
            if not (e.extensions or {}).get("code")
            and not isinstance(e.original_error, GlobalIDValueError)
        ]
        super().process_errors(unexpected, execution_context)


schema = Schema(
    query=Query,
    mutation=Mutation,
    types=[ValidationError, NotFoundError, ConflictError, InvalidTransitionError],
    extensions=[*SCHEMA_EXTENSIONS, AccessGuard, AuditTrail],
)


def _mark_personal() -> None:
    """Say in the contract which fields are personal, from the one declaration
    the field rule reads (``resolvers.access.PERSONAL``)."""
    for item in access.PERSONAL:
        type_name, field_name = item.label.split(".")
        field = schema._schema.type_map[type_name].fields[field_name]  # type: ignore[union-attr]
        note = "Personal: API keys get FORBIDDEN."
        field.description = f"{field.description} {note}" if field.description else note


_mark_personal()
