"""Demands in the API: types, inputs, queries and mutations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from models.demand import DemandStatus as DemandStatusModel
from models.demand import DemandType as DemandTypeModel
from models.demand import Priority as PriorityModel
from resolvers import demands as resolve
from resolvers import idempotency
from resolvers.common import revision_of
from resolvers.demands import DemandFilter
from schema.base import (
    Connection,
    Info,
    Stamp,
    attempt,
    load_nodes,
    offset_after,
    raw_id,
    raw_ids,
    rep_gid,
    to_data,
)
from schema.errors import MutationError

if TYPE_CHECKING:
    from schema.customers import Customer
    from schema.reps import Rep

DemandType = Annotated[
    DemandTypeModel, strawberry.enum(description="The kind of need.")
]
Priority = Annotated[
    PriorityModel, strawberry.enum(description="How soon it needs attention.")
]
DemandStatus = Annotated[
    DemandStatusModel,
    strawberry.enum(
        description="open → in_progress → waiting_on_customer → resolved → closed; "
        "in_progress may go straight to resolved, waiting_on_customer back to "
        "in_progress, and resolved or closed may be reopened (open)."
    ),
]


@strawberry.enum(description="Orders for the demand list.")
class DemandOrder(enum.Enum):
    CREATED_DESC = "CREATED_DESC"
    DUE_ASC = "DUE_ASC"


@strawberry.type(description="One recorded status change.")
class DemandTransition:
    from_status: DemandStatus | None = strawberry.field(description="Null on creation.")
    to_status: DemandStatus
    at: datetime = strawberry.field(description="UTC.")
    by: strawberry.Private[Any]
    comment: str | None = strawberry.field()

    @strawberry.field(
        description="The rep who made it; null for users you may not see."
    )
    def by_id(self, info: Info) -> strawberry.ID | None:
        return rep_gid(info, self.by)


@strawberry.type(description="What a customer needs, tracked to resolution.")
class Demand(relay.Node):
    id: relay.NodeID[str]
    revision: str = strawberry.field(
        description="Send back with changes (optimistic locking)."
    )
    type: DemandType
    title: str
    description: str = strawberry.field(description="Free text (may name people).")
    priority: Priority
    due: datetime | None = strawberry.field(description="UTC.")
    status: DemandStatus
    history: list[DemandTransition] = strawberry.field(description="Oldest first.")
    stamp: Stamp
    doc: strawberry.Private[Any]

    @classmethod
    def from_document(cls, doc: models.Demand) -> Demand:
        """Convert a stored demand."""
        history = [
            DemandTransition(
                from_status=t.from_status,
                to_status=t.to_status,
                at=t.at,
                by=t.by,
                comment=t.comment,
            )
            for t in doc.history
        ]
        return cls(
            id=str(doc.id),
            revision=revision_of(doc),
            type=doc.type,
            title=doc.title,
            description=doc.description,
            priority=doc.priority,
            due=doc.due,
            status=doc.status,
            history=history,
            stamp=Stamp.from_model(doc.stamp),
            doc=doc,
        )

    @strawberry.field(description="The customer who has the need.")
    async def customer(
        self, info: Info
    ) -> Annotated[Customer, strawberry.lazy("schema.customers")] | None:
        from schema.customers import Customer

        doc = await info.context.loaders.customer_by_id.load(self.doc.customer_id)
        return None if doc is None else Customer.from_document(doc)

    @strawberry.field(description="Who works on it.")
    async def assignee(
        self, info: Info
    ) -> Annotated[Rep, strawberry.lazy("schema.reps")] | None:
        from schema.reps import Rep

        if self.doc.assignee_id is None:
            return None
        doc = await info.context.loaders.rep_by_id.load(self.doc.assignee_id)
        return None if doc is None else Rep.from_document(doc)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Any, required: bool = False
    ) -> Any:
        """Load demands for ``node(id:)`` through the request's loader."""
        return await load_nodes(resolve.get_demand, info, node_ids, cls.from_document)


@strawberry.input(description="A new demand of a customer; it starts open.")
class CreateDemandInput:
    customer_id: relay.GlobalID
    type: DemandType
    title: str = strawberry.field(description="1 to 200 characters.")
    description: str = ""
    priority: Priority = PriorityModel.NORMAL
    due: datetime | None = strawberry.field(
        default=None, description="With a time zone."
    )
    assignee_id: relay.GlobalID | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (at most 255): a retry with the same key and "
        "input returns the first result; with other input it is refused.",
    )


@strawberry.input(description="A follow-up demand created from a visit's outcome.")
class FollowUpInput:
    type: DemandType
    title: str
    description: str = ""
    priority: Priority = PriorityModel.NORMAL
    due: datetime | None = None
    assignee_id: relay.GlobalID | None = None


@strawberry.input(description="Move a demand to another status.")
class TransitionDemandInput:
    id: relay.GlobalID
    to: DemandStatus
    comment: str | None = strawberry.field(
        default=None, description="At most 2000 chars."
    )
    revision: str | None = None


@strawberry.input(description="Demand criteria; all that are set must hold.")
class DemandFilterInput:
    customer_ids: list[relay.GlobalID] | None = None
    assignee_ids: list[relay.GlobalID] | None = None
    statuses: list[DemandStatus] | None = None
    priorities: list[Priority] | None = None
    types: list[DemandType] | None = None
    due_after: datetime | None = strawberry.field(
        default=None, description="Inclusive."
    )
    due_before: datetime | None = strawberry.field(
        default=None, description="Exclusive."
    )

    def to_filter(self) -> DemandFilter:
        """As the resolver's filter."""

        def values(items: list[Any] | None) -> list[str] | None:
            return None if items is None else [i.value for i in items]

        return DemandFilter(
            customer_ids=raw_ids(self.customer_ids, "Customer", "filter.customerIds"),
            assignee_ids=raw_ids(self.assignee_ids, "Rep", "filter.assigneeIds"),
            statuses=values(self.statuses),
            priorities=values(self.priorities),
            types=values(self.types),
            due_after=self.due_after,
            due_before=self.due_before,
        )


def demand_data(inp: Any, prefix: str = "") -> dict[str, Any]:
    """Input fields as model data with raw ids."""
    data = to_data(inp)
    if getattr(inp, "customer_id", None):
        data["customer_id"] = raw_id(inp.customer_id, "Customer", f"{prefix}customerId")
    if inp.assignee_id:
        data["assignee_id"] = raw_id(inp.assignee_id, "Rep", f"{prefix}assigneeId")
    return data


@strawberry.type(description="The demand after the change.")
class DemandPayload:
    demand: Demand


def _payload(doc: models.Demand) -> DemandPayload:
    return DemandPayload(demand=Demand.from_document(doc))


CreateDemandResult = Annotated[
    DemandPayload | MutationError,
    strawberry.union("CreateDemandResult", description="The new demand, or why not."),
]
TransitionDemandResult = Annotated[
    DemandPayload | MutationError,
    strawberry.union(
        "TransitionDemandResult", description="The moved demand, or why not."
    ),
]


@strawberry.type
class DemandQueries:
    @strawberry.field(description="One demand by id; null when there is none.")
    async def demand(self, info: Info, id: relay.GlobalID) -> Demand | None:
        if id.type_name != "Demand":
            return None
        doc = await resolve.get_demand(info.context, id.node_id)
        return None if doc is None else Demand.from_document(doc)

    @strawberry.field(description="Demands page by page (first: 1 to 100, default 20).")
    async def demands(
        self,
        info: Info,
        filter: DemandFilterInput | None = None,
        order_by: DemandOrder | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Demand]:
        page = await resolve.list_demands(
            info.context,
            flt=filter.to_filter() if filter else None,
            order_by=order_by.value if order_by else None,
            first=first,
            offset=offset_after(after),
        )
        return Connection.of(page, Demand.from_document)


@strawberry.type
class DemandMutations:
    @strawberry.mutation(description="Record a new demand of a customer.")
    async def create_demand(
        self, info: Info, input: CreateDemandInput
    ) -> CreateDemandResult:
        async def run() -> models.Demand:
            data = demand_data(input)
            return await idempotency.once(
                info.context,
                input.idempotency_key,
                "createDemand",
                data,
                lambda: resolve.create_demand(info.context, dict(data)),
                models.Demand,
            )

        return await attempt(run(), _payload)

    @strawberry.mutation(
        description="Move a demand along its workflow; history is kept."
    )
    async def transition_demand(
        self, info: Info, input: TransitionDemandInput
    ) -> TransitionDemandResult:
        async def run() -> models.Demand:
            demand_id = raw_id(input.id, "Demand", "id")
            return await resolve.transition_demand(
                info.context,
                demand_id,
                DemandStatusModel(input.to.value),
                input.comment,
                input.revision,
            )

        return await attempt(run(), _payload)
