"""Visits in the API: inputs and filters."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from resolvers.visits import VisitFilter
from schema.base import (
    EXTERNAL_IDS,
    REVISION,
    ExternalIdInput,
    GeoPointInput,
    UpsertOfCustomerInput,
    raw_ids,
)
from schema.demands import FollowUpInput
from schema.visits.types import Purpose, VisitStatus

_PURPOSE_TEXT = "Free text beside the purpose, at most 500 characters."
_AGENDA = "What the visit is for, at most 10,000 characters."
_VISIT = "The visit."


@strawberry.input(description="Visit criteria; all that are set must hold.")
class VisitFilterInput:
    rep_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Made by one of these reps."
    )
    customer_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="To one of these customers."
    )
    statuses: list[VisitStatus] | None = strawberry.field(
        default=None, description="In one of these statuses."
    )
    purposes: list[Purpose] | None = strawberry.field(
        default=None, description="With one of these purposes."
    )
    starts_after: datetime | None = strawberry.field(
        default=None, description="Inclusive."
    )
    starts_before: datetime | None = strawberry.field(
        default=None, description="Exclusive."
    )
    external_id: ExternalIdInput | None = strawberry.field(
        default=None, description="Has this id in a partner's system."
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
            external_id=self.external_id.to_data() if self.external_id else None,
        )


@strawberry.input(description="A visit to put in a rep's calendar.")
class PlanVisitInput:
    customer_id: relay.GlobalID = strawberry.field(description="Whom to visit.")
    rep_id: relay.GlobalID = strawberry.field(description="Who visits.")
    purpose: Purpose = strawberry.field(description="Why the rep goes.")
    purpose_text: str | None = strawberry.field(default=None, description=_PURPOSE_TEXT)
    agenda: str = strawberry.field(default="", description=_AGENDA)
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
    external_ids: list[ExternalIdInput] = strawberry.field(
        default_factory=list, description=EXTERNAL_IDS
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (at most 255): a retry with the same key and "
        "input returns the first result; with other input it is refused.",
    )


@strawberry.input(
    description="A visit named by its id in a partner's system: planned when no "
    "visit has that id, else changed (while planned or confirmed) where the "
    "input differs. Fields left out stay as they are (or take their defaults)."
)
class UpsertVisitInput(UpsertOfCustomerInput):
    rep_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The rep (needed to plan); another rep moves the visit to "
        "their calendar.",
    )
    rep_external_id: ExternalIdInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="The rep by their id in the partner's system, instead of repId.",
    )
    purpose: Purpose = strawberry.field(description="Why the rep goes.")
    purpose_text: str | None = strawberry.field(
        default=strawberry.UNSET, description=_PURPOSE_TEXT
    )
    agenda: str | None = strawberry.field(default=strawberry.UNSET, description=_AGENDA)
    planned_start: datetime = strawberry.field(description="With a time zone.")
    planned_end: datetime = strawberry.field(
        description="After plannedStart, within 12 h. New times are checked "
        "for overlaps and make the visit planned again, as rescheduleVisit does."
    )
    demand_ids: list[relay.GlobalID] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Demands of this customer the visit is about (replaces the list).",
    )
    pinned: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="True: planVisits and replanDay keep its exact time.",
    )


@strawberry.input(description="New times for a visit that has not started.")
class RescheduleVisitInput:
    id: relay.GlobalID = strawberry.field(description=_VISIT)
    revision: str | None = strawberry.field(default=None, description=REVISION)
    planned_start: datetime = strawberry.field(description="With a time zone.")
    planned_end: datetime = strawberry.field(
        description="After plannedStart, within 12 h."
    )


@strawberry.input(description="Pin a visit to its time, or release it.")
class PinVisitInput:
    id: relay.GlobalID = strawberry.field(description=_VISIT)
    revision: str | None = strawberry.field(default=None, description=REVISION)
    pinned: bool = strawberry.field(
        description="True: planVisits and replanDay keep its exact time."
    )


@strawberry.input(description="Which visit, at which revision.")
class VisitRefInput:
    id: relay.GlobalID = strawberry.field(description=_VISIT)
    revision: str | None = strawberry.field(default=None, description=REVISION)


@strawberry.input(description="A check-in or check-out.")
class PresenceInput:
    id: relay.GlobalID = strawberry.field(description=_VISIT)
    revision: str | None = strawberry.field(default=None, description=REVISION)
    at: datetime | None = strawberry.field(default=None, description="Default: now.")
    location: GeoPointInput | None = strawberry.field(
        default=None,
        description="Where the rep is; its distance to the customer is kept.",
    )


@strawberry.input(description="Cancel a visit, saying why.")
class CancelVisitInput:
    id: relay.GlobalID = strawberry.field(description=_VISIT)
    revision: str | None = strawberry.field(default=None, description=REVISION)
    reason: str = strawberry.field(description="Required, at most 2000 characters.")


@strawberry.input(description="The outcome of a completed visit.")
class RecordOutcomeInput:
    id: relay.GlobalID = strawberry.field(description="The completed visit.")
    revision: str | None = strawberry.field(default=None, description=REVISION)
    notes: str = strawberry.field(
        default="", description="What happened, at most 10,000 characters."
    )
    result: float = strawberry.field(description="Result score R, 0 to 10.")
    follow_ups: list[FollowUpInput] = strawberry.field(
        default_factory=list,
        description="Demands to create from this visit (at most 20).",
    )
