"""Reading demands, creating them and moving them through their workflow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models import Customer, Demand, Rep
from models.demand import DEMAND_TRANSITIONS, DemandStatus, Transition
from resolvers import access, external_ids
from resolvers.common import (
    any_of,
    build,
    changed,
    check_revision,
    differs,
    fetch_visible,
    insert,
    object_id,
    save,
)
from resolvers.context import Context
from resolvers.errors import Invalid, TransitionRefused
from resolvers.external_ids import Upserted
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
    external_id: dict[str, str] | None = None


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
    if flt.external_id is not None:
        ext = external_ids.parse(flt.external_id, "filter.externalId")
        query["external_keys"] = ext.key
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
    access.check_writer(who, key_scope=access.DEMANDS_WRITE)
    field = f"{prefix}." if prefix else ""
    data["customer_id"] = object_id(data["customer_id"], f"{field}customerId")
    if data.get("assignee_id") is not None:
        data["assignee_id"] = await _assignee(who, data["assignee_id"], field)
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


async def _assignee(who: access.Principal, raw: Any, field: str = "") -> Any:
    """The id of an assignee ``who`` may give a demand: a user it may see (one
    it may not see answers exactly as one that does not exist)."""
    assignee_id = object_id(raw, f"{field}assigneeId")
    await fetch_visible(Rep, assignee_id, access.rep_rule(who), f"{field}assigneeId")
    return assignee_id


async def create_demand(ctx: Context, data: dict[str, Any]) -> Demand:
    """Validate and store a new open demand."""
    demand = await new_demand(ctx, {**data, "status": DemandStatus.OPEN})
    await insert(demand)
    ctx.loaders.forget(demand)
    return demand


#: What ``updateDemand`` (and an upsert of an existing demand) may change.
CHANGEABLE = frozenset(
    {"type", "title", "description", "priority", "due", "assignee_id", "external_ids"}
)


async def update_demand(
    ctx: Context, demand_id: str, revision: str | None, changes: dict[str, Any]
) -> Demand:
    """Change a demand's title, description, type, priority, due date or
    assignee (the workflow has ``transition_demand``), refusing a stale
    revision. A new assignee follows the rule of creation."""
    who = access.principal(ctx)
    access.check_writer(who, key_scope=access.DEMANDS_WRITE)
    rule = access.demand_rule(who)
    demand = await fetch_visible(Demand, object_id(demand_id, "id"), rule)
    check_revision(demand, revision)
    updated = await _apply(ctx, demand, changes, always=True)
    assert updated is not None  # always=True writes even an unchanged demand
    return updated


async def _apply(
    ctx: Context, demand: Demand, changes: dict[str, Any], *, always: bool
) -> Demand | None:
    """Write ``changes`` to ``demand``; unless ``always``, write nothing (and
    return ``None``) when nothing changes."""
    unknown = set(changes) - CHANGEABLE
    if unknown:  # the schema sends none; a guard for other callers
        raise Invalid(f"a demand's {', '.join(sorted(unknown))} cannot change here")
    raw = changes.get("assignee_id")
    if raw is not None and object_id(raw, "assigneeId") != demand.assignee_id:
        changes["assignee_id"] = await _assignee(access.principal(ctx), raw)
    new = changed(demand, changes)
    if not always and not differs(demand, new):
        return None
    new.stamp.touch(ctx.actor_id)
    await save(new)
    ctx.loaders.forget(new)
    return new


async def upsert_demand(
    ctx: Context, external_id: Any, revision: str | None, data: dict[str, Any]
) -> Upserted[Demand]:
    """Create or change the demand with a partner's ``external_id``.

    The customer is named by id or external id (``customer_id``,
    ``customer_external_id``; needed to create, and a demand stays with its
    customer), the assignee likewise. A new demand starts open; an existing one
    changes as ``update_demand`` changes it, and only when something differs.
    """
    who = access.principal(ctx)
    access.check_writer(who, key_scope=access.DEMANDS_WRITE)
    ext = external_ids.parse(external_id, "externalId")
    given = data.pop("external_ids", None)
    customer = await external_ids.pop_ref(ctx, Customer, data, "customer")
    await external_ids.id_from_external_id(ctx, Rep, data, "assignee")

    async def create() -> Demand:
        if customer is None:
            raise Invalid(
                "customerId: name the customer (customerId or customerExternalId)",
                field="customerId",
            )
        ids = external_ids.upserted_ids([], given, ext)
        return await create_demand(
            ctx, {**data, "customer_id": customer.id, "external_ids": ids}
        )

    async def update(current: Demand) -> Demand | None:
        external_ids.check_stays(customer, current.customer_id)
        ids = external_ids.upserted_ids(current.external_ids, given, ext)
        return await _apply(ctx, current, {**data, "external_ids": ids}, always=False)

    return await external_ids.upsert(who, Demand, ext, revision, create, update)


async def transition_demand(
    ctx: Context,
    demand_id: str,
    to_status: DemandStatus,
    comment: str | None,
    revision: str | None,
) -> Demand:
    """Move a demand to ``to_status`` if its workflow allows, recording the step."""
    access.check_writer(access.principal(ctx), key_scope=access.DEMANDS_WRITE)
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
