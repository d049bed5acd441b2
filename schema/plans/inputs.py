"""Visit plans in the API: what planVisits, replanDay, accept and discard take."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from models.visit import Purpose as PurposeModel
from schema.customers import CustomerFilterInput
from schema.visits import Purpose


@strawberry.input(description="What to plan. Customers default to those the reps own.")
class PlanVisitsInput:
    rep_ids: list[relay.GlobalID] = strawberry.field(description="Whose days to plan.")
    first_day: date = strawberry.field(description="First day, inclusive.")
    last_day: date = strawberry.field(
        description="Last day, inclusive (31 days at most)."
    )
    customer_filter: CustomerFilterInput | None = strawberry.field(
        default=None,
        description="Candidate customers; default: owned by the reps. Lead, active and "
        "dormant customers only unless statuses says otherwise.",
    )
    visit_minutes: float = strawberry.field(
        default=45, description="Visit length, 5-480."
    )
    speed_kmh: float = strawberry.field(default=30, description="Travel speed, 1-200.")
    road_factor: float = strawberry.field(
        default=1.3, description="Road distance over straight-line distance, 1-3."
    )
    travel_cost_per_minute: float = strawberry.field(
        default=0.5, description="Cost of a minute of travel, in value points."
    )
    time_limit_seconds: float = strawberry.field(
        default=5,
        description="Solver time, 1-300 seconds; when not in the background, at "
        "least 3 s less than the request timeout (10 s by default).",
    )
    background: bool = strawberry.field(
        default=False,
        description="Return at once a plan with status RUNNING and compute it in "
        "the background (then timeLimitSeconds may be up to 300); read it again "
        "with visitPlan(id) until it is DRAFT or FAILED. At most 2 running or "
        "queued per user and 4 per team by default (RATE_LIMITED, with "
        "extensions scope and limit).",
    )
    seed: int = strawberry.field(
        default=1, description="Same seed, same data: same plan."
    )
    max_candidates: int = strawberry.field(
        default=2500, description="Most valuable customers considered, at most 5000."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (at most 255): a retry with the same key and "
        "input returns the first result; with other input it is refused.",
    )


@strawberry.input(description="Accept a draft plan: its visits are created.")
class AcceptVisitPlanInput:
    id: relay.GlobalID = strawberry.field(description="The plan, in status DRAFT.")
    purpose: Purpose = strawberry.field(
        default=PurposeModel.FOLLOW_UP, description="Purpose of the created visits."
    )


@strawberry.input(description="Discard a draft plan.")
class DiscardVisitPlanInput:
    id: relay.GlobalID = strawberry.field(description="The plan, in status DRAFT.")


@strawberry.input(description="Re-plan the rest of a rep's day.")
class ReplanDayInput:
    rep_id: relay.GlobalID = strawberry.field(description="Whose day to re-plan.")
    day: date = strawberry.field(description="The rep's local date; today, usually.")
    time_limit_seconds: float = strawberry.field(
        default=1.2, description="0.2-30 seconds."
    )
    max_candidates: int = strawberry.field(
        default=200, description="Nearest customers of the rep considered, 1-1000."
    )
    visit_minutes: float = strawberry.field(
        default=45, description="Length of added visits, 5-480 minutes."
    )
