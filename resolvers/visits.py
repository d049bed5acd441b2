"""Planning visits and recording them: the visit lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from beanie import PydanticObjectId

from models import Customer, Demand, Rep, Visit
from models.common import GeoPoint, as_utc, utc_now
from models.customer import LifecycleStatus
from models.scoring import ScoringSettings
from models.visit import (
    ACTIVE_VISIT_STATUSES,
    VISIT_TRANSITIONS,
    Geofence,
    Outcome,
    Presence,
    VisitStatus,
)
from resolvers import access, external_ids
from resolvers.common import (
    any_of,
    build,
    check_revision,
    fetch_visible,
    haversine_km,
    in_transaction,
    insert,
    lock_calendars,
    object_id,
    save,
)
from resolvers.context import Context
from resolvers.demands import new_demand
from resolvers.errors import Conflict, Invalid, NotFound, TransitionRefused
from resolvers.pagination import Page, paginate
from resolvers.scoring.settings import load_settings

MAX_VISIT = timedelta(hours=12)
MAX_FOLLOW_UPS = 20

VISIT_SORTS: dict[str, list[tuple[str, int]]] = {
    "PLANNED_START_ASC": [("planned_start", 1), ("_id", 1)],
    "PLANNED_START_DESC": [("planned_start", -1), ("_id", -1)],
}


@dataclass
class VisitFilter:
    """Which visits to list; every set criterion must hold."""

    rep_ids: list[str] | None = None
    customer_ids: list[str] | None = None
    statuses: list[str] | None = None
    purposes: list[str] | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    external_id: dict[str, str] | None = None


def visit_query(flt: VisitFilter | None) -> dict[str, Any]:
    """The MongoDB filter for a visit filter."""
    flt = flt or VisitFilter()
    query: dict[str, Any] = {}
    if flt.rep_ids is not None:
        query["rep_id"] = any_of([object_id(i, "filter.repIds") for i in flt.rep_ids])
    if flt.customer_ids is not None:
        query["customer_id"] = any_of(
            [object_id(i, "filter.customerIds") for i in flt.customer_ids]
        )
    if flt.statuses is not None:
        query["status"] = any_of(flt.statuses)
    if flt.purposes is not None:
        query["purpose"] = any_of(flt.purposes)
    window: dict[str, datetime] = {}
    if flt.starts_after is not None:
        window["$gte"] = as_utc(flt.starts_after)
    if flt.starts_before is not None:
        window["$lt"] = as_utc(flt.starts_before)
    if window:
        query["planned_start"] = window
    if flt.external_id is not None:
        ext = external_ids.parse(flt.external_id, "filter.externalId")
        query["external_keys"] = ext.key
    return query


async def list_visits(
    ctx: Context,
    *,
    flt: VisitFilter | None = None,
    order_by: str | None = None,
    first: int | None = None,
    offset: int = 0,
) -> Page[Visit]:
    """A page of visits in planned-start order."""
    sort = VISIT_SORTS[order_by or "PLANNED_START_ASC"]
    query = access.restrict(visit_query(flt), access.visit_filter(ctx))
    return await paginate(Visit, query, sort, first=first, offset=offset)


async def get_visit(ctx: Context, visit_id: str) -> Visit | None:
    """One visit by id, or ``None``."""
    try:
        return await ctx.loaders.visit_by_id.load(object_id(visit_id, "id"))
    except Invalid:
        return None


def check_times(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The planned times in UTC, refusing an end not after the start or a
    visit longer than ``MAX_VISIT``."""
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise Invalid("plannedEnd must be after plannedStart", field="plannedEnd")
    if end - start > MAX_VISIT:
        raise Invalid("a visit lasts at most 12 hours", field="plannedEnd")
    return start, end


async def find_clash(
    rep_id: PydanticObjectId,
    start: datetime,
    end: datetime,
    skip: set[PydanticObjectId] | None = None,
    session: Any = None,
) -> Visit | None:
    """An active visit of the rep that overlaps ``start``-``end``, if any.

    Visits last at most ``MAX_VISIT``, so only those starting in the window before
    ``end`` can overlap: the query is one rep and one range, on the rep's index.
    Pass the ``session`` of the transaction that will write, after
    ``lock_calendars``, so the answer still holds when it commits.
    """
    window = {"$gt": start - MAX_VISIT, "$lt": end}
    query = {"rep_id": rep_id, "planned_start": window}
    nearby = await Visit.find(query, session=session).to_list()
    for visit in nearby:
        if (
            as_utc(visit.planned_end) > start
            and visit.status in ACTIVE_VISIT_STATUSES
            and visit.id not in (skip or set())
        ):
            return visit
    return None


async def check_rep_free(
    rep_id: PydanticObjectId,
    start: datetime,
    end: datetime,
    skip: PydanticObjectId | None = None,
    session: Any = None,
) -> None:
    """Refuse (``Conflict``) a time when the rep has another active visit."""
    clash = await find_clash(rep_id, start, end, {skip} if skip else None, session)
    if clash is not None:
        raise Conflict(
            f"the rep already has visit {clash.id} from "
            f"{as_utc(clash.planned_start):%Y-%m-%d %H:%M} to "
            f"{as_utc(clash.planned_end):%H:%M} UTC",
            field="plannedStart",
        )


async def check_demands(
    who: access.Principal, raw: list[str], customer_id: PydanticObjectId
) -> list[Any]:
    """The ids of demands a visit is about: visible ones of its customer."""
    if not raw:  # none asked for: no demand to see (a key may lack demands:read)
        return []
    ids = [object_id(i, "demandIds") for i in raw]
    query = access.restrict({"_id": {"$in": ids}}, access.demand_rule(who))
    found = {d.id: d for d in await Demand.find(query).to_list()}
    for demand_id in ids:
        demand = found.get(demand_id)
        if demand is None:  # missing, or not the caller's to see: the same answer
            raise NotFound(f"demand {demand_id} does not exist", field="demandIds")
        if demand.customer_id != customer_id:
            raise Invalid(
                f"demand {demand_id} belongs to another customer", field="demandIds"
            )
    return ids


async def plan_visit(ctx: Context, data: dict[str, Any]) -> Visit:
    """Put a visit in a rep's calendar (a rep's own, a manager's team's)."""
    who = access.principal(ctx)
    access.check_writer(who, key_scope=access.VISITS_WRITE)
    customer_id = object_id(data["customer_id"], "customerId")
    rep_id = object_id(data["rep_id"], "repId")
    start, end = check_times(data["planned_start"], data["planned_end"])
    rule = access.customer_rule(who)
    customer = await fetch_visible(Customer, customer_id, rule, "customerId")
    if customer.status == LifecycleStatus.ARCHIVED:
        raise Invalid("the customer is archived", field="customerId")
    await check_rep(who, rep_id)
    demand_ids = await check_demands(who, data.get("demand_ids") or [], customer_id)
    visit = build(
        Visit,
        {
            **data,
            "customer_id": customer_id,
            "rep_id": rep_id,
            "planned_start": start,
            "planned_end": end,
            "demand_ids": demand_ids,
        },
    )
    visit.stamp.created_by = visit.stamp.updated_by = ctx.actor_id

    async def book(session: Any) -> Visit:
        # A clash already committed ends it before any write (a run that lost
        # the race usually ends here). Then the calendar document: of two
        # overlapping bookings only one commits, and the check after it holds
        # whether the store reads from a snapshot or the latest commit.
        await check_rep_free(rep_id, start, end, session=session)
        await lock_calendars([rep_id], session)
        await check_rep_free(rep_id, start, end, session=session)
        fresh = visit.model_copy(deep=True)
        await insert(fresh, session)
        return fresh

    visit = await in_transaction(Visit, book)
    ctx.loaders.forget(visit)
    return visit


async def check_rep(who: access.Principal, rep_id: PydanticObjectId) -> None:
    """Refuse a rep the principal may not plan for, or a disabled one."""
    rep = await fetch_visible(Rep, rep_id, access.rep_rule(who), "repId")
    access.check_acts_for(who, rep_id, key_scope=access.VISITS_WRITE)
    if not rep.active:
        raise Invalid("the rep is disabled", field="repId")


async def _load(
    ctx: Context,
    visit_id: str,
    revision: str | None,
    key_scope: str | None = access.VISITS_WRITE,
) -> Visit:
    """A visit the principal may see and change. ``key_scope`` is the scope an
    API key needs; ``None`` refuses keys (check-ins are the rep's own)."""
    who = access.principal(ctx)
    access.check_writer(who, key_scope=key_scope)
    visit = await fetch_visible(
        Visit, object_id(visit_id, "id"), access.visit_rule(who)
    )
    check_revision(visit, revision)
    return visit


def _move(visit: Visit, to_status: VisitStatus) -> None:
    if to_status not in VISIT_TRANSITIONS[visit.status]:
        raise TransitionRefused(
            f"a {visit.status.value} visit cannot become {to_status.value}",
            current=visit.status.value,
            requested=to_status.value,
        )
    visit.status = to_status


async def store_visit(ctx: Context, visit: Visit, session: Any = None) -> Visit:
    """Write a changed visit (stamped, revision-checked) and forget it in the
    request's loaders."""
    visit.stamp.touch(ctx.actor_id)
    await save(visit, session)
    ctx.loaders.forget(visit)
    return visit


async def reschedule_visit(
    ctx: Context, visit_id: str, revision: str | None, start: datetime, end: datetime
) -> Visit:
    """Move a visit that has not started to another time."""
    visit = await _load(ctx, visit_id, revision)
    if visit.status not in (VisitStatus.PLANNED, VisitStatus.CONFIRMED):
        raise TransitionRefused(
            f"a {visit.status.value} visit cannot be rescheduled",
            current=visit.status.value,
            requested="planned",
        )
    moved = visit.model_copy(deep=True)
    moved.planned_start, moved.planned_end = check_times(start, end)
    moved.status = VisitStatus.PLANNED
    return await store_moved(ctx, moved)


async def store_moved(ctx: Context, visit: Visit) -> Visit:
    """Write ``visit`` at its new time (or with its new rep) after the checks
    planning makes: in one transaction that writes the rep's calendar document
    first, so of two overlapping writers only one commits."""
    rep_id, start, end = visit.rep_id, visit.planned_start, visit.planned_end

    async def move(session: Any) -> Visit:
        await check_rep_free(rep_id, start, end, skip=visit.id, session=session)
        await lock_calendars([rep_id], session)
        await check_rep_free(rep_id, start, end, skip=visit.id, session=session)
        # A copy, so that a run lost to a write conflict starts from what was read.
        return await store_visit(ctx, visit.model_copy(deep=True), session)

    return await in_transaction(Visit, move)


async def confirm_visit(ctx: Context, visit_id: str, revision: str | None) -> Visit:
    """Mark a planned visit as agreed with the customer."""
    visit = await _load(ctx, visit_id, revision)
    _move(visit, VisitStatus.CONFIRMED)
    return await store_visit(ctx, visit)


async def pin_visit(
    ctx: Context, visit_id: str, revision: str | None, pinned: bool
) -> Visit:
    """Pin a visit that has not started to its time, or release it."""
    visit = await _load(ctx, visit_id, revision)
    if visit.status not in (VisitStatus.PLANNED, VisitStatus.CONFIRMED):
        raise TransitionRefused(
            f"a {visit.status.value} visit cannot be pinned",
            current=visit.status.value,
            requested=visit.status.value,
        )
    visit.pinned = pinned
    return await store_visit(ctx, visit)


async def _presence(
    visit: Visit,
    at: datetime | None,
    where: GeoPoint | None,
    settings: ScoringSettings,
) -> Presence:
    moment = as_utc(at) if at is not None else utc_now()
    if moment > utc_now() + timedelta(minutes=5):
        raise Invalid("at cannot be in the future", field="at")
    distance = None
    if where is not None:
        customer = await Customer.get(visit.customer_id)
        points = (
            [a.location for a in customer.addresses if a.location] if customer else []
        )
        if points:
            distance = round(min(haversine_km(where, p) for p in points) * 1000, 1)
    if distance is None:
        fence = Geofence.NO_LOCATION
    elif distance <= settings.check_in_radius_m:
        fence = Geofence.VERIFIED
    else:
        fence = Geofence.OUTSIDE_RADIUS
    return Presence(at=moment, location=where, distance_m=distance, geofence=fence)


async def check_in_visit(
    ctx: Context,
    visit_id: str,
    revision: str | None,
    at: datetime | None,
    where: GeoPoint | None,
) -> Visit:
    """Record the rep's arrival, with its distance to the customer and geofence.

    A check-in may be at most ``check_in_early_minutes`` (a setting) before the
    planned start, and not in the future; a far one is kept, flagged
    OUTSIDE_RADIUS.
    """
    visit = await _load(ctx, visit_id, revision, key_scope=None)
    _move(visit, VisitStatus.CHECKED_IN)
    settings = await load_settings()
    presence = await _presence(visit, at, where, settings)
    early = timedelta(minutes=settings.check_in_early_minutes)
    if presence.at < as_utc(visit.planned_start) - early:
        raise Invalid(
            f"a check-in is at most {settings.check_in_early_minutes} minutes "
            f"before the planned start ({as_utc(visit.planned_start):%Y-%m-%d %H:%M}"
            " UTC)",
            field="at",
        )
    visit.check_in = presence
    return await store_visit(ctx, visit)


async def check_out_visit(
    ctx: Context,
    visit_id: str,
    revision: str | None,
    at: datetime | None,
    where: GeoPoint | None,
) -> Visit:
    """Record the rep's departure; the visit is completed and its duration kept.

    The check-out must follow the check-in by at most ``max_visit_minutes``.
    """
    visit = await _load(ctx, visit_id, revision, key_scope=None)
    _move(visit, VisitStatus.COMPLETED)
    settings = await load_settings()
    presence = await _presence(visit, at, where, settings)
    presence.geofence = None  # the geofence is a check-in's
    assert visit.check_in is not None  # a checked-in visit always has one
    minutes = (presence.at - as_utc(visit.check_in.at)).total_seconds() / 60
    if minutes <= 0:
        raise Invalid("check-out must be after check-in", field="at")
    if minutes > settings.max_visit_minutes:
        raise Invalid(
            f"a visit lasts at most {settings.max_visit_minutes} minutes from "
            f"check-in ({as_utc(visit.check_in.at):%Y-%m-%d %H:%M} UTC)",
            field="at",
        )
    visit.check_out = presence
    visit.duration_min = round(minutes, 2)
    return await store_visit(ctx, visit)


async def cancel_visit(
    ctx: Context, visit_id: str, revision: str | None, reason: str
) -> Visit:
    """Cancel a visit that has not started, with a reason."""
    if not reason.strip():
        raise Invalid("a cancellation needs a reason", field="reason")
    if len(reason) > 2000:
        raise Invalid("reason is longer than 2000 characters", field="reason")
    visit = await _load(ctx, visit_id, revision)
    _move(visit, VisitStatus.CANCELLED)
    visit.cancel_reason = reason.strip()
    return await store_visit(ctx, visit)


async def mark_visit_missed(ctx: Context, visit_id: str, revision: str | None) -> Visit:
    """Record that a visit did not happen."""
    visit = await _load(ctx, visit_id, revision)
    _move(visit, VisitStatus.MISSED)
    return await store_visit(ctx, visit)


async def record_outcome(
    ctx: Context,
    visit_id: str,
    revision: str | None,
    notes: str,
    result: float,
    follow_ups: list[dict[str, Any]],
) -> Visit:
    """Record a completed visit's result and create its follow-up demands.

    Everything is validated before the first write; on a store with transactions
    the visit and its new demands are written together or not at all.
    """
    visit = await _load(ctx, visit_id, revision)
    if visit.status != VisitStatus.COMPLETED:
        raise TransitionRefused(
            "an outcome is recorded on a completed visit only",
            current=visit.status.value,
            requested="completed",
        )
    if len(follow_ups) > MAX_FOLLOW_UPS:
        raise Invalid(f"at most {MAX_FOLLOW_UPS} follow-ups", field="followUps")
    demands = [
        await new_demand(
            ctx,
            {**f, "customer_id": visit.customer_id, "source_visit_id": visit.id},
            "followUps",
        )
        for f in follow_ups
    ]
    earlier = visit.outcome.follow_up_demand_ids if visit.outcome else []
    visit.outcome = build(
        Outcome,
        {
            "notes": notes,
            "result": result,
            "recorded_at": utc_now(),
            "follow_up_demand_ids": [*earlier, *(PydanticObjectId() for _ in demands)],
        },
    )
    new_ids = visit.outcome.follow_up_demand_ids[len(earlier) :]
    read = visit

    async def write(session: Any) -> Visit:
        # Copies, so that a run lost to a write conflict can start again from
        # what was read.
        visit = read.model_copy(deep=True)
        # The visit first: a stale revision then stops the change before any demand.
        await store_visit(ctx, visit, session)
        for demand, demand_id in zip(demands, new_ids, strict=True):
            fresh = demand.model_copy(deep=True)
            fresh.id = demand_id
            await insert(fresh, session)
            ctx.loaders.forget(fresh)
        return visit

    return await in_transaction(Visit, write)
