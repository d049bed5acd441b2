"""Data-subject rights: export everything held about a customer's contacts, erase it.

Erasure anonymises the contacts and scrubs free text that may name people (demand
descriptions and comments, visit agendas, notes and cancellation reasons), while
the visit statistics stay: statuses, times, durations and results. On a store with
transactions it is all or nothing; the audit trail records that it happened.
"""

from __future__ import annotations

from typing import Any

from models import Customer, Demand, Visit
from models.rep import Role
from resolvers import access
from resolvers.common import fetch_visible, object_id, save, transaction
from resolvers.context import Context

ERASED = "[erased]"
ERASED_NAME = "Erased contact"


def _plain(doc: Any, fields: list[str]) -> dict[str, Any]:
    data = doc.model_dump(mode="json", include=set(fields))
    data["id"] = str(doc.id)
    return data


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
        "customer": _plain(customer, ["name", "legal_name", "addresses", "contacts"]),
        "demands": [
            _plain(d, ["title", "description", "history", "status"]) for d in demands
        ],
        "visits": [
            _plain(
                v,
                [
                    "planned_start",
                    "agenda",
                    "outcome",
                    "cancel_reason",
                    "check_in",
                    "check_out",
                    "status",
                ],
            )
            for v in visits
        ],
    }


async def erase_personal_data(ctx: Context, customer_id: str) -> Customer:
    """Anonymise the customer's contacts and scrub free text; keep the statistics."""
    customer, demands, visits = await _held(ctx, customer_id)
    for contact in customer.contacts:
        contact.name, contact.role = ERASED_NAME, None
        contact.phones, contact.emails, contact.preferred_channel = [], [], None
    for demand in demands:
        demand.description = ERASED if demand.description else ""
        for step in demand.history:
            step.comment = None
    for visit in visits:
        visit.agenda = ""
        visit.cancel_reason = ERASED if visit.cancel_reason else None
        if visit.outcome is not None:
            visit.outcome.notes = ERASED if visit.outcome.notes else ""
    async with transaction(Customer) as session:
        for doc in [customer, *demands, *visits]:
            await save(doc, session)
    ctx.loaders.forget(customer)
    return customer
