"""The audit trail: every mutation request leaves a record of who changed what.

Writes note their changes here as they happen (``note``); once the request's
mutations have run, ``record`` stores one ``AuditRecord`` with them. Only the
values of plain, non-personal fields (statuses, tiers, times, ownership) are kept;
every other value is redacted, so the trail holds no personal data.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from beanie import Document

from models.audit import AuditRecord, FieldChange
from models.common import plain_json
from resolvers.context import Context

REDACTED = "[redacted]"
#: Fields whose values are kept in the trail; everything else is redacted.
PLAIN_FIELDS = frozenset(
    {
        "status",
        "tier",
        "priority",
        "type",
        "purpose",
        "role",
        "active",
        "archived",
        "open",
        "owner_id",
        "territory",
        "manager_id",
        "assignee_id",
        "customer_id",
        "rep_id",
        "planned_start",
        "planned_end",
        "due",
        "duration_min",
        "plan_id",
        "first_day",
        "last_day",
        "kind",
        "time_zone",
    }
)
#: Bookkeeping that changes with every write and says nothing of its own.
IGNORED = frozenset(
    {"rev", "stamp", "search", "location", "history", "external_keys", "contact_keys"}
)

_changes: ContextVar[list[FieldChange] | None] = ContextVar(
    "audit_changes", default=None
)


def start() -> None:
    """Begin collecting the changes of one request."""
    _changes.set([])


def mark() -> int:
    """How many changes were noted so far, for ``undo``."""
    return len(_changes.get() or [])


def undo(marked: int) -> None:
    """Forget the changes noted since ``mark`` gave ``marked``: their writes were
    rolled back with the transaction that made them."""
    collected = _changes.get()
    if collected is not None:
        del collected[marked:]


def _value(field: str, value: Any) -> Any:
    if field not in PLAIN_FIELDS:
        return REDACTED
    # Times, dates, ids, enums and nested values as JSON, which is what the
    # trail serves.
    return plain_json(value)


def note(doc: Document, action: str, before: dict[str, Any] | None) -> None:
    """Note what a write did to ``doc`` (``before`` is the stored state, if any)."""
    collected = _changes.get()
    if collected is None:
        return
    after = doc.model_dump()
    for field in sorted(set(after) | set(before or {})):
        if field in IGNORED or field == "id":
            continue
        old, new = (before or {}).get(field), after.get(field)
        if before is not None and old == new:
            continue
        collected.append(
            FieldChange(
                collection=doc.get_collection_name(),
                document_id=doc.id,
                action=action,
                field=field,
                before=_value(field, old) if before is not None else None,
                after=_value(field, new),
            )
        )


async def record(ctx: Context, operations: list[str], outcomes: list[str]) -> None:
    """Store the request's audit record."""
    changes = _changes.get() or []
    who = ctx.principal
    ids = sorted({c.document_id for c in changes if c.document_id}, key=str)
    await AuditRecord(
        actor_id=who.user_id if who else None,
        key_id=who.key_id if who else None,
        address=ctx.address,
        operations=operations,
        outcomes=outcomes,
        document_ids=ids,
        changes=changes,
    ).insert()
    _changes.set(None)
