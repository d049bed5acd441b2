"""Exporting customers, demands or visits in the format imports read back.

Rows go out in id order, a batch at a time; references are written as the
import reads them: reps by e-mail, customers by their first external id. Only
what an import sets is exported (so export, import and export again give the
same file): a customer's first address, no contacts or opening hours; no
demand or visit status, which moves through its own workflow.

For an API key (``who``) the rows are those its rules let it read, and the
columns holding personal data (tags, titles, agendas, reps' e-mails) are left
out, as the API hides those fields from keys.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import IO, Any

from models import Customer, Demand, Rep, Visit
from models.common import rfc3339
from resolvers import access
from resolvers.bulk.files import BATCH, RowWriter
from resolvers.bulk.importing import MODELS
from resolvers.bulk.mappings import CUSTOM, FIELDS

#: Each kind's access rule, and the columns whose values are personal data
#: (the API field each comes from).
RULES: dict[str, Callable[[access.Principal], dict[str, Any]]] = {
    "customers": access.customer_rule,
    "demands": access.demand_rule,
    "visits": access.visit_rule,
}
PERSONAL_COLUMNS = {
    "customers": {"tags": ("Customer", "tags"), "owner": ("Rep", "email")},
    "demands": {
        "title": ("Demand", "title"),
        "description": ("Demand", "description"),
        "assignee": ("Rep", "email"),
    },
    "visits": {
        "purposeText": ("Visit", "purposeText"),
        "agenda": ("Visit", "agenda"),
        "rep": ("Rep", "email"),
    },
}


def hidden_columns(who: access.Principal | None, entity: str) -> set[str]:
    """The columns ``who`` may not read (``access.check_field`` refuses their
    fields); none for the command line."""
    hidden = set()
    for column, (type_name, field_name) in PERSONAL_COLUMNS[entity].items():
        try:
            access.check_field(who, type_name, field_name, None)
        except access.Forbidden:
            hidden.add(column)
    return hidden


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return rfc3339(value)
    return getattr(value, "value", value)


def _ids(doc: Any) -> list[dict[str, str]]:
    return [e.model_dump() for e in doc.external_ids]


def _customer(doc: Customer, emails: dict[Any, str]) -> dict[str, Any]:
    first = doc.addresses[0] if doc.addresses else None
    location = first.location if first else None
    row: dict[str, Any] = {
        "externalIds": _ids(doc),
        "name": doc.name,
        "legalName": doc.legal_name,
        "tier": _value(doc.tier),
        "status": _value(doc.status),
        "territory": doc.territory,
        "owner": emails.get(doc.owner_id),
        "timeZone": doc.time_zone,
        "tags": doc.tags,
        "visitIntervalDays": doc.visit_interval_days,
        "addressLabel": first.label if first else None,
        "street": first.street if first else None,
        "city": first.city if first else None,
        "postalCode": first.postal_code if first else None,
        "country": first.country if first else None,
        "lat": location.lat if location else None,
        "lng": location.lng if location else None,
    }
    row.update({CUSTOM + f.key: _value(f.value) for f in doc.custom_fields})
    return row


def _demand(
    doc: Demand, emails: dict[Any, str], keys: dict[Any, str]
) -> dict[str, Any]:
    return {
        "externalIds": _ids(doc),
        "customer": keys.get(doc.customer_id),
        "type": _value(doc.type),
        "title": doc.title,
        "description": doc.description,
        "priority": _value(doc.priority),
        "due": _value(doc.due),
        "assignee": emails.get(doc.assignee_id),
    }


def _visit(doc: Visit, emails: dict[Any, str], keys: dict[Any, str]) -> dict[str, Any]:
    return {
        "externalIds": _ids(doc),
        "customer": keys.get(doc.customer_id),
        "rep": emails.get(doc.rep_id),
        "purpose": _value(doc.purpose),
        "purposeText": doc.purpose_text,
        "agenda": doc.agenda,
        "plannedStart": _value(doc.planned_start),
        "plannedEnd": _value(doc.planned_end),
        "pinned": doc.pinned,
    }


async def _customer_keys(ids: set[Any]) -> dict[Any, str]:
    """Each customer's first external id, ``system:id``."""
    docs = await Customer.find({"_id": {"$in": list(ids)}}).to_list()
    return {d.id: d.external_keys[0] for d in docs if d.external_keys}


async def export_rows(
    entity: str, stream: IO[str], fmt: str, since: datetime | None = None
) -> int:
    """Write every ``entity`` row (changed at or after ``since``) to
    ``stream``; return how many."""
    counted = Counter()
    async for text in export_chunks(entity, fmt, since, counted=counted):
        stream.write(text)
    return counted.rows


class Counter:
    """How many rows an export wrote so far."""

    rows = 0


async def export_chunks(
    entity: str,
    fmt: str,
    since: datetime | None = None,
    who: access.Principal | None = None,
    *,
    counted: Counter | None = None,
) -> AsyncIterator[str]:
    """The export of every ``entity`` row (changed at or after ``since``) as
    text, one batch at a time (the CSV header first); with ``who``, only what
    that principal may read."""
    model = MODELS[entity]
    query: dict[str, Any] = {}
    if since is not None:
        query["stamp.updated_at"] = {"$gte": since}
    if who is not None:
        query = access.restrict(query, RULES[entity](who))
    hidden = hidden_columns(who, entity)
    columns = [c for c in FIELDS[entity] if c not in hidden]
    if entity == "customers":
        # An aggregation rather than distinct, which not every store answers
        # for a field inside an array of documents.
        pipeline = [
            {"$match": query},
            {"$unwind": "$custom_fields"},
            {"$group": {"_id": "$custom_fields.key"}},
        ]
        keys = [row["_id"] for row in await Customer.aggregate(pipeline).to_list()]
        columns += [CUSTOM + k for k in sorted(keys)]
    emails = {r.id: str(r.email) for r in await Rep.find({}).to_list()}
    buffer = io.StringIO()
    writer = RowWriter(buffer, fmt, columns)

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if counted is not None:
            counted.rows = writer.count
        return text

    if text := taken():
        yield text
    batch: list[Any] = []
    async for doc in model.find(query).sort("_id"):
        batch.append(doc)
        if len(batch) >= BATCH:
            writer.write(_without(await _rows(entity, batch, emails), hidden))
            batch = []
            yield taken()
    if batch:
        writer.write(_without(await _rows(entity, batch, emails), hidden))
        yield taken()


def _without(rows: list[dict[str, Any]], hidden: set[str]) -> list[dict[str, Any]]:
    if not hidden:
        return rows
    return [{k: v for k, v in row.items() if k not in hidden} for row in rows]


async def _rows(
    entity: str, docs: list[Any], emails: dict[Any, str]
) -> list[dict[str, Any]]:
    if entity == "customers":
        return [_customer(d, emails) for d in docs]
    keys = await _customer_keys({d.customer_id for d in docs})
    if entity == "demands":
        return [_demand(d, emails, keys) for d in docs]
    return [_visit(d, emails, keys) for d in docs]
