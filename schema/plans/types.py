"""Visit plans in the API: the plan, its routes, stops and totals, and results."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

import models
from models.plan import PlanStatus as PlanStatusModel
from resolvers import plans as resolve
from schema.base import (
    STAMP,
    Info,
    Stamp,
    load_nodes,
)
from schema.customers import Customer
from schema.errors import MutationError
from schema.reps import Rep
from schema.visits import Visit

PlanStatus = Annotated[
    PlanStatusModel,
    strawberry.enum(
        description="Lifecycle: running (computed in the background) → draft or "
        "failed; "
        "draft → accepted or discarded."
    ),
]
PLAN_STATUS_VALUES = {
    "RUNNING": "Being computed in the background; progress shows how far.",
    "FAILED": "The computation failed; error says why. Nothing was created.",
    "DRAFT": "Computed and waiting to be accepted or discarded.",
    "ACCEPTED": "Accepted: its visits were created (createdVisits).",
    "DISCARDED": "Discarded; no visits were created.",
}


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
    value: float = strawberry.field(
        description="The value of this visit: the customer's priority score (0 to "
        "100), less for a further visit in the same plan; 0 for fixed stops."
    )
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


@strawberry.type(description="A pause on a planned route.")
class PlannedBreak:
    start: datetime = strawberry.field(description="UTC start of the break.")
    end: datetime = strawberry.field(description="UTC end of the break.")


@strawberry.type(description="A rep's route on one working day.")
class PlannedRoute:
    day: date = strawberry.field(description="The working day (the rep's local date).")
    depart: datetime = strawberry.field(
        description="UTC departure from the start point."
    )
    back: datetime = strawberry.field(description="UTC return to the home location.")
    travel_minutes: float = strawberry.field(
        description="Minutes of travel on the route, the way home included."
    )
    stops: list[PlannedStop] = strawberry.field(description="The visits, in order.")
    breaks: list[PlannedBreak] = strawberry.field(
        description="The rep's breaks on this route, in time order."
    )
    rep_ref: strawberry.Private[Any]

    @strawberry.field(description="Whose route it is.")
    async def rep(self, info: Info) -> Rep | None:
        doc = await info.context.loaders.rep_by_id.load(self.rep_ref)
        return None if doc is None else Rep.from_document(doc)


@strawberry.type(description="A candidate the plan leaves out, and why.")
class UnservedCustomer:
    value: float = strawberry.field(
        description="What visiting the customer would have been worth "
        "(priority score, 0 to 100)."
    )
    reason: str = strawberry.field(
        description="Why it is not in the plan, in plain words."
    )
    customer_ref: strawberry.Private[Any]

    @strawberry.field(description="The customer left out.")
    async def customer(self, info: Info) -> Customer | None:
        return await _customer(info, self.customer_ref)


@strawberry.type(description="The objective and its parts.")
class PlanTotals:
    objective: float = strawberry.field(description="Value minus travelCost.")
    value: float = strawberry.field(description="Sum of the planned visits' values.")
    travel_minutes: float = strawberry.field(
        description="Minutes of travel on all routes together."
    )
    travel_cost: float = strawberry.field(
        description="The travelMinutes times the cost per minute."
    )
    visits: int = strawberry.field(description="New visits in the plan.")
    candidates: int = strawberry.field(description="Customers the planner chose from.")


@strawberry.type(description="How the plan was computed.")
class SolverStats:
    name: str = strawberry.field(description="The solver that made the plan.")
    seconds: float = strawberry.field(description="Seconds the solver ran.")
    seed: int = strawberry.field(description="The random seed it was given.")
    time_limit: float = strawberry.field(description="Its time limit, in seconds.")


@strawberry.type(description="How far the search of a running plan has got.")
class PlanProgress:
    objective: float = strawberry.field(
        description="The best objective found so far (value - travelCost)."
    )
    seconds: float = strawberry.field(
        description="Seconds into the search when it was found."
    )


@strawberry.enum(description="What a re-plan does to a visit or customer.")
class PlanChangeKind(enum.Enum):
    KEPT = strawberry.enum_value(
        "kept", description="An existing visit stays (moved under a minute)."
    )
    MOVED = strawberry.enum_value(
        "moved", description="An existing visit moves by a minute or more."
    )
    ADDED = strawberry.enum_value("added", description="A new visit is added.")
    DROPPED = strawberry.enum_value(
        "dropped", description="An existing visit no longer fits and is left out."
    )


@strawberry.type(description="One change a re-plan makes to the rep's day.")
class PlanChange:
    kind: PlanChangeKind = strawberry.field(description="What happens to the visit.")
    before: datetime | None = strawberry.field(
        description="UTC start before (kept, moved, dropped)."
    )
    after: datetime | None = strawberry.field(
        description="UTC start after (kept, moved, added)."
    )
    moved_minutes: float | None = strawberry.field(
        description="Minutes from before to after (kept, moved); negative is earlier."
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
    status: PlanStatus = strawberry.field(description="Where the plan stands.")
    is_replan: bool = strawberry.field(description="Made by replanDay.")
    changes: list[PlanChange] = strawberry.field(
        description="For a re-plan: what is kept, moved, added and dropped."
    )
    first_day: date = strawberry.field(description="First day planned, inclusive.")
    last_day: date = strawberry.field(description="Last day planned, inclusive.")
    routes: list[PlannedRoute] = strawberry.field(
        description="The routes, each one rep's working day."
    )
    unserved: list[UnservedCustomer] = strawberry.field(
        description="Candidates left out, and why."
    )
    totals: PlanTotals = strawberry.field(description="The objective and its parts.")
    solver: SolverStats = strawberry.field(description="How the plan was computed.")
    error: str | None = strawberry.field(description="Why a FAILED plan failed.")
    progress: PlanProgress | None = strawberry.field(
        description="While RUNNING: the best plan found so far (noted every 2 s)."
    )
    stamp: Stamp = strawberry.field(description=STAMP)
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
                breaks=[PlannedBreak(start=b.start, end=b.end) for b in r.breaks],
            )
            for r in doc.routes
        ]
        unserved = [
            UnservedCustomer(value=u.value, reason=u.reason, customer_ref=u.customer_id)
            for u in doc.unserved
        ]
        changes = [
            PlanChange(
                kind=PlanChangeKind(c.kind),
                before=c.before,
                after=c.after,
                moved_minutes=c.moved_minutes,
                doc=c,
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
            error=doc.error,
            progress=PlanProgress(**doc.progress.model_dump())
            if doc.progress
            else None,
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


@strawberry.type(description="The plan after the change.")
class VisitPlanPayload:
    plan: VisitPlan = strawberry.field(description="The plan as it now is.")


def plan_payload(doc: models.VisitPlan) -> VisitPlanPayload:
    return VisitPlanPayload(plan=VisitPlan.from_document(doc))


PlanVisitsResult = Annotated[
    VisitPlanPayload | MutationError,
    strawberry.union("PlanVisitsResult", description="A draft plan, or why not."),
]
ChangeVisitPlanResult = Annotated[
    VisitPlanPayload | MutationError,
    strawberry.union("ChangeVisitPlanResult", description="The plan, or why not."),
]
