"""A planVisits request, checked and turned into a planner problem from the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from starlette.concurrency import run_in_threadpool

from models import Customer, Rep
from models.common import stored_id
from models.customer import LifecycleStatus
from planner.solve import MAX_SEED
from resolvers import access
from resolvers.access import Principal
from resolvers.common import fetch_visible, object_id
from resolvers.customers import CustomerFilter, customer_query
from resolvers.errors import Invalid
from resolvers.plans.bookings import bookings
from resolvers.plans.checks import check_visit_and_travel
from resolvers.plans.problem import (
    Built,
    Travel,
    active_visits,
    build_problem,
    candidates_for,
    moment,
    point,
    rep_shifts,
)
from resolvers.scoring.settings import load_settings

MAX_DAYS = 31
MAX_CANDIDATES = 5_000
PLANNABLE = [
    LifecycleStatus.LEAD.value,
    LifecycleStatus.ACTIVE.value,
    LifecycleStatus.DORMANT.value,
]


@dataclass
class PlanRequest:
    """What to plan: whose days, which days, which customers, and how."""

    rep_ids: list[str]
    first_day: date
    last_day: date
    customer_filter: CustomerFilter | None = None
    visit_minutes: float = 45.0
    travel: Travel = field(default_factory=Travel)
    time_limit: float = 5.0
    seed: int = 1
    max_candidates: int = 2_500


def _check(req: PlanRequest) -> None:
    if not req.rep_ids:
        raise Invalid("name at least one rep", field="repIds")
    if req.last_day < req.first_day:
        raise Invalid("lastDay must not be before firstDay", field="lastDay")
    if (req.last_day - req.first_day).days >= MAX_DAYS:
        raise Invalid(f"plan at most {MAX_DAYS} days at once", field="lastDay")
    check_visit_and_travel(req.visit_minutes, req.travel)
    if not 0 <= req.seed <= MAX_SEED:
        raise Invalid(f"seed must be between 0 and {MAX_SEED}", field="seed")
    if not 1 <= req.max_candidates <= MAX_CANDIDATES:
        raise Invalid(
            f"maxCandidates must be between 1 and {MAX_CANDIDATES}",
            field="maxCandidates",
        )


async def _reps(who: Principal, raw_ids: list[str]) -> list[Rep]:
    reps = []
    for raw in dict.fromkeys(raw_ids):
        rep_id = object_id(raw, "repIds")
        rep = await fetch_visible(Rep, rep_id, access.rep_rule(who), "repIds")
        access.check_acts_for(who, rep_id)
        if not rep.active:
            raise Invalid(f"rep {rep.name} is disabled", field="repIds")
        if rep.home is None:
            raise Invalid(
                f"rep {rep.name} has no home location to start from", field="repIds"
            )
        reps.append(rep)
    return reps


async def _customers(
    who: Principal, req: PlanRequest, reps: list[Rep]
) -> list[Customer]:
    flt = req.customer_filter or CustomerFilter(owner_ids=[str(r.id) for r in reps])
    if flt.statuses is None:
        flt.statuses = PLANNABLE
    query = access.restrict(customer_query(flt, None, who), access.customer_rule(who))
    found = await Customer.find(query).limit(MAX_CANDIDATES + 1).to_list()
    if len(found) > MAX_CANDIDATES:
        raise Invalid(
            f"more than {MAX_CANDIDATES} customers match; narrow the filter",
            field="customerFilter",
        )
    return found


def check_request(who: Principal, req: PlanRequest) -> None:
    """What :func:`prepare` checks before reading anything: that ``who`` may
    plan, and the request's own bounds."""
    access.check_writer(who)
    _check(req)


async def prepare(who: Principal, req: PlanRequest, now: datetime) -> Built:
    """Turn a plan request into a planner problem, within ``who``'s rights."""
    check_request(who, req)
    reps = await _reps(who, req.rep_ids)
    origin = datetime.combine(req.first_day - timedelta(days=1), time(0), tzinfo=UTC)
    end = datetime.combine(req.last_day + timedelta(days=2), time(0), tzinfo=UTC)
    shifts = {
        str(r.id): rep_shifts(r, req.first_day, req.last_day, origin, now) for r in reps
    }
    if not any(shifts.values()):
        raise Invalid("none of the reps works on these days", field="firstDay")
    fixed_visits = [
        v
        for v in await active_visits([stored_id(r) for r in reps], now, end)
        if v.planned_start >= now
    ]
    busy = {v.customer_id for v in fixed_visits}
    customers = await _customers(who, req, reps)
    opens = [(a, b) for spans in shifts.values() for _, a, b in spans]
    booked = await bookings(
        customers,
        moment(min(a for a, _ in opens), origin),
        moment(max(b for _, b in opens), origin),
        await load_settings(),
    )
    chosen, skipped = await candidates_for(
        customers,
        reps,
        req.first_day,
        req.last_day,
        origin,
        now,
        req.visit_minutes,
        booked,
    )
    chosen.sort(key=lambda c: -c.value.total)
    for extra in chosen[req.max_candidates :]:
        skipped.append(
            (extra.customer, extra.value, "not among the most valuable candidates")
        )
    places = {
        c.id: point(c.location)
        for c in await Customer.find({"_id": {"$in": list(busy)}}).to_list()
        if c.location
    }
    fixed = [
        (v, places[v.customer_id]) for v in fixed_visits if v.customer_id in places
    ]
    # The travel matrix of thousands of candidates takes a while: off the
    # event loop, so other requests are served meanwhile.
    built = await run_in_threadpool(
        build_problem,
        name=f"plan {req.first_day}..{req.last_day}",
        reps=reps,
        shifts=shifts,
        candidates=chosen[: req.max_candidates],
        fixed=fixed,
        origin=origin,
        travel=req.travel,
        visit_minutes=req.visit_minutes,
    )
    built.skipped = skipped
    return built
