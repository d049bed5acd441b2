"""Real-time events over WebSocket (``graphql-transport-ws``): docs/subscriptions.md."""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator, Callable
from datetime import date
from typing import Annotated, Any, TypeVar

import strawberry
from beanie import PydanticObjectId
from strawberry import relay

from resolvers import subscriptions as resolve
from resolvers.common import object_id
from schema.base import Info, raw_id
from schema.customers.types import Customer
from schema.demands.types import Demand
from schema.plans.types import VisitPlan
from schema.visits.types import Visit

AFTER = (
    "The eventId of the last event received: the stream resumes after it, "
    "missing nothing. Leave it out to receive changes from now on."
)
S = TypeVar("S")


@strawberry.enum(description="What happened to the row.")
class ChangeOperation(enum.Enum):
    INSERT = strawberry.enum_value("insert", description="The row was created.")
    UPDATE = strawberry.enum_value(
        "update", description="Some of the row's fields were changed."
    )
    REPLACE = strawberry.enum_value(
        "replace",
        description="The row was written anew as a whole; a change like UPDATE.",
    )


@strawberry.type(description="A visit was created or changed.")
class VisitEvent:
    event_id: str = strawberry.field(
        description="Opaque id of the event; give it as `after` to resume."
    )
    operation: ChangeOperation = strawberry.field(description="What happened.")
    visit: Visit = strawberry.field(description="The visit after the change.")


@strawberry.type(description="A visit plan's progress, completion or edit.")
class VisitPlanEvent:
    event_id: str = strawberry.field(
        description="Opaque id of the event; give it as `after` to resume."
    )
    operation: ChangeOperation = strawberry.field(description="What happened.")
    plan: VisitPlan = strawberry.field(description="The plan after the change.")


@strawberry.type(description="A demand was created or changed.")
class DemandEvent:
    event_id: str = strawberry.field(
        description="Opaque id of the event; give it as `after` to resume."
    )
    operation: ChangeOperation = strawberry.field(description="What happened.")
    demand: Demand = strawberry.field(description="The demand after the change.")


@strawberry.type(description="A customer was created or changed.")
class CustomerEvent:
    event_id: str = strawberry.field(
        description="Opaque id of the event; give it as `after` to resume."
    )
    operation: ChangeOperation = strawberry.field(description="What happened.")
    customer: Customer = strawberry.field(description="The customer after the change.")


def _oid(gid: relay.GlobalID, type_name: str, field: str) -> PydanticObjectId:
    return object_id(raw_id(gid, type_name, field), field)


async def _relay(
    events: Any, make: Callable[[resolve.Event[Any]], S]
) -> AsyncGenerator[S, None]:
    async for event in events:
        yield make(event)


@strawberry.type(description="Everything a client can follow as it changes.")
class Subscription:
    @strawberry.subscription(
        description="Changes to a rep's visits planned on one day (UTC)."
    )
    async def visits_changed(
        self,
        info: Info,
        rep_id: Annotated[
            relay.GlobalID, strawberry.argument(description="Whose visits.")
        ],
        day: Annotated[
            date,
            strawberry.argument(description="The UTC day the visits are planned on."),
        ],
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[VisitEvent, None]:
        rep = _oid(rep_id, "Rep", "repId")
        events = resolve.visits_changed(info.context, rep, day, after)
        async for event in _relay(
            events,
            lambda e: VisitEvent(
                event_id=e.event_id,
                operation=ChangeOperation(e.operation),
                visit=Visit.from_document(e.document),
            ),
        ):
            yield event

    @strawberry.subscription(
        description="A visit plan's progress while it is computed, its "
        "completion, and later changes."
    )
    async def visit_plan_updated(
        self,
        info: Info,
        id: Annotated[
            relay.GlobalID, strawberry.argument(description="The plan to follow.")
        ],
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[VisitPlanEvent, None]:
        plan = _oid(id, "VisitPlan", "id")
        events = resolve.visit_plan_updated(info.context, plan, after)
        async for event in _relay(
            events,
            lambda e: VisitPlanEvent(
                event_id=e.event_id,
                operation=ChangeOperation(e.operation),
                plan=VisitPlan.from_document(e.document),
            ),
        ):
            yield event

    @strawberry.subscription(
        description="Changes to the demands assigned to you (users only)."
    )
    async def my_demands_changed(
        self,
        info: Info,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[DemandEvent, None]:
        events = resolve.my_demands_changed(info.context, after)
        async for event in _relay(
            events,
            lambda e: DemandEvent(
                event_id=e.event_id,
                operation=ChangeOperation(e.operation),
                demand=Demand.from_document(e.document),
            ),
        ):
            yield event

    @strawberry.subscription(description="Changes to one customer.")
    async def customer_changed(
        self,
        info: Info,
        id: Annotated[
            relay.GlobalID, strawberry.argument(description="The customer to follow.")
        ],
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[CustomerEvent, None]:
        customer = _oid(id, "Customer", "id")
        events = resolve.customer_changed(info.context, customer, after)
        async for event in _relay(
            events,
            lambda e: CustomerEvent(
                event_id=e.event_id,
                operation=ChangeOperation(e.operation),
                customer=Customer.from_document(e.document),
            ),
        ):
            yield event
