"""Data-subject rights: export everything held about a customer's contacts, erase it.

Which fields are personal, and what erasure writes in their place, is declared
once in ``resolvers.access.PERSONAL``: the contacts are anonymised, tags dropped
and free texts that may name people scrubbed (demand titles, descriptions and
comments, visit purposes, agendas, notes and cancellation reasons), while the
visit statistics stay: statuses, times, durations and results. On a store with
transactions it is all or nothing; the audit trail records that it happened.
"""

from __future__ import annotations

from typing import Any

from models import Customer, Demand, Visit
from models.common import plain_json
from models.rep import Role
from resolvers import access
from resolvers.common import fetch_visible, in_transaction, object_id, save
from resolvers.context import Context

#: Fields exported beside the personal ones, so the export can be read: which
#: customer, which demand or visit, and when.
CONTEXT = {
    "Customer": ["name", "legal_name", "addresses"],
    "Demand": ["status"],
    "Visit": ["planned_start", "status"],
}


def _export(doc: Any, document: str) -> dict[str, Any]:
    """The personal fields of ``doc`` (as declared in ``access.PERSONAL``) and
    its context, as plain JSON."""
    tops = {p.path.split(".")[0] for p in access.personal_of(document) if p.path}
    data: dict[str, Any] = plain_json(
        doc.model_dump(include={*CONTEXT[document], *tops})
    )
    data["id"] = str(doc.id)
    return data


def _set(target: Any, path: list[str], erase: Any) -> None:
    """Apply ``erase`` to the attribute at ``path``, item by item through lists."""
    if target is None:
        return
    if isinstance(target, list):
        for item in target:
            _set(item, path, erase)
        return
    head, *rest = path
    if rest:
        _set(getattr(target, head), rest, erase)
    else:
        setattr(target, head, erase(getattr(target, head)))


def _erase(doc: Any, document: str) -> None:
    for item in access.personal_of(document):
        if item.erase is not None and item.path:
            _set(doc, item.path.split("."), item.erase)


async def _held(
    ctx: Context, customer_id: str
) -> tuple[Customer, list[Demand], list[Visit]]:
    access.require_role(ctx, Role.ADMIN)
    customer = await fetch_visible(
        Customer, object_id(customer_id, "customerId"), {}, "customerId"
    )
    demands = await Demand.find({"customer_id": customer.id}).to_list()
    visits = await Visit.find({"customer_id": customer.id}).to_list()
    return customer, demands, visits


async def export_personal_data(ctx: Context, customer_id: str) -> dict[str, Any]:
    """Everything held about the customer's contacts, as plain JSON."""
    customer, demands, visits = await _held(ctx, customer_id)
    return {
        "customer": _export(customer, "Customer"),
        "demands": [_export(d, "Demand") for d in demands],
        "visits": [_export(v, "Visit") for v in visits],
    }


async def erase_personal_data(ctx: Context, customer_id: str) -> Customer:
    """Erase every personal field that erasure covers; keep the statistics."""
    customer, demands, visits = await _held(ctx, customer_id)
    _erase(customer, "Customer")
    for demand in demands:
        _erase(demand, "Demand")
    for visit in visits:
        _erase(visit, "Visit")

    async def write(session: Any) -> Customer:
        # Copies, so that a run lost to a write conflict leaves the revisions
        # read untouched for the next run.
        docs = [d.model_copy(deep=True) for d in (customer, *demands, *visits)]
        for doc in docs:
            await save(doc, session)
        first = docs[0]
        assert isinstance(first, Customer)
        return first

    erased = await in_transaction(Customer, write)
    ctx.loaders.forget(erased)
    return erased
