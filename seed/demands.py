"""Demo demands: customer needs at every step of the workflow, with their history."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from beanie import PydanticObjectId

from models.common import Stamp
from models.demand import (
    DEMAND_TRANSITIONS,
    OPEN_DEMAND_STATUSES,
    Demand,
    DemandStatus,
    DemandType,
    Priority,
    Transition,
)
from models.visit import Visit, VisitStatus
from seed import vocab
from seed.customers import PlacedCustomer
from seed.source import Source

S = DemandStatus
TARGETS = (S.OPEN, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED)
TARGET_WEIGHTS = (20, 20, 10, 20, 30)
PRIORITIES = tuple(Priority)
PRIORITY_WEIGHTS = (2, 5, 2, 1)
TYPES = tuple(DemandType)
TYPE_WEIGHTS = (4, 2, 3, 2, 1, 1)
#: Days until due, by priority.
DUE_DAYS = {Priority.LOW: 30, Priority.NORMAL: 14, Priority.HIGH: 7, Priority.URGENT: 2}
#: Share of customers with demands, and the share of those raised during a visit.
DEMAND_CHANCE = 0.4
FROM_VISIT_CHANCE = 0.5
_MAX_STEPS = 8


def _next_hops() -> dict[tuple[DemandStatus, DemandStatus], DemandStatus]:
    """For every (from, to) pair, the first step of a shortest allowed path."""
    hops: dict[tuple[DemandStatus, DemandStatus], DemandStatus] = {}
    for source in DemandStatus:
        seen = {source}
        queue: deque[tuple[DemandStatus, DemandStatus | None]] = deque([(source, None)])
        while queue:
            status, first = queue.popleft()
            for nxt in sorted(DEMAND_TRANSITIONS[status]):
                if nxt not in seen:
                    seen.add(nxt)
                    hops[(source, nxt)] = first or nxt
                    queue.append((nxt, first or nxt))
    return hops


_HOPS = _next_hops()


def status_path(src: Source, target: DemandStatus) -> list[DemandStatus]:
    """An allowed walk from ``open`` to ``target``, with the odd detour or reopening.

    Every step is taken from ``DEMAND_TRANSITIONS``, so replaying the walk through the
    workflow never fails.
    """
    path = [S.OPEN]
    # At the target the walk mostly stops; now and then it wanders on (a reopening).
    while path[-1] != target or (len(path) < _MAX_STEPS and src.chance(0.15)):
        current = path[-1]
        if current != target and (len(path) >= _MAX_STEPS or src.chance(0.75)):
            # Head for the target; past the cap there is no more wandering.
            path.append(_HOPS[(current, target)])
        else:
            path.append(src.rng.choice(sorted(DEMAND_TRANSITIONS[current])))
    return path


def _history(
    src: Source,
    path: list[DemandStatus],
    created: datetime,
    actor: PydanticObjectId | None,
) -> list[Transition]:
    """Transitions along ``path`` from ``created``, at increasing times before now."""
    gaps = [timedelta(hours=src.rng.uniform(2, 120)) for _ in path[1:]]
    room = (src.now - created) * 0.9
    total = sum(gaps, timedelta())
    if total > room:
        gaps = [gap * (room / total) for gap in gaps]
    history = [Transition(from_status=None, to_status=path[0], at=created, by=actor)]
    at = created
    for previous, status, gap in zip(path[:-1], path[1:], gaps, strict=True):
        at = (at + gap).replace(microsecond=0)
        history.append(
            Transition(
                from_status=previous,
                to_status=status,
                at=at,
                by=actor,
                comment=src.rng.choice(vocab.DEMAND_COMMENTS)
                if src.chance(0.6)
                else None,
            )
        )
    return history


def _demand(src: Source, placed: PlacedCustomer, source_visit: Visit | None) -> Demand:
    customer = placed.customer
    kind = src.weighted(TYPES, TYPE_WEIGHTS)
    priority = src.weighted(PRIORITIES, PRIORITY_WEIGHTS)
    target = src.weighted(TARGETS, TARGET_WEIGHTS)
    if source_visit is not None and source_visit.check_out is not None:
        created = source_visit.check_out.at + timedelta(minutes=src.rng.randint(1, 90))
    else:
        created = src.days_ago(2, max(30, src.history_days))
    history = _history(src, status_path(src, target), created, customer.owner_id)
    unassigned = target is S.OPEN and len(history) == 1 and src.chance(0.3)
    return Demand(
        id=src.object_id(),
        customer_id=customer.id,
        customer_owner_id=customer.owner_id,
        customer_territory=customer.territory,
        type=kind,
        title=src.rng.choice(vocab.DEMAND_TITLES[kind]),
        description=f"Raised by {customer.contacts[0].name} ({customer.name}).",
        priority=priority,
        due=created + timedelta(days=DUE_DAYS[priority]),
        assignee_id=None if unassigned else customer.owner_id,
        status=target,
        history=history,
        source_visit_id=source_visit.id if source_visit else None,
        stamp=Stamp(
            created_at=created,
            updated_at=history[-1].at,
            created_by=customer.owner_id,
            updated_by=customer.owner_id,
        ),
    )


def make_demands(
    src: Source, placed: list[PlacedCustomer], visits: list[Visit]
) -> list[Demand]:
    """Demands for some customers, linked both ways to the visits they came up in.

    A demand raised during a completed visit names it as ``source_visit_id`` and is
    listed in that visit's ``outcome.follow_up_demand_ids``; an open demand is put on
    the agenda (``demand_ids``) of the customer's next planned visit, if any.

    Args:
        src: The seeded source.
        placed: All customers.
        visits: All visits; the follow-up and agenda links are added to them in place.

    Returns:
        The demands, customer by customer.
    """
    done: dict[PydanticObjectId, list[Visit]] = {}
    coming: dict[PydanticObjectId, Visit] = {}
    for visit in visits:
        if visit.status is VisitStatus.COMPLETED:
            done.setdefault(visit.customer_id, []).append(visit)
        elif visit.planned_start > src.now and visit.customer_id not in coming:
            coming[visit.customer_id] = visit
    demands = []
    for p in placed:
        if not src.chance(DEMAND_CHANCE):
            continue
        customer_id = p.customer.id
        assert customer_id is not None  # seeded customers get their ids up front
        for _ in range(src.rng.randint(1, 3)):
            completed = done.get(customer_id)
            raised_in = None
            if completed and src.chance(FROM_VISIT_CHANCE):
                raised_in = src.rng.choice(completed)
            demand = _demand(src, p, raised_in)
            assert demand.id is not None  # _demand gives every demand its id
            if raised_in is not None and raised_in.outcome is not None:
                raised_in.outcome.follow_up_demand_ids.append(demand.id)
            upcoming = coming.get(customer_id)
            if upcoming is not None and demand.status in OPEN_DEMAND_STATUSES:
                upcoming.demand_ids.append(demand.id)
            demands.append(demand)
    return demands
