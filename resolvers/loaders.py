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


Visible = Callable[[Any], bool]


def _customer_check(who: Principal) -> Visible:
    access.customer_rule(who)  # refuses API keys without the scope
    keys = access.row_keys(who)
    return lambda doc: access.shares_keys(keys, doc.access)


def _demand_check(who: Principal) -> Visible:
    access.demand_rule(who)  # refuses API keys without the scope
    keys = access.row_keys(who)
    return lambda doc: access.shares_keys(keys, doc.access)


def _people_check(
    rule: Callable[[Principal], dict[str, Any]], field: str
) -> Callable[[Principal], Visible]:
    def check(who: Principal) -> Visible:
        condition = rule(who).get(field)
        if condition is None:
            return lambda doc: True
        allowed = set(condition["$in"])
        return lambda doc: getattr(doc, "id" if field == "_id" else field) in allowed

    return check


# Loaders read by id or by customer (index-backed equality and $in) and apply the
# principal's rule to what they read: the same rows the rule's query would give,
# without combining it into the lookup (which not every store plans well).
def _by_id(
    model: type[D], who: Principal | None, check: Callable[[Principal], Visible]
) -> Callable[[Sequence[Any]], Awaitable[list[D | None]]]:
    async def load(keys: Sequence[PydanticObjectId]) -> list[D | None]:
        if who is None:
            return [None for _ in keys]
        visible = check(who)
        found = {
            doc.id: doc
            for doc in await model.find({"_id": {"$in": list(keys)}}).to_list()
            if visible(doc)
        }
        return [found.get(key) for key in keys]

    return load


def _open_demands(
    who: Principal | None,
) -> Callable[[Sequence[Any]], Awaitable[list[list[Demand]]]]:
    async def load(keys: Sequence[PydanticObjectId]) -> list[list[Demand]]:
        if who is None:
            return [[] for _ in keys]
        visible = _demand_check(who)
        grouped: dict[PydanticObjectId, list[Demand]] = defaultdict(list)
        query = {"open": True, "customer_id": {"$in": list(keys)}}
        for demand in await Demand.find(query).sort("_id").to_list():
            if visible(demand):
                grouped[demand.customer_id].append(demand)
        return [grouped[key] for key in keys]

    return load


def _last_visits(
    who: Principal | None,
) -> Callable[[Sequence[Any]], Awaitable[list[list[Visit]]]]:
    async def load(keys: Sequence[tuple[PydanticObjectId, int]]) -> list[list[Visit]]:
        """The latest visits per customer, one aggregation per distinct limit asked."""
        if who is None:
            return [[] for _ in keys]
        scope = access.visit_rule(who)
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


def visible_check(who: Principal, model: type[Document]) -> Visible:
    """Whether ``who`` may see a row of ``model`` it read: the rule the loaders
    apply, for look-ups that read by another unique key (an external id)."""
    checks: dict[type[Document], Callable[[Principal], Visible]] = {
        Customer: _customer_check,
        Demand: _demand_check,
        Visit: _people_check(access.visit_rule, "rep_id"),
        Rep: _people_check(access.rep_rule, "_id"),
    }
    return checks[model](who)


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
        reps = _people_check(access.rep_rule, "_id")
        visits = _people_check(access.visit_rule, "rep_id")
        self.customer_by_id = DataLoader(load_fn=_by_id(Customer, who, _customer_check))
        self.rep_by_id = DataLoader(load_fn=_by_id(Rep, who, reps))
        self.demand_by_id = DataLoader(load_fn=_by_id(Demand, who, _demand_check))
        self.visit_by_id = DataLoader(load_fn=_by_id(Visit, who, visits))
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
