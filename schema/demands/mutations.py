"""Demands in the API: the mutations."""

from __future__ import annotations

import strawberry

import models
from models.demand import DemandStatus as DemandStatusModel
from resolvers import demands as resolve
from resolvers import idempotency
from schema.base import (
    Info,
    attempt,
    raw_id,
    upserting,
)
from schema.demands.inputs import (
    CreateDemandInput,
    TransitionDemandInput,
    UpdateDemandInput,
    UpsertDemandInput,
    demand_data,
)
from schema.demands.types import (
    CreateDemandResult,
    DemandResult,
    TransitionDemandResult,
    UpsertDemandResult,
    demand_payload,
    upsert_demand_payload,
)


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

        return await attempt(run(), demand_payload)

    @strawberry.mutation(
        description="Change a demand's title, description, type, priority, due "
        "date or assignee; send the revision you read."
    )
    async def update_demand(self, info: Info, input: UpdateDemandInput) -> DemandResult:
        async def run() -> models.Demand:
            demand_id = raw_id(input.id, "Demand", "id")
            return await resolve.update_demand(
                info.context, demand_id, input.revision, demand_data(input)
            )

        return await attempt(run(), demand_payload)

    @strawberry.mutation(
        description="Create or change the demand with a partner's id "
        "(externalId): created (open) when none has it, else changed where the "
        "input differs; the same input again changes nothing (changed: false). "
        "API keys need demands:write."
    )
    async def upsert_demand(
        self, info: Info, input: UpsertDemandInput
    ) -> UpsertDemandResult:
        return await upserting(
            info,
            input,
            resolve.upsert_demand,
            lambda: demand_data(input),
            upsert_demand_payload,
        )

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

        return await attempt(run(), demand_payload)
