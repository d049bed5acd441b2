"""Upserting visits by a partner's id: plan one, or change the one planned."""

from __future__ import annotations

from typing import Any

from models import Customer, Rep, Visit
from models.visit import VisitStatus
from resolvers import access, external_ids
from resolvers.common import changed, differs
from resolvers.context import Context
from resolvers.errors import Invalid, TransitionRefused
from resolvers.external_ids import Upserted
from resolvers.visits import (
    check_demands,
    check_rep,
    check_times,
    plan_visit,
    store_moved,
    store_visit,
)

#: What an upsert may change on a visit that exists.
CHANGEABLE = frozenset(
    {
        "rep_id",
        "purpose",
        "purpose_text",
        "agenda",
        "planned_start",
        "planned_end",
        "demand_ids",
        "pinned",
        "external_ids",
    }
)
#: Changes that move a visit in a calendar, so they are checked for overlaps.
MOVES = ("rep_id", "planned_start", "planned_end")


async def upsert_visit(
    ctx: Context, external_id: Any, revision: str | None, data: dict[str, Any]
) -> Upserted[Visit]:
    """Plan, or change, the visit with a partner's ``external_id``.

    The customer and the rep are named by id or external id. A new visit is
    planned as ``planVisit`` plans one. An existing visit changes only while it
    is planned or confirmed, and only where the input differs: a new time or
    rep is checked for overlaps like a reschedule and makes it planned again;
    a visit stays with its customer.
    """
    who = access.principal(ctx)
    access.check_writer(who, key_scope=access.VISITS_WRITE)
    ext = external_ids.parse(external_id, "externalId")
    given = data.pop("external_ids", None)
    customer = await external_ids.pop_ref(ctx, Customer, data, "customer")
    rep = await external_ids.pop_ref(ctx, Rep, data, "rep")
    if rep is not None:
        data["rep_id"] = rep.id

    async def create() -> Visit:
        if customer is None or rep is None:
            missing = "customerId" if customer is None else "repId"
            raise Invalid(
                f"{missing}: name the {missing[:-2]} to plan a visit", field=missing
            )
        ids = external_ids.upserted_ids([], given, ext)
        return await plan_visit(
            ctx, {**data, "customer_id": customer.id, "external_ids": ids}
        )

    async def update(current: Visit) -> Visit | None:
        external_ids.check_stays(customer, current.customer_id)
        ids = external_ids.upserted_ids(current.external_ids, given, ext)
        return await _change(ctx, current, {**data, "external_ids": ids})

    return await external_ids.upsert(who, Visit, ext, revision, create, update)


async def _change(ctx: Context, visit: Visit, changes: dict[str, Any]) -> Visit | None:
    """Write ``changes`` to ``visit`` if they change it; ``None`` if not."""
    unknown = set(changes) - CHANGEABLE
    if unknown:  # the schema sends none; a guard for other callers
        raise Invalid(f"a visit's {', '.join(sorted(unknown))} cannot change here")
    if "planned_start" in changes or "planned_end" in changes:
        changes["planned_start"], changes["planned_end"] = check_times(
            changes.get("planned_start", visit.planned_start),
            changes.get("planned_end", visit.planned_end),
        )
    who = access.principal(ctx)
    if "demand_ids" in changes:
        raw = [str(i) for i in changes["demand_ids"] or []]
        changes["demand_ids"] = await check_demands(who, raw, visit.customer_id)
    new = changed(visit, changes)
    if not differs(visit, new):
        return None
    if visit.status not in (VisitStatus.PLANNED, VisitStatus.CONFIRMED):
        raise TransitionRefused(
            f"a {visit.status.value} visit cannot be changed",
            current=visit.status.value,
            requested=visit.status.value,
        )
    if new.rep_id != visit.rep_id:
        await check_rep(who, new.rep_id)
    if any(getattr(new, k) != getattr(visit, k) for k in MOVES):
        new.status = VisitStatus.PLANNED
        return await store_moved(ctx, new)
    return await store_visit(ctx, new)
