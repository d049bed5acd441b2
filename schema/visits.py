"""Visits in the API: types, inputs, queries and mutations."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

import models
from models.visit import Geofence as GeofenceModel
from models.visit import Purpose as PurposeModel
from models.visit import VisitStatus as VisitStatusModel
from resolvers import idempotency
from resolvers import visits as resolve
from resolvers.common import revision_of
from resolvers.visits import VisitFilter
from schema.base import (
    Connection,
    GeoPoint,
    GeoPointInput,
    Info,
    Stamp,
    attempt,
    load_nodes,
    offset_after,
    raw_id,
    raw_ids,
    to_data,
)
from schema.demands import Demand, FollowUpInput, demand_data
from schema.errors import MutationError

if TYPE_CHECKING:
    from schema.customers import Customer
    from schema.reps import Rep

Purpose = Annotated[PurposeModel, strawberry.enum(description="Why the rep goes.")]
VisitStatus = Annotated[
    VisitStatusModel,
    strawberry.enum(
        description="planned → confirmed → checked_in → completed; cancelled or missed "
        "before check-in."
    ),
]


@strawberry.enum(description="Orders for the visit list.")
class VisitOrder(enum.Enum):
    PLANNED_START_ASC = "PLANNED_START_ASC"
    PLANNED_START_DESC = "PLANNED_START_DESC"


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
    location: GeoPoint | None
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
    recorded_at: datetime
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
    purpose: Purpose
    purpose_text: str | None = strawberry.field(
        description="Free text beside the purpose."
    )
    agenda: str = strawberry.field()
    planned_start: datetime = strawberry.field(description="UTC.")
    planned_end: datetime = strawberry.field(description="UTC.")
    status: VisitStatus
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
    outcome: Outcome | None
    pinned: bool = strawberry.field(
        description="Kept at its exact time by planVisits and replanDay."
    )
    stamp: Stamp
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


@strawberry.input(description="Visit criteria; all that are set must hold.")
class VisitFilterInput:
    rep_ids: list[relay.GlobalID] | None = None
    customer_ids: list[relay.GlobalID] | None = None
    statuses: list[VisitStatus] | None = None
    purposes: list[Purpose] | None = None
    starts_after: datetime | None = strawberry.field(
        default=None, description="Inclusive."
    )
    starts_before: datetime | None = strawberry.field(
        default=None, description="Exclusive."
    )

    def to_filter(self) -> VisitFilter:
        """As the resolver's filter."""
        return VisitFilter(
            rep_ids=raw_ids(self.rep_ids, "Rep", "filter.repIds"),
            customer_ids=raw_ids(self.customer_ids, "Customer", "filter.customerIds"),
            statuses=None
            if self.statuses is None
            else [s.value for s in self.statuses],
            purposes=None
            if self.purposes is None
            else [p.value for p in self.purposes],
            starts_after=self.starts_after,
            starts_before=self.starts_before,
        )


@strawberry.input(description="A visit to put in a rep's calendar.")
class PlanVisitInput:
    customer_id: relay.GlobalID
    rep_id: relay.GlobalID
    purpose: Purpose
    purpose_text: str | None = None
    agenda: str = ""
    planned_start: datetime = strawberry.field(description="With a time zone.")
    planned_end: datetime = strawberry.field(
        description="After plannedStart, within 12 h."
    )
    demand_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Demands of this customer the visit is about."
    )
    pinned: bool = strawberry.field(
        default=False,
        description="Keep this exact time when the day is planned or re-planned.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (at most 255): a retry with the same key and "
        "input returns the first result; with other input it is refused.",
    )


@strawberry.input(description="New times for a visit that has not started.")
class RescheduleVisitInput:
    id: relay.GlobalID
    revision: str | None = None
    planned_start: datetime
    planned_end: datetime


@strawberry.input(description="Pin a visit to its time, or release it.")
class PinVisitInput:
    id: relay.GlobalID
    revision: str | None = None
    pinned: bool = strawberry.field(
        description="True: planVisits and replanDay keep its exact time."
    )


@strawberry.input(description="Which visit, at which revision.")
class VisitRefInput:
    id: relay.GlobalID
    revision: str | None = None


@strawberry.input(description="A check-in or check-out.")
class PresenceInput:
    id: relay.GlobalID
    revision: str | None = None
    at: datetime | None = strawberry.field(default=None, description="Default: now.")
    location: GeoPointInput | None = strawberry.field(
        default=None,
        description="Where the rep is; its distance to the customer is kept.",
    )


@strawberry.input(description="Cancel a visit, saying why.")
class CancelVisitInput:
    id: relay.GlobalID
    revision: str | None = None
    reason: str = strawberry.field(description="Required, at most 2000 characters.")


@strawberry.input(description="The outcome of a completed visit.")
class RecordOutcomeInput:
    id: relay.GlobalID
    revision: str | None = None
    notes: str = ""
    result: float = strawberry.field(description="Result score R, 0 to 10.")
    follow_ups: list[FollowUpInput] = strawberry.field(
        default_factory=list,
        description="Demands to create from this visit (at most 20).",
    )


@strawberry.type(description="The visit after the change.")
class VisitPayload:
    visit: Visit


def _payload(doc: models.Visit) -> VisitPayload:
    return VisitPayload(visit=Visit.from_document(doc))


VisitResult = Annotated[
    VisitPayload | MutationError,
    strawberry.union("VisitResult", description="The visit, or why not."),
]


def _id(inp: Any) -> str:
    return raw_id(inp.id, "Visit", "id")


async def _visit_change(call: Callable[[], Awaitable[models.Visit]]) -> Any:
    return await attempt(call(), _payload)


@strawberry.type
class VisitQueries:
    @strawberry.field(description="One visit by id; null when there is none.")
    async def visit(self, info: Info, id: relay.GlobalID) -> Visit | None:
        if id.type_name != "Visit":
            return None
        doc = await resolve.get_visit(info.context, id.node_id)
        return None if doc is None else Visit.from_document(doc)

    @strawberry.field(
        description="Visits page by page (first: 1 to 100, default 20), "
        "by planned start."
    )
    async def visits(
        self,
        info: Info,
        filter: VisitFilterInput | None = None,
        order_by: VisitOrder | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Visit]:
        page = await resolve.list_visits(
            info.context,
            flt=filter.to_filter() if filter else None,
            order_by=order_by.value if order_by else None,
            first=first,
            offset=offset_after(after),
        )
        return Connection.of(page, Visit.from_document)


@strawberry.type
class VisitMutations:
    @strawberry.mutation(description="Put a visit in a rep's calendar (no overlaps).")
    async def plan_visit(self, info: Info, input: PlanVisitInput) -> VisitResult:
        async def run() -> models.Visit:
            data = to_data(input)
            data["customer_id"] = raw_id(input.customer_id, "Customer", "customerId")
            data["rep_id"] = raw_id(input.rep_id, "Rep", "repId")
            data["demand_ids"] = raw_ids(input.demand_ids, "Demand", "demandIds")
            return await idempotency.once(
                info.context,
                input.idempotency_key,
                "planVisit",
                data,
                lambda: resolve.plan_visit(info.context, dict(data)),
                models.Visit,
            )

        return await _visit_change(run)

    @strawberry.mutation(
        description="Move a planned or confirmed visit; it is planned again."
    )
    async def reschedule_visit(
        self, info: Info, input: RescheduleVisitInput
    ) -> VisitResult:
        async def run() -> models.Visit:
            return await resolve.reschedule_visit(
                info.context,
                _id(input),
                input.revision,
                input.planned_start,
                input.planned_end,
            )

        return await _visit_change(run)

    @strawberry.mutation(
        description="Mark a planned visit as agreed with the customer."
    )
    async def confirm_visit(self, info: Info, input: VisitRefInput) -> VisitResult:
        async def run() -> models.Visit:
            return await resolve.confirm_visit(info.context, _id(input), input.revision)

        return await _visit_change(run)

    @strawberry.mutation(
        description="Pin a planned or confirmed visit to its time (or release it)."
    )
    async def pin_visit(self, info: Info, input: PinVisitInput) -> VisitResult:
        async def run() -> models.Visit:
            return await resolve.pin_visit(
                info.context, _id(input), input.revision, input.pinned
            )

        return await _visit_change(run)

    @strawberry.mutation(description="Record the rep's arrival.")
    async def check_in_visit(self, info: Info, input: PresenceInput) -> VisitResult:
        async def run() -> models.Visit:
            where = input.location.to_model("location") if input.location else None
            return await resolve.check_in_visit(
                info.context, _id(input), input.revision, input.at, where
            )

        return await _visit_change(run)

    @strawberry.mutation(
        description="Record the rep's departure; the visit is completed."
    )
    async def check_out_visit(self, info: Info, input: PresenceInput) -> VisitResult:
        async def run() -> models.Visit:
            where = input.location.to_model("location") if input.location else None
            return await resolve.check_out_visit(
                info.context, _id(input), input.revision, input.at, where
            )

        return await _visit_change(run)

    @strawberry.mutation(description="Cancel a visit that has not started.")
    async def cancel_visit(self, info: Info, input: CancelVisitInput) -> VisitResult:
        async def run() -> models.Visit:
            return await resolve.cancel_visit(
                info.context, _id(input), input.revision, input.reason
            )

        return await _visit_change(run)

    @strawberry.mutation(description="Record that a planned visit did not happen.")
    async def mark_visit_missed(self, info: Info, input: VisitRefInput) -> VisitResult:
        async def run() -> models.Visit:
            return await resolve.mark_visit_missed(
                info.context, _id(input), input.revision
            )

        return await _visit_change(run)

    @strawberry.mutation(
        description="Record a completed visit's outcome and follow-ups."
    )
    async def record_visit_outcome(
        self, info: Info, input: RecordOutcomeInput
    ) -> VisitResult:
        async def run() -> models.Visit:
            follow_ups = [
                demand_data(f, f"followUps.{n}.")
                for n, f in enumerate(input.follow_ups)
            ]
            return await resolve.record_outcome(
                info.context,
                _id(input),
                input.revision,
                input.notes,
                input.result,
                follow_ups,
            )

        return await _visit_change(run)
