"""The public GraphQL contract: root types composed from every domain."""

from __future__ import annotations

import logging

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLObjectType,
)
from strawberry import relay
from strawberry.types import ExecutionContext

from defenses.limits import SCHEMA_EXTENSIONS
from resolvers import access
from schema.audit import AuditQueries, AuditTrail
from schema.auth import AccessGuard, AuthMutations, AuthQueries
from schema.base import WEEKDAY_VALUES
from schema.calendar_tokens import CalendarTokenMutations, CalendarTokenQueries
from schema.customers import CustomerMutations, CustomerQueries
from schema.customers.types import CHANNEL_VALUES, LIFECYCLE_STATUS_VALUES, TIER_VALUES
from schema.demands import DemandMutations, DemandQueries
from schema.demands.types import (
    DEMAND_STATUS_VALUES,
    DEMAND_TYPE_VALUES,
    PRIORITY_VALUES,
)
from schema.errors import ERRORS, EXCEPTION_HANDLERS, shown
from schema.plans import PlanMutations, PlanQueries
from schema.plans.types import PLAN_STATUS_VALUES
from schema.privacy import PrivacyMutations
from schema.reps import ROLE_VALUES, RepMutations, RepQueries
from schema.scalars import SCALAR_OVERRIDES
from schema.scoring import ScoringMutations, ScoringQueries
from schema.subscriptions import Subscription
from schema.visits import VisitMutations, VisitQueries
from schema.visits.types import (
    GEOFENCE_STATUS_VALUES,
    PURPOSE_VALUES,
    VISIT_STATUS_VALUES,
)

#: Descriptions of the values of the enums defined in models/, by GraphQL name.
ENUM_VALUES: dict[str, dict[str, str]] = {
    "Weekday": WEEKDAY_VALUES,
    "Role": ROLE_VALUES,
    "Tier": TIER_VALUES,
    "LifecycleStatus": LIFECYCLE_STATUS_VALUES,
    "Channel": CHANNEL_VALUES,
    "DemandType": DEMAND_TYPE_VALUES,
    "Priority": PRIORITY_VALUES,
    "DemandStatus": DEMAND_STATUS_VALUES,
    "Purpose": PURPOSE_VALUES,
    "VisitStatus": VISIT_STATUS_VALUES,
    "GeofenceStatus": GEOFENCE_STATUS_VALUES,
    "PlanStatus": PLAN_STATUS_VALUES,
}


@strawberry.type(description="Everything a client can read.")
class Query(
    AuthQueries,
    CalendarTokenQueries,
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
    CalendarTokenMutations,
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
    """The schema, logging as errors only the faults nobody expected.

    Refusals a client caused (an error with ``extensions.code``: a missing
    credential, a forbidden field, a bad argument or variable) are answers, not
    faults, and are not logged. Documents that fail to parse or validate (limits
    included) are the client's too; they are logged at INFO, bounded by
    defenses/logs.py. Faults are logged with their traceback.
    """

    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        faults = []
        for error in errors:
            if (shown(error).extensions or {}).get("code"):
                continue
            if error.original_error is None:
                _execution_log.info(error)
            else:
                faults.append(error)
        super().process_errors(faults, execution_context)


_execution_log = logging.getLogger("strawberry.execution")


schema = Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=list(ERRORS),
    exception_handlers=EXCEPTION_HANDLERS,
    scalar_overrides=SCALAR_OVERRIDES,
    extensions=[*SCHEMA_EXTENSIONS, AccessGuard, AuditTrail],
)


def _mark_personal() -> None:
    """Say in the contract which fields are personal, from the one declaration
    the field rule reads (``resolvers.access.PERSONAL``)."""
    for item in access.PERSONAL:
        type_name, field_name = item.label.split(".")
        owner = schema._schema.type_map[type_name]
        assert isinstance(owner, GraphQLObjectType), item.label
        field = owner.fields[field_name]
        note = "Personal: API keys get FORBIDDEN."
        field.description = f"{field.description} {note}" if field.description else note


_mark_personal()


def _describe_enum_values() -> None:
    """Describe the values of the enums the models define, which cannot carry
    GraphQL descriptions themselves; each dict must name every value."""
    for name, values in ENUM_VALUES.items():
        enum_type = schema._schema.type_map[name]
        assert isinstance(enum_type, GraphQLEnumType), name
        assert set(values) == set(enum_type.values), name
        for value, description in values.items():
            enum_type.values[value].description = description


def _describe_mutation_inputs() -> None:
    """Describe each mutation's one ``input`` argument by its input type's
    description, so the two never disagree."""
    mutation = schema._schema.type_map["Mutation"]
    assert isinstance(mutation, GraphQLObjectType)
    for field in mutation.fields.values():
        arg = field.args.get("input")
        if arg is None or arg.description:
            continue
        of = arg.type.of_type if isinstance(arg.type, GraphQLNonNull) else arg.type
        assert isinstance(of, GraphQLInputObjectType), of
        arg.description = of.description


_describe_enum_values()
_describe_mutation_inputs()
