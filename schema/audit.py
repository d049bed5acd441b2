"""The audit trail in the API: the extension that records mutations, and the query."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from inspect import isawaitable
from typing import Annotated, Any

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.scalars import JSON
from strawberry.types.graphql import OperationType

from models.audit import AuditRecord as AuditRecordModel
from models.common import plain_json
from models.rep import Role
from resolvers import access, audit
from schema.base import PAGE_SIZE, Info, offset_after
from schema.errors import top_level


class AuditTrail(SchemaExtension):
    """Writes one audit record for every mutation request, refused ones included.

    Each root field's outcome is taken from what its resolver returned (the
    result type, even when the client did not ask for ``__typename``) or the
    code of what it raised. A request the server stops at its time limit is
    recorded too, with outcome TIMEOUT, since its writes so far stay.
    """

    def __init__(self, *, execution_context: Any = None) -> None:
        super().__init__(execution_context=execution_context)
        self.outcomes: dict[str, str] = {}

    async def on_execute(self) -> AsyncIterator[None]:
        """Record the request once its mutations ran, or were stopped."""
        audit.start()
        try:
            yield
        except asyncio.CancelledError:
            if self._is_mutation():
                await asyncio.shield(self._record(stopped=True))
            raise
        if self._is_mutation():
            await self._record(stopped=False)

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """Note the outcome of each root mutation field."""
        if info.path.prev is not None or info.operation.operation.value != "mutation":
            return _next(root, info, *args, **kwargs)
        return self._noted(info.path.key, _next(root, info, *args, **kwargs))

    async def _noted(self, key: str, result: Any) -> Any:
        try:
            value = await result if isawaitable(result) else result
        except Exception as error:
            # The access guard may have turned the refusal into its coded
            # GraphQLError already (it wraps this extension's resolver).
            coded = error if isinstance(error, GraphQLError) else top_level(error)
            code = (coded.extensions or {}).get("code") if coded else None
            self.outcomes[key] = str(code or "ERROR")
            raise
        self.outcomes[key] = _outcome(value)
        return value

    def _is_mutation(self) -> bool:
        execution = self.execution_context
        if execution.graphql_document is None:
            return False
        try:
            return execution.operation_type == OperationType.MUTATION
        except RuntimeError:
            return False

    async def _record(self, *, stopped: bool) -> None:
        execution = self.execution_context
        fields = _root_fields(execution.graphql_document, execution.operation_name)
        outcomes = [self.outcomes.get(key, "none") for key, _ in fields]
        if stopped:
            outcomes.append("TIMEOUT")
        result = execution.result
        if result is not None and result.errors:
            outcomes += [
                str((e.extensions or {}).get("code", "ERROR")) for e in result.errors
            ]
        await audit.record(execution.context, [name for _, name in fields], outcomes)


def _root_fields(document: Any, operation_name: str | None) -> list[tuple[str, str]]:
    """(response key, field name) of the operation's root fields, through fragments."""
    fragments = {
        d.name.value: d
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }

    def collect(selection_set: Any, seen: frozenset[str]) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for s in selection_set.selections:
            if isinstance(s, FieldNode):
                found.append(((s.alias or s.name).value, s.name.value))
            elif isinstance(s, InlineFragmentNode):
                found += collect(s.selection_set, seen)
            elif isinstance(s, FragmentSpreadNode):
                name = s.name.value
                if name in fragments and name not in seen:
                    found += collect(fragments[name].selection_set, seen | {name})
        return list(dict.fromkeys(found))  # a field selected twice runs once

    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name and (
            definition.name is None or definition.name.value != operation_name
        ):
            continue
        return collect(definition.selection_set, frozenset())
    return []


def _outcome(value: Any) -> str:
    if value is None:
        return "none"
    definition = getattr(type(value), "__strawberry_definition__", None)
    return str(definition.name) if definition is not None else "ok"


@strawberry.type(description="One changed field; personal values read [redacted].")
class AuditChange:
    collection: str = strawberry.field(
        description="The collection of the changed document (customers, visits, ...)."
    )
    document_id: strawberry.ID | None = strawberry.field(
        description="The changed document's database id (not a global id)."
    )
    action: str = strawberry.field(description="One of created, updated or erased.")
    field: str = strawberry.field(
        description="The stored field that changed, in snake_case."
    )
    before: JSON | None = strawberry.field(
        description="The value before; null on creation. Times are ISO 8601 "
        "strings; values of fields that are not plain read [redacted]."
    )
    after: JSON | None = strawberry.field(
        description="The value after, as before is shown."
    )


@strawberry.type(
    description="One mutation request: who, when, what, with what outcome."
)
class AuditRecord:
    id: strawberry.ID = strawberry.field(description="The record's database id.")
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
    changes: list[AuditChange] = strawberry.field(
        description="Every field the request changed, per document."
    )

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
                    before=plain_json(c.before),
                    after=plain_json(c.after),
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
        document_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only the requests that changed this document "
                "(database or global id)."
            ),
        ] = None,
        actor_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only this user's requests (database or global id)."
            ),
        ] = None,
        first: Annotated[int, strawberry.argument(description=PAGE_SIZE)] = 20,
        after: Annotated[
            str | None,
            strawberry.argument(
                description='A cursor, base64 of "offset:N": start after the N-th '
                "record (from 0); null starts at the newest."
            ),
        ] = None,
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
