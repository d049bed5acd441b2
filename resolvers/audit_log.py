"""Reading the audit trail."""

from __future__ import annotations

from typing import Any

from strawberry import relay

from models.audit import AuditRecord
from resolvers.common import object_id
from resolvers.pagination import check_page_size, sort_keys


def _raw(value: str, field: str) -> Any:
    try:
        return object_id(relay.GlobalID.from_id(value).node_id, field)
    except Exception:
        return object_id(value, field)


async def list_records(
    *, document_id: str | None, actor_id: str | None, first: int, offset: int
) -> list[AuditRecord]:
    """Audit records, newest first, for a document or an actor."""
    size = check_page_size(first)
    query: dict[str, Any] = {}
    if document_id:
        query["document_ids"] = _raw(document_id, "documentId")
    if actor_id:
        query["actor_id"] = _raw(actor_id, "actorId")
    sort = (
        [("document_ids", 1), ("at", -1)] if document_id else [("at", -1), ("_id", 1)]
    )
    if actor_id and not document_id:
        sort = [("actor_id", 1), ("at", -1)]
    return (
        await AuditRecord.find(query)
        .sort(sort_keys(sort))
        .skip(offset)
        .limit(size)
        .to_list()
    )
