"""Visits in the API: the mutations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

import models
from resolvers import idempotency, visit_upserts
from resolvers import visits as resolve
from resolvers.errors import camel
from schema.base import (
    Info,
    attempt,
    raw_id,
    raw_ids,
    to_data,
    upserting,
)
from schema.demands import demand_data
from schema.visits.inputs import (
    CancelVisitInput,
    PinVisitInput,
    PlanVisitInput,
    PresenceInput,
    RecordOutcomeInput,
    RescheduleVisitInput,
    UpsertVisitInput,
    VisitRefInput,
)
from schema.visits.types import (
    UpsertVisitResult,
    VisitResult,
    upsert_visit_payload,
    visit_payload,
)


def _upsert_data(inp: UpsertVisitInput) -> dict[str, Any]:
    """An upsertVisit input's fields as model data with raw ids."""
    data = to_data(inp)
    for key in ("external_id", "expected_revision"):
        data.pop(key)
    for key, kind in (("customer_id", "Customer"), ("rep_id", "Rep")):
        if data.get(key) is not None:
            data[key] = raw_id(getattr(inp, key), kind, camel(key))
    if data.get("demand_ids") is not None:
        data["demand_ids"] = raw_ids(inp.demand_ids, "Demand", "demandIds")
    for key in ("agenda", "pinned", "demand_ids"):
        if key in data and data[key] is None:
            data.pop(key)  # required fields cannot be cleared
    return data


def _id(inp: Any) -> str:
    return raw_id(inp.id, "Visit", "id")


async def _visit_change(call: Callable[[], Awaitable[models.Visit]]) -> Any:
    return await attempt(call(), visit_payload)


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
        description="Plan or change the visit with a partner's id (externalId): "
        "planned when none has it, else changed where the input differs; the "
        "same input again changes nothing (changed: false). API keys need "
        "visits:write."
    )
    async def upsert_visit(
        self, info: Info, input: UpsertVisitInput
    ) -> UpsertVisitResult:
        return await upserting(
            info,
            input,
            visit_upserts.upsert_visit,
            lambda: _upsert_data(input),
            upsert_visit_payload,
        )

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
