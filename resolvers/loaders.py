"""Per-request DataLoaders: every lookup by key is batched into one query.

Each batch adds the principal's row rule to its query, so a nested field (a visit's
customer, a customer's open demands) shows exactly what a direct read would.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from beanie import Document, PydanticObjectId
from strawberry.dataloader import DataLoader

from models import Customer, Demand, Rep, Visit
from resolvers import access
from resolvers.access import Principal

D = TypeVar("D", bound=Document)
Rule = Callable[[Principal], dict[str, Any]]


def _rule(who: Principal | None, rule: Rule) -> dict[str, Any] | None:
    """The principal's rule, or ``None`` when nobody is signed in (nothing visible)."""
    return None if who is None else rule(who)


def _by_id(
    model: type[D], who: Principal | None, rule: Rule
) -> Callable[[Sequence[Any]], Awaitable[list[D | None]]]:
    async def load(keys: Sequence[PydanticObjectId]) -> list[D | None]:
        scope = _rule(who, rule)
        if scope is None:
            return [None for _ in keys]
        query = access.restrict({"_id": {"$in": list(keys)}}, scope)
        found = {doc.id: doc for doc in await model.find(query).to_list()}
        return [found.get(key) for key in keys]

    return load


def _open_demands(
    who: Principal | None,
) -> Callable[[Sequence[Any]], Awaitable[list[list[Demand]]]]:
    async def load(keys: Sequence[PydanticObjectId]) -> list[list[Demand]]:
        scope = _rule(who, access.demand_rule)
        if scope is None:
            return [[] for _ in keys]
        query = access.restrict(
            {"open": True, "customer_id": {"$in": list(keys)}}, scope
        )
        grouped: dict[PydanticObjectId, list[Demand]] = defaultdict(list)
        for demand in await Demand.find(query).sort("_id").to_list():
            grouped[demand.customer_id].append(demand)
        return [grouped[key] for key in keys]

    return load


def _last_visits(
    who: Principal | None,
) -> Callable[[Sequence[Any]], Awaitable[list[list[Visit]]]]:
    async def load(keys: Sequence[tuple[PydanticObjectId, int]]) -> list[list[Visit]]:
        """The latest visits per customer, one aggregation per distinct limit asked."""
        scope = _rule(who, access.visit_rule)
        if scope is None:
            return [[] for _ in keys]
        by_limit: dict[int, list[PydanticObjectId]] = defaultdict(list)
        for customer_id, limit in keys:
            by_limit[limit].append(customer_id)
        found: dict[tuple[PydanticObjectId, int], list[Visit]] = {}
        for limit, customer_ids in by_limit.items():
            match = access.restrict({"customer_id": {"$in": customer_ids}}, scope)
            pipeline: list[dict[str, Any]] = [
                {"$match": match},
                {"$sort": {"customer_id": 1, "planned_start": -1, "_id": 1}},
                {"$group": {"_id": "$customer_id", "visits": {"$push": "$$ROOT"}}},
                {"$project": {"visits": {"$slice": ["$visits", limit]}}},
            ]
            for row in await Visit.aggregate(pipeline).to_list():
                found[(row["_id"], limit)] = [
                    Visit.model_validate(v) for v in row["visits"]
                ]
        return [found.get(key, []) for key in keys]

    return load


def _drop(loader: DataLoader[Any, Any], key: Any) -> None:
    with contextlib.suppress(KeyError):  # nothing cached for that key
        loader.clear(key)


@dataclass
class Loaders:
    """The loaders of one request, named ``<things>_by_<key>``."""

    principal: Principal | None = None
    customer_by_id: DataLoader[PydanticObjectId, Customer | None] = field(init=False)
    rep_by_id: DataLoader[PydanticObjectId, Rep | None] = field(init=False)
    demand_by_id: DataLoader[PydanticObjectId, Demand | None] = field(init=False)
    visit_by_id: DataLoader[PydanticObjectId, Visit | None] = field(init=False)
    open_demands_by_customer_id: DataLoader[PydanticObjectId, list[Demand]] = field(
        init=False
    )
    last_visits_by_customer_id: DataLoader[
        tuple[PydanticObjectId, int], list[Visit]
    ] = field(init=False)

    def __post_init__(self) -> None:
        who = self.principal
        self.customer_by_id = DataLoader(
            load_fn=_by_id(Customer, who, access.customer_rule)
        )
        self.rep_by_id = DataLoader(load_fn=_by_id(Rep, who, access.rep_rule))
        self.demand_by_id = DataLoader(load_fn=_by_id(Demand, who, access.demand_rule))
        self.visit_by_id = DataLoader(load_fn=_by_id(Visit, who, access.visit_rule))
        self.open_demands_by_customer_id = DataLoader(load_fn=_open_demands(who))
        self.last_visits_by_customer_id = DataLoader(load_fn=_last_visits(who))

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
