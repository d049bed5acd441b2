"""The audit trail in the API: the extension that records mutations, and the query."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import strawberry
from graphql import FieldNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.scalars import JSON
from strawberry.types.graphql import OperationType

from models.audit import AuditRecord as AuditRecordModel
from models.rep import Role
from resolvers import access, audit
from schema.base import Info, offset_after


class AuditTrail(SchemaExtension):
    """Writes one audit record for every mutation request, refused ones included."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        audit.start()
        yield
        if execution.graphql_document is None:
            return
        try:
            if execution.operation_type != OperationType.MUTATION:
                return
        except RuntimeError:
            return
        fields = _root_fields(execution.graphql_document, execution.operation_name)
        result = execution.result
        data = (result.data if result else None) or {}
        outcomes = [_outcome(data.get(key)) for key, _ in fields]
        if result is not None and result.errors:
            outcomes += [
                str((e.extensions or {}).get("code", "ERROR")) for e in result.errors
            ]
        await audit.record(execution.context, [name for _, name in fields], outcomes)


def _root_fields(document: Any, operation_name: str | None) -> list[tuple[str, str]]:
    """(response key, field name) of the operation's root fields."""
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name and (
            definition.name is None or definition.name.value != operation_name
        ):
            continue
        return [
            ((s.alias or s.name).value, s.name.value)
            for s in definition.selection_set.selections
            if isinstance(s, FieldNode)
        ]
    return []


def _outcome(value: Any) -> str:
    if isinstance(value, dict) and "__typename" in value:
        return str(value["__typename"])
    return "ok" if value is not None else "none"


@strawberry.type(description="One changed field; personal values read [redacted].")
class AuditChange:
    collection: str
    document_id: strawberry.ID | None
    action: str = strawberry.field(description="created, updated or erased.")
    field: str
    before: JSON | None
    after: JSON | None


@strawberry.type(
    description="One mutation request: who, when, what, with what outcome."
)
class AuditRecord:
    id: strawberry.ID
    at: datetime = strawberry.field(description="UTC.")
    actor_id: strawberry.ID | None = strawberry.field(
        description="The user (or key's creator)."
    )
    key_id: strawberry.ID | None = strawberry.field(
        description="The API key used, if any."
    )
    operations: list[str] = strawberry.field(description="The mutations requested.")
    outcomes: list[str] = strawberry.field(
        description="Result type or error code of each."
    )
    changes: list[AuditChange]

    @classmethod
    def from_document(cls, doc: AuditRecordModel) -> AuditRecord:
        """Convert a stored record."""

        def opt(value: Any) -> strawberry.ID | None:
            return None if value is None else strawberry.ID(str(value))

        return cls(
            id=strawberry.ID(str(doc.id)),
            at=doc.at,
            actor_id=opt(doc.actor_id),
            key_id=opt(doc.key_id),
            operations=doc.operations,
            outcomes=doc.outcomes,
            changes=[
                AuditChange(
                    collection=c.collection,
                    document_id=opt(c.document_id),
                    action=c.action,
                    field=c.field,
                    before=c.before,
                    after=c.after,
                )
                for c in doc.changes
            ],
        )


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="The audit trail, newest first (admins only; first: "
        "1 to 100). documentId is a database id (the part after the "
        "type in a global id) or a global id."
    )
    async def audit_records(
        self,
        info: Info,
        document_id: strawberry.ID | None = None,
        actor_id: strawberry.ID | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> list[AuditRecord]:
        from resolvers import audit_log

        access.require_role(info.context, Role.ADMIN)
        docs = await audit_log.list_records(
            document_id=document_id,
            actor_id=actor_id,
            first=first,
            offset=offset_after(after),
        )
        return [AuditRecord.from_document(d) for d in docs]
