"""Reading demands, creating them and moving them through their workflow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models import Customer, Demand, Rep
from models.demand import DEMAND_TRANSITIONS, DemandStatus, Transition
from resolvers import access
from resolvers.common import (
    any_of,
    build,
    check_revision,
    fetch_visible,
    insert,
    object_id,
    save,
)
from resolvers.context import Context
from resolvers.errors import Invalid, TransitionRefused
from resolvers.pagination import Page, paginate

DEMAND_SORTS: dict[str, list[tuple[str, int]]] = {
    "CREATED_DESC": [("stamp.created_at", -1), ("_id", 1)],
    "DUE_ASC": [("due", 1), ("_id", 1)],
}


@dataclass
class DemandFilter:
    """Which demands to list; every set criterion must hold."""

    customer_ids: list[str] | None = None
    assignee_ids: list[str] | None = None
    statuses: list[str] | None = None
    priorities: list[str] | None = None
    types: list[str] | None = None
    due_after: datetime | None = None
    due_before: datetime | None = None


def demand_query(
    flt: DemandFilter | None, who: access.Principal | None = None
) -> dict[str, Any]:
    """The MongoDB filter for a demand filter, as ``who`` may ask it (assignees
    it may not see match nothing)."""
    flt = flt or DemandFilter()
    query: dict[str, Any] = {}
    if flt.customer_ids is not None:
        query["customer_id"] = any_of(
            [object_id(i, "filter.customerIds") for i in flt.customer_ids]
        )
    if flt.assignee_ids is not None:
        ids = [object_id(i, "filter.assigneeIds") for i in flt.assignee_ids]
        query["assignee_id"] = any_of(access.seen_reps(who, ids) if who else ids)
    for key, values in (
        ("status", flt.statuses),
        ("priority", flt.priorities),
        ("type", flt.types),
    ):
        if values is not None:
            query[key] = any_of(values)
    due: dict[str, datetime] = {}
    if flt.due_after is not None:
        due["$gte"] = flt.due_after
    if flt.due_before is not None:
        due["$lt"] = flt.due_before
    if due:
        query["due"] = due
    return query


async def list_demands(
    ctx: Context,
    *,
    flt: DemandFilter | None = None,
    order_by: str | None = None,
    first: int | None = None,
    offset: int = 0,
) -> Page[Demand]:
    """A page of demands, newest first unless asked otherwise."""
    who = access.principal(ctx)
    query = access.restrict(demand_query(flt, who), access.demand_rule(who))
    sort = DEMAND_SORTS[order_by or "CREATED_DESC"]
    return await paginate(Demand, query, sort, first=first, offset=offset)


async def get_demand(ctx: Context, demand_id: str) -> Demand | None:
    """One demand by id, or ``None``."""
    try:
        return await ctx.loaders.demand_by_id.load(object_id(demand_id, "id"))
    except Invalid:
        return None


async def new_demand(ctx: Context, data: dict[str, Any], prefix: str = "") -> Demand:
    """A validated, not yet stored, demand of a customer the caller may see."""
    who = access.principal(ctx)
    access.check_writer(who, key_scope="demands:write")
    field = f"{prefix}." if prefix else ""
    data["customer_id"] = object_id(data["customer_id"], f"{field}customerId")
    if data.get("assignee_id") is not None:
        data["assignee_id"] = object_id(data["assignee_id"], f"{field}assigneeId")
        # A user the caller may not see answers exactly as one that does not exist.
        await fetch_visible(
            Rep, data["assignee_id"], access.rep_rule(who), f"{field}assigneeId"
        )
    demand = build(Demand, data, prefix)
    customer = await fetch_visible(
        Customer, demand.customer_id, access.customer_rule(who), f"{field}customerId"
    )
    demand.customer_owner_id = customer.owner_id
    demand.customer_territory = customer.territory
    demand.access = list(customer.access)
    demand.history = [
        Transition(
            from_status=None,
            to_status=demand.status,
            by=ctx.actor_id,
            comment="created",
        )
    ]
    demand.stamp.created_by = demand.stamp.updated_by = ctx.actor_id
    return demand


async def create_demand(ctx: Context, data: dict[str, Any]) -> Demand:
    """Validate and store a new open demand."""
    demand = await new_demand(ctx, {**data, "status": DemandStatus.OPEN})
    await insert(demand)
    ctx.loaders.forget(demand)
    return demand


async def transition_demand(
    ctx: Context,
    demand_id: str,
    to_status: DemandStatus,
    comment: str | None,
    revision: str | None,
) -> Demand:
    """Move a demand to ``to_status`` if its workflow allows, recording the step."""
    access.check_writer(access.principal(ctx), key_scope="demands:write")
    rule = access.demand_filter(ctx)
    demand = await fetch_visible(Demand, object_id(demand_id, "id"), rule)
    check_revision(demand, revision)
    if to_status not in DEMAND_TRANSITIONS[demand.status]:
        allowed = ", ".join(sorted(s.value for s in DEMAND_TRANSITIONS[demand.status]))
        raise TransitionRefused(
            f"a {demand.status.value} demand cannot become {to_status.value}; "
            f"allowed: {allowed}",
            current=demand.status.value,
            requested=to_status.value,
        )
    if comment is not None and len(comment) > 2000:
        raise Invalid("comment is longer than 2000 characters", field="comment")
    demand.history.append(
        Transition(
            from_status=demand.status,
            to_status=to_status,
            by=ctx.actor_id,
            comment=comment,
        )
    )
    demand.status = to_status
    demand.stamp.touch(ctx.actor_id)
    await save(demand)
    ctx.loaders.forget(demand)
    return demand
