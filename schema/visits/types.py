"""Visits in the API: the types and the mutations' results."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from models.visit import Geofence as GeofenceModel
from models.visit import Purpose as PurposeModel
from models.visit import VisitStatus as VisitStatusModel
from resolvers import visits as resolve
from resolvers.common import revision_of
from schema.base import (
    STAMP,
    ExternalId,
    GeoPoint,
    Info,
    Stamp,
    UpsertOutcome,
    load_nodes,
    upsert_payload,
)
from schema.demands import Demand
from schema.errors import MutationError

if TYPE_CHECKING:
    from schema.customers import Customer
    from schema.reps import Rep


Purpose = Annotated[PurposeModel, strawberry.enum(description="Why the rep goes.")]
VisitStatus = Annotated[
    VisitStatusModel,
    strawberry.enum(
        description="Lifecycle: planned → confirmed → checked_in → completed; "
        "cancelled or missed "
        "before check-in."
    ),
]


PURPOSE_VALUES = {
    "INTRO": "A first meeting.",
    "FOLLOW_UP": "Following up an earlier contact or visit.",
    "DEMO": "Showing a product.",
    "NEGOTIATION": "Negotiating an offer or contract.",
    "SERVICE": "Service or support on site.",
    "RELATIONSHIP": "Keeping the relationship warm.",
    "COLLECTION": "Collecting a payment.",
    "OTHER": "Anything else; purposeText says what.",
}
VISIT_STATUS_VALUES = {
    "PLANNED": "In the calendar, not confirmed yet (confirmVisit).",
    "CONFIRMED": "Confirmed with the customer.",
    "CHECKED_IN": "The rep has arrived (checkInVisit).",
    "COMPLETED": "The rep has left (checkOutVisit); final.",
    "CANCELLED": "Called off before check-in (cancelVisit); final.",
    "MISSED": "Did not take place (markVisitMissed); final.",
}
GEOFENCE_STATUS_VALUES = {
    "VERIFIED": "Within the check-in radius of one of the customer's addresses.",
    "OUTSIDE_RADIUS": "Farther than the check-in radius from every address.",
    "NO_LOCATION": "No location was sent, or the customer has no address to "
    "compare with.",
}


@strawberry.enum(description="Orders for the visit list.")
class VisitOrder(enum.Enum):
    _value_: str  # enum_value hides from mypy that values are strings

    PLANNED_START_ASC = strawberry.enum_value(
        "PLANNED_START_ASC", description="Earliest planned start first; the default."
    )
    PLANNED_START_DESC = strawberry.enum_value(
        "PLANNED_START_DESC", description="Latest planned start first."
    )


GeofenceStatus = Annotated[
    GeofenceModel,
    strawberry.enum(
        name="GeofenceStatus",
        description="VERIFIED: within the check-in radius of a customer address; "
        "OUTSIDE_RADIUS: farther from all of them; NO_LOCATION: no location sent, "
        "or the customer has no address.",
    ),
]


@strawberry.type(description="A check-in or check-out.")
class Presence:
    at: datetime = strawberry.field(description="UTC.")
    location: GeoPoint | None = strawberry.field(
        description="Where the rep was; null when no location was sent."
    )
    distance_m: float | None = strawberry.field(
        description="Metres from the nearest address of the customer."
    )
    geofence: GeofenceStatus | None = strawberry.field(
        description="Of a check-in: whether it was made within the check-in "
        "radius (setting checkInRadiusM) of the customer; null on check-outs "
        "and on check-ins recorded before geofencing."
    )


@strawberry.type(description="What a completed visit produced.")
class Outcome:
    notes: str = strawberry.field()
    result: float = strawberry.field(
        description="Result score R, 0 (nothing) to 10 (best); see docs/visits.md."
    )
    recorded_at: datetime = strawberry.field(description="UTC.")
    follow_up_refs: strawberry.Private[list[Any]]

    @strawberry.field(description="Demands created from this outcome.")
    async def follow_ups(self, info: Info) -> list[Demand]:
        docs = await info.context.loaders.demand_by_id.load_many(self.follow_up_refs)
        return [Demand.from_document(d) for d in docs if d is not None]


@strawberry.type(description="A visit of a rep to a customer: its plan and its record.")
class Visit(relay.Node):
    id: relay.NodeID[str]
    revision: str = strawberry.field(
        description="Send back with changes (optimistic locking)."
    )
    purpose: Purpose = strawberry.field(description="Why the rep goes.")
    purpose_text: str | None = strawberry.field(
        description="Free text beside the purpose."
    )
    agenda: str = strawberry.field()
    planned_start: datetime = strawberry.field(description="UTC.")
    planned_end: datetime = strawberry.field(description="UTC.")
    status: VisitStatus = strawberry.field(description="Where the visit stands.")
    cancel_reason: str | None = strawberry.field()
    check_in: Presence | None = strawberry.field(
        description="Where and when the rep arrived."
    )
    check_in_geofence: GeofenceStatus | None = strawberry.field(
        description="The check-in's geofence status (checkIn.geofence); null "
        "before check-in."
    )
    check_out: Presence | None = strawberry.field(
        description="Where and when the rep left."
    )
    duration_minutes: float | None = strawberry.field(
        description="Actual duration T, check-in to check-out, in minutes."
    )
    outcome: Outcome | None = strawberry.field(
        description="What the visit produced; null until recordVisitOutcome."
    )
    pinned: bool = strawberry.field(
        description="Kept at its exact time by planVisits and replanDay."
    )
    external_ids: list[ExternalId] = strawberry.field(
        description="The visit's ids in partners' systems (CRMs)."
    )
    stamp: Stamp = strawberry.field(description=STAMP)
    doc: strawberry.Private[Any]

    @classmethod
    def from_document(cls, doc: models.Visit) -> Visit:
        """Convert a stored visit."""

        def presence(p: Any) -> Presence | None:
            return (
                None
                if p is None
                else Presence(
                    at=p.at,
                    location=GeoPoint.from_model(p.location),
                    distance_m=p.distance_m,
                    geofence=p.geofence,
                )
            )

        outcome = (
            None
            if doc.outcome is None
            else Outcome(
                notes=doc.outcome.notes,
                result=doc.outcome.result,
                recorded_at=doc.outcome.recorded_at,
                follow_up_refs=doc.outcome.follow_up_demand_ids,
            )
        )
        return cls(
            id=str(doc.id),
            revision=revision_of(doc),
            purpose=doc.purpose,
            purpose_text=doc.purpose_text,
            agenda=doc.agenda,
            planned_start=doc.planned_start,
            planned_end=doc.planned_end,
            status=doc.status,
            cancel_reason=doc.cancel_reason,
            check_in=presence(doc.check_in),
            check_in_geofence=doc.check_in.geofence if doc.check_in else None,
            check_out=presence(doc.check_out),
            duration_minutes=doc.duration_min,
            outcome=outcome,
            pinned=doc.pinned,
            external_ids=ExternalId.from_models(doc.external_ids),
            stamp=Stamp.from_model(doc.stamp),
            doc=doc,
        )

    @strawberry.field(description="The customer visited.")
    async def customer(
        self, info: Info
    ) -> Annotated[Customer, strawberry.lazy("schema.customers")] | None:
        from schema.customers import Customer

        doc = await info.context.loaders.customer_by_id.load(self.doc.customer_id)
        return None if doc is None else Customer.from_document(doc)

    @strawberry.field(description="The rep who visits.")
    async def rep(
        self, info: Info
    ) -> Annotated[Rep, strawberry.lazy("schema.reps")] | None:
        from schema.reps import Rep

        doc = await info.context.loaders.rep_by_id.load(self.doc.rep_id)
        return None if doc is None else Rep.from_document(doc)

    @strawberry.field(description="Demands this visit is about.")
    async def demands(self, info: Info) -> list[Demand]:
        docs = await info.context.loaders.demand_by_id.load_many(self.doc.demand_ids)
        return [Demand.from_document(d) for d in docs if d is not None]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Any, required: bool = False
    ) -> Any:
        """Load visits for ``node(id:)`` through the request's loader."""
        return await load_nodes(resolve.get_visit, info, node_ids, cls.from_document)


@strawberry.type(description="The visit after the change.")
class VisitPayload:
    visit: Visit = strawberry.field(description="The visit as now stored.")


def visit_payload(doc: models.Visit) -> VisitPayload:
    return VisitPayload(visit=Visit.from_document(doc))


VisitResult = Annotated[
    VisitPayload | MutationError,
    strawberry.union("VisitResult", description="The visit, or why not."),
]


@strawberry.type(description="The visit after an upsert, and what it did.")
class UpsertVisitPayload(UpsertOutcome):
    visit: Visit = strawberry.field(description="The visit as now stored.")


upsert_visit_payload = upsert_payload(UpsertVisitPayload, "visit", Visit.from_document)


UpsertVisitResult = Annotated[
    UpsertVisitPayload | MutationError,
    strawberry.union(
        "UpsertVisitResult", description="The upserted visit, or why not."
    ),
]
