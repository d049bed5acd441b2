"""Demands in the API: the types and the mutations' results."""

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
from resolvers.common import revision_of
from schema.base import (
    STAMP,
    ExternalId,
    Info,
    Stamp,
    UpsertOutcome,
    load_nodes,
    rep_gid,
    upsert_payload,
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
        description="Workflow: open → in_progress → waiting_on_customer → resolved "
        "→ closed; "
        "in_progress may go straight to resolved, waiting_on_customer back to "
        "in_progress, and resolved or closed may be reopened (open)."
    ),
]


DEMAND_TYPE_VALUES = {
    "PRODUCT_INQUIRY": "Questions about a product or an offer.",
    "COMPLAINT": "Something went wrong and the customer says so.",
    "SERVICE_REQUEST": "The customer asks for service or repair.",
    "RENEWAL": "A contract or subscription is up for renewal.",
    "TRAINING": "The customer wants training.",
    "OTHER": "Anything else; the title says what.",
}
PRIORITY_VALUES = {
    "LOW": "Can wait; 1 point in the priority score by default.",
    "NORMAL": "The default; 2 points by default.",
    "HIGH": "Soon; 4 points by default.",
    "URGENT": "At once; 8 points by default.",
}
DEMAND_STATUS_VALUES = {
    "OPEN": "New or reopened; not yet worked on.",
    "IN_PROGRESS": "Being worked on.",
    "WAITING_ON_CUSTOMER": "Waiting for the customer's answer.",
    "RESOLVED": "Done; may be closed or reopened.",
    "CLOSED": "Finished; may be reopened.",
}


@strawberry.enum(description="Orders for the demand list.")
class DemandOrder(enum.Enum):
    _value_: str  # enum_value hides from mypy that values are strings

    CREATED_DESC = strawberry.enum_value(
        "CREATED_DESC", description="Newest first; the default."
    )
    DUE_ASC = strawberry.enum_value(
        "DUE_ASC", description="Earliest due date first; no due date first of all."
    )


@strawberry.type(description="One recorded status change.")
class DemandTransition:
    from_status: DemandStatus | None = strawberry.field(description="Null on creation.")
    to_status: DemandStatus = strawberry.field(description="The status reached.")
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
    type: DemandType = strawberry.field(description="The kind of need.")
    title: str
    description: str = strawberry.field(description="Free text (may name people).")
    priority: Priority = strawberry.field(description="How soon it needs attention.")
    due: datetime | None = strawberry.field(description="UTC.")
    status: DemandStatus = strawberry.field(
        description="Where it stands; changed by transitionDemand."
    )
    history: list[DemandTransition] = strawberry.field(description="Oldest first.")
    external_ids: list[ExternalId] = strawberry.field(
        description="The demand's ids in partners' systems (CRMs)."
    )
    stamp: Stamp = strawberry.field(description=STAMP)
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
            external_ids=ExternalId.from_models(doc.external_ids),
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


@strawberry.type(description="The demand after the change.")
class DemandPayload:
    demand: Demand = strawberry.field(description="The demand as now stored.")


def demand_payload(doc: models.Demand) -> DemandPayload:
    return DemandPayload(demand=Demand.from_document(doc))


CreateDemandResult = Annotated[
    DemandPayload | MutationError,
    strawberry.union("CreateDemandResult", description="The new demand, or why not."),
]
DemandResult = Annotated[
    DemandPayload | MutationError,
    strawberry.union("DemandResult", description="The demand, or why not."),
]


@strawberry.type(description="The demand after an upsert, and what it did.")
class UpsertDemandPayload(UpsertOutcome):
    demand: Demand = strawberry.field(description="The demand as now stored.")


upsert_demand_payload = upsert_payload(
    UpsertDemandPayload, "demand", Demand.from_document
)


UpsertDemandResult = Annotated[
    UpsertDemandPayload | MutationError,
    strawberry.union(
        "UpsertDemandResult", description="The upserted demand, or why not."
    ),
]
TransitionDemandResult = Annotated[
    DemandPayload | MutationError,
    strawberry.union(
        "TransitionDemandResult", description="The moved demand, or why not."
    ),
]
