"""Per-request DataLoaders: every lookup by key is batched into one query."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from beanie import Document, PydanticObjectId
from beanie.operators import In
from strawberry.dataloader import DataLoader

from models import Customer, Demand, Rep, Visit

D = TypeVar("D", bound=Document)


async def _by_id(model: type[D], keys: Sequence[PydanticObjectId]) -> list[D | None]:
    found = {
        doc.id: doc for doc in await model.find(In(model.id, list(keys))).to_list()
    }
    return [found.get(key) for key in keys]


async def _customers(keys: Sequence[PydanticObjectId]) -> list[Customer | None]:
    return await _by_id(Customer, keys)


async def _reps(keys: Sequence[PydanticObjectId]) -> list[Rep | None]:
    return await _by_id(Rep, keys)


async def _demands(keys: Sequence[PydanticObjectId]) -> list[Demand | None]:
    return await _by_id(Demand, keys)


async def _visits(keys: Sequence[PydanticObjectId]) -> list[Visit | None]:
    return await _by_id(Visit, keys)


async def _open_demands(keys: Sequence[PydanticObjectId]) -> list[list[Demand]]:
    query = {"open": True, "customer_id": {"$in": list(keys)}}
    grouped: dict[PydanticObjectId, list[Demand]] = defaultdict(list)
    for demand in await Demand.find(query).sort("_id").to_list():
        grouped[demand.customer_id].append(demand)
    return [grouped[key] for key in keys]


async def _last_visits(
    keys: Sequence[tuple[PydanticObjectId, int]],
) -> list[list[Visit]]:
    """The latest visits per customer, one aggregation per distinct limit asked."""
    by_limit: dict[int, list[PydanticObjectId]] = defaultdict(list)
    for customer_id, limit in keys:
        by_limit[limit].append(customer_id)
    found: dict[tuple[PydanticObjectId, int], list[Visit]] = {}
    for limit, customer_ids in by_limit.items():
        pipeline: list[dict[str, Any]] = [
            {"$match": {"customer_id": {"$in": customer_ids}}},
            {"$sort": {"customer_id": 1, "planned_start": -1, "_id": 1}},
            {"$group": {"_id": "$customer_id", "visits": {"$push": "$$ROOT"}}},
            {"$project": {"visits": {"$slice": ["$visits", limit]}}},
        ]
        rows = await Visit.aggregate(pipeline).to_list()
        for row in rows:
            visits = [Visit.model_validate(raw) for raw in row["visits"]]
            found[(row["_id"], limit)] = visits
    return [found.get(key, []) for key in keys]


def _drop(loader: DataLoader[Any, Any], key: Any) -> None:
    with contextlib.suppress(KeyError):  # nothing cached for that key
        loader.clear(key)


@dataclass
class Loaders:
    """The loaders of one request, named ``<things>_by_<key>``."""

    customer_by_id: DataLoader[PydanticObjectId, Customer | None] = field(
        default_factory=lambda: DataLoader(load_fn=_customers)
    )
    rep_by_id: DataLoader[PydanticObjectId, Rep | None] = field(
        default_factory=lambda: DataLoader(load_fn=_reps)
    )
    demand_by_id: DataLoader[PydanticObjectId, Demand | None] = field(
        default_factory=lambda: DataLoader(load_fn=_demands)
    )
    visit_by_id: DataLoader[PydanticObjectId, Visit | None] = field(
        default_factory=lambda: DataLoader(load_fn=_visits)
    )
    open_demands_by_customer_id: DataLoader[PydanticObjectId, list[Demand]] = field(
        default_factory=lambda: DataLoader(load_fn=_open_demands)
    )
    last_visits_by_customer_id: DataLoader[
        tuple[PydanticObjectId, int], list[Visit]
    ] = field(default_factory=lambda: DataLoader(load_fn=_last_visits))

    def forget(self, doc: Document) -> None:
        """Drop cached entries a write to ``doc`` made stale."""
        for loader in (
            self.customer_by_id,
            self.rep_by_id,
            self.demand_by_id,
            self.visit_by_id,
        ):
            _drop(loader, doc.id)
        if isinstance(doc, Demand):
            _drop(self.open_demands_by_customer_id, doc.customer_id)
        if isinstance(doc, Visit):
            self.last_visits_by_customer_id.clear_all()
