"""Visit plans in the API: planVisits, replanDay, acceptVisitPlan, discardVisitPlan."""

from __future__ import annotations

from typing import Any

import strawberry

import models
from models.visit import Purpose as PurposeModel
from resolvers import idempotency
from resolvers import plans as resolve
from resolvers.plans import PlanRequest, ReplanRequest, Travel
from schema.base import Info, attempt, raw_id, raw_ids
from schema.plans.inputs import (
    AcceptVisitPlanInput,
    DiscardVisitPlanInput,
    PlanVisitsInput,
    ReplanDayInput,
)
from schema.plans.types import ChangeVisitPlanResult, PlanVisitsResult, plan_payload


@strawberry.type
class PlanMutations:
    @strawberry.mutation(
        description="Plan the reps' visits for some days; the result is a "
        "draft until accepted. Runs the planner (timeLimitSeconds), in the "
        "background with background: true."
    )
    async def plan_visits(self, info: Info, input: PlanVisitsInput) -> PlanVisitsResult:
        async def run() -> models.VisitPlan:
            req = PlanRequest(
                rep_ids=raw_ids(input.rep_ids, "Rep", "repIds") or [],
                first_day=input.first_day,
                last_day=input.last_day,
                customer_filter=input.customer_filter.to_filter()
                if input.customer_filter
                else None,
                visit_minutes=input.visit_minutes,
                travel=Travel(
                    speed_kmh=input.speed_kmh,
                    road_factor=input.road_factor,
                    cost_per_minute=input.travel_cost_per_minute,
                ),
                time_limit=input.time_limit_seconds,
                seed=input.seed,
                max_candidates=input.max_candidates,
            )
            start = resolve.start_plan if input.background else resolve.plan_visits
            payload: dict[str, Any] = {"input": str(req)}
            if input.background:
                payload["background"] = True
            return await idempotency.once(
                info.context,
                input.idempotency_key,
                "planVisits",
                payload,
                lambda: start(info.context, req),
                models.VisitPlan,
            )

        return await attempt(run(), plan_payload)

    @strawberry.mutation(
        description="Create the plan's visits; calling it again changes "
        "nothing and returns the same plan."
    )
    async def accept_visit_plan(
        self, info: Info, input: AcceptVisitPlanInput
    ) -> ChangeVisitPlanResult:
        async def run() -> models.VisitPlan:
            plan_id = raw_id(input.id, "VisitPlan", "id")
            return await resolve.accept_plan(
                info.context, plan_id, PurposeModel(input.purpose.value)
            )

        return await attempt(run(), plan_payload)

    @strawberry.mutation(
        description="Re-plan the rest of a rep's day from where the rep "
        "is: done and under-way visits stay; the draft says what "
        "moves, what is added and what is dropped. Accept it to apply."
    )
    async def replan_day(self, info: Info, input: ReplanDayInput) -> PlanVisitsResult:
        async def run() -> models.VisitPlan:
            req = ReplanRequest(
                rep_id=raw_id(input.rep_id, "Rep", "repId"),
                day=input.day,
                time_limit=input.time_limit_seconds,
                max_candidates=input.max_candidates,
                visit_minutes=input.visit_minutes,
            )
            return await resolve.replan_day(info.context, req)

        return await attempt(run(), plan_payload)

    @strawberry.mutation(description="Discard a draft plan.")
    async def discard_visit_plan(
        self, info: Info, input: DiscardVisitPlanInput
    ) -> ChangeVisitPlanResult:
        async def run() -> models.VisitPlan:
            return await resolve.discard_plan(
                info.context, raw_id(input.id, "VisitPlan", "id")
            )

        return await attempt(run(), plan_payload)
