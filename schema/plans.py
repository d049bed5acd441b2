"""Visit plans in the API: planVisits, the plan it returns, accept and discard."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

import models
from models.plan import PlanStatus as PlanStatusModel
from models.visit import Purpose as PurposeModel
from resolvers import idempotency, replanning
from resolvers import planning as resolve
from resolvers.plan_problem import Travel
from resolvers.planning import PlanRequest
from resolvers.replanning import ReplanRequest
from schema.base import (
    ConflictError,
    Info,
    InvalidTransitionError,
    NotFoundError,
    Stamp,
    ValidationError,
    attempt,
    load_nodes,
    raw_id,
    raw_ids,
)
from schema.customers import Customer, CustomerFilterInput
from schema.reps import Rep
from schema.visits import Purpose, Visit

PlanStatus = strawberry.enum(
    PlanStatusModel, description="draft → accepted or discarded."
)


async def _customer(info: Info, customer_id: Any) -> Customer | None:
    doc = await info.context.loaders.customer_by_id.load(customer_id)
    return None if doc is None else Customer.from_document(doc)


@strawberry.type(description="One visit on a planned route.")
class PlannedStop:
    arrive: datetime = strawberry.field(description="UTC arrival.")
    start: datetime = strawberry.field(description="UTC start of the visit.")
    end: datetime = strawberry.field(description="UTC end of the visit.")
    travel_minutes: float = strawberry.field(
        description="Travel from the previous stop."
    )
    value: float = strawberry.field(description="The value of visiting this customer.")
    reason: str = strawberry.field(description="Why it is in the plan, in plain words.")
    fixed: bool = strawberry.field(
        description="Already in the calendar; kept as it is."
    )
    doc: strawberry.Private[models.plan.PlannedStop]

    @strawberry.field(description="The customer visited.")
    async def customer(self, info: Info) -> Customer | None:
        return await _customer(info, self.doc.customer_id)

    @strawberry.field(description="The existing visit, for fixed stops.")
    async def visit(self, info: Info) -> Visit | None:
        if self.doc.visit_id is None:
            return None
        doc = await info.context.loaders.visit_by_id.load(self.doc.visit_id)
        return None if doc is None else Visit.from_document(doc)


@strawberry.type(description="A rep's route on one working day.")
class PlannedRoute:
    day: date = strawberry.field(description="The working day (the rep's local date).")
    depart: datetime = strawberry.field(
        description="UTC departure from the start point."
    )
    back: datetime = strawberry.field(description="UTC return to the home location.")
    travel_minutes: float
    stops: list[PlannedStop]
    rep_ref: strawberry.Private[Any]

    @strawberry.field(description="Whose route it is.")
    async def rep(self, info: Info) -> Rep | None:
        doc = await info.context.loaders.rep_by_id.load(self.rep_ref)
        return None if doc is None else Rep.from_document(doc)


@strawberry.type(description="A candidate the plan leaves out, and why.")
class UnservedCustomer:
    value: float
    reason: str = strawberry.field(
        description="Why it is not in the plan, in plain words."
    )
    customer_ref: strawberry.Private[Any]

    @strawberry.field(description="The customer left out.")
    async def customer(self, info: Info) -> Customer | None:
        return await _customer(info, self.customer_ref)


@strawberry.type(description="The objective and its parts.")
class PlanTotals:
    objective: float = strawberry.field(description="value - travelCost.")
    value: float = strawberry.field(description="Sum of the planned visits' values.")
    travel_minutes: float
    travel_cost: float = strawberry.field(
        description="travelMinutes times the cost per minute."
    )
    visits: int = strawberry.field(description="New visits in the plan.")
    candidates: int = strawberry.field(description="Customers the planner chose from.")


@strawberry.type(description="How the plan was computed.")
class SolverStats:
    name: str
    seconds: float
    seed: int
    time_limit: float


@strawberry.enum(description="What a re-plan does to a visit or customer.")
class PlanChangeKind(enum.Enum):
    KEPT = "kept"
    MOVED = "moved"
    ADDED = "added"
    DROPPED = "dropped"


@strawberry.type(description="One change a re-plan makes to the rep's day.")
class PlanChange:
    kind: PlanChangeKind
    before: datetime | None = strawberry.field(
        description="UTC start before (kept, moved, dropped)."
    )
    after: datetime | None = strawberry.field(
        description="UTC start after (kept, moved, added)."
    )
    doc: strawberry.Private[Any]

    @strawberry.field(description="The customer concerned.")
    async def customer(self, info: Info) -> Customer | None:
        return await _customer(info, self.doc.customer_id)

    @strawberry.field(description="The existing visit concerned (not for added ones).")
    async def visit(self, info: Info) -> Visit | None:
        if self.doc.visit_id is None:
            return None
        doc = await info.context.loaders.visit_by_id.load(self.doc.visit_id)
        return None if doc is None else Visit.from_document(doc)


@strawberry.type(description="Proposed routes for some reps over some days.")
class VisitPlan(relay.Node):
    id: relay.NodeID[str]
    status: PlanStatus
    is_replan: bool = strawberry.field(description="Made by replanDay.")
    changes: list[PlanChange] = strawberry.field(
        description="For a re-plan: what is kept, moved, added and dropped."
    )
    first_day: date
    last_day: date
    routes: list[PlannedRoute]
    unserved: list[UnservedCustomer]
    totals: PlanTotals
    solver: SolverStats
    stamp: Stamp
    doc: strawberry.Private[models.VisitPlan]

    @classmethod
    def from_document(cls, doc: models.VisitPlan) -> VisitPlan:
        """Convert a stored plan."""
        routes = [
            PlannedRoute(
                day=r.day,
                depart=r.depart,
                back=r.back,
                travel_minutes=r.travel_minutes,
                rep_ref=r.rep_id,
                stops=[
                    PlannedStop(
                        arrive=s.arrive,
                        start=s.start,
                        end=s.end,
                        travel_minutes=s.travel_minutes,
                        value=s.value,
                        reason=s.reason,
                        fixed=s.fixed,
                        doc=s,
                    )
                    for s in r.stops
                ],
            )
            for r in doc.routes
        ]
        unserved = [
            UnservedCustomer(value=u.value, reason=u.reason, customer_ref=u.customer_id)
            for u in doc.unserved
        ]
        changes = [
            PlanChange(
                kind=PlanChangeKind(c.kind), before=c.before, after=c.after, doc=c
            )
            for c in doc.changes
        ]
        return cls(
            id=str(doc.id),
            status=doc.status,
            is_replan=doc.kind == "replan",
            changes=changes,
            first_day=doc.first_day,
            last_day=doc.last_day,
            routes=routes,
            unserved=unserved,
            totals=PlanTotals(**doc.totals.model_dump()),
            solver=SolverStats(**doc.solver.model_dump()),
            stamp=Stamp.from_model(doc.stamp),
            doc=doc,
        )

    @strawberry.field(description="Fixed visits the plan could not keep in their slot.")
    async def infeasible_visits(self, info: Info) -> list[Visit]:
        docs = await info.context.loaders.visit_by_id.load_many(
            self.doc.infeasible_visit_ids
        )
        return [Visit.from_document(d) for d in docs if d is not None]

    @strawberry.field(description="The visits accepting the plan created.")
    async def created_visits(self, info: Info) -> list[Visit]:
        docs = await info.context.loaders.visit_by_id.load_many(
            self.doc.created_visit_ids
        )
        return [Visit.from_document(d) for d in docs if d is not None]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Any, required: bool = False
    ) -> Any:
        """Load plans for ``node(id:)``."""
        return await load_nodes(resolve.get_plan, info, node_ids, cls.from_document)


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
        description="Solver time, 1-300 seconds, and at least 3 s less than the "
        "request timeout (10 s by default).",
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
    id: relay.GlobalID
    purpose: Purpose = strawberry.field(
        default=PurposeModel.FOLLOW_UP, description="Purpose of the created visits."
    )


@strawberry.input(description="Discard a draft plan.")
class DiscardVisitPlanInput:
    id: relay.GlobalID


@strawberry.input(description="Re-plan the rest of a rep's day.")
class ReplanDayInput:
    rep_id: relay.GlobalID
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


@strawberry.type(description="The plan after the change.")
class VisitPlanPayload:
    plan: VisitPlan


def _payload(doc: models.VisitPlan) -> VisitPlanPayload:
    return VisitPlanPayload(plan=VisitPlan.from_document(doc))


PlanVisitsResult = Annotated[
    VisitPlanPayload | ValidationError | NotFoundError,
    strawberry.union("PlanVisitsResult", description="A draft plan, or why not."),
]
ChangeVisitPlanResult = Annotated[
    VisitPlanPayload
    | ValidationError
    | NotFoundError
    | ConflictError
    | InvalidTransitionError,
    strawberry.union("ChangeVisitPlanResult", description="The plan, or why not."),
]


@strawberry.type
class PlanQueries:
    @strawberry.field(description="One visit plan by id; null when there is none.")
    async def visit_plan(self, info: Info, id: relay.GlobalID) -> VisitPlan | None:
        if id.type_name != "VisitPlan":
            return None
        doc = await resolve.get_plan(info.context, id.node_id)
        return None if doc is None else VisitPlan.from_document(doc)


@strawberry.type
class PlanMutations:
    @strawberry.mutation(
        description="Plan the reps' visits for some days; the result is a "
        "draft until accepted. Runs the planner (timeLimitSeconds)."
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
            payload = {"input": str(req)}
            return await idempotency.once(
                info.context,
                input.idempotency_key,
                "planVisits",
                payload,
                lambda: resolve.plan_visits(info.context, req),
                models.VisitPlan,
            )

        return await attempt(run(), _payload)

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

        return await attempt(run(), _payload)

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
            return await replanning.replan_day(info.context, req)

        return await attempt(run(), _payload)

    @strawberry.mutation(description="Discard a draft plan.")
    async def discard_visit_plan(
        self, info: Info, input: DiscardVisitPlanInput
    ) -> ChangeVisitPlanResult:
        async def run() -> models.VisitPlan:
            return await resolve.discard_plan(
                info.context, raw_id(input.id, "VisitPlan", "id")
            )

        return await attempt(run(), _payload)
