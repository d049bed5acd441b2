"""Refuse list arguments longer than their bound before any resolver runs.

The token limit keeps lists written into the query short, but a variable can
carry 200,000 tags in a 2 MB body. ``ListInputLimiter`` walks every field's
arguments, written or sent as variables, through nested input objects, and
refuses the first list longer than ``defenses.bounds.INPUT_BOUNDS`` allows with
``extensions.code`` VALIDATION and the argument's dotted path in ``field``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from strawberry.extensions import SchemaExtension

from defenses.bounds import INPUT_BOUNDS, MAX_VALUES

#: Nesting below which the walk stops; deeper documents fail the depth limit.
_MAX_WALK = 64


class ListTooLong(Exception):
    """A list argument holds more items than its bound."""

    def __init__(self, path: str, bound: int, count: int) -> None:
        super().__init__(f"{path}: at most {bound} items, got {count}")
        self.path = path


class ListInputLimiter(SchemaExtension):
    """Refuse a request whose list arguments pass ``INPUT_BOUNDS``."""

    def on_validate(self) -> Iterator[None]:
        """Check the parsed document with the request's variables."""
        context = self.execution_context
        document = context.graphql_document
        if context.pre_execution_errors is None and document is not None:
            try:
                check_list_inputs(
                    context.schema._schema, document, context.variables or {}
                )
            except ListTooLong as refused:
                context.pre_execution_errors = [
                    GraphQLError(
                        str(refused),
                        extensions={"code": "VALIDATION", "field": refused.path},
                    )
                ]
        yield


def check_list_inputs(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
) -> None:
    """Raise ``ListTooLong`` for the first list argument over its bound.

    Each operation and fragment is walked once, as written, so the walk is
    linear in the document.
    """
    walk = _Walk(schema, variables)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.get_root_type(definition.operation)
            walk.selections(definition.selection_set, root, 0)
        elif isinstance(definition, FragmentDefinitionNode):
            parent = schema.get_type(definition.type_condition.name.value)
            walk.selections(definition.selection_set, parent, 0)


class _Walk:
    def __init__(self, schema: GraphQLSchema, variables: Mapping[str, Any]) -> None:
        self.schema = schema
        self.variables = variables

    def selections(
        self, selection_set: SelectionSetNode, parent: Any, level: int
    ) -> None:
        if level > _MAX_WALK:
            return
        for selection in selection_set.selections:
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                narrowed = parent
                if condition is not None:
                    narrowed = self.schema.get_type(condition.name.value) or parent
                self.selections(selection.selection_set, narrowed, level + 1)
            elif isinstance(selection, FieldNode):
                self.field(selection, parent, level)

    def field(self, node: FieldNode, parent: Any, level: int) -> None:
        definition = getattr(parent, "fields", {}).get(node.name.value)
        if definition is None:
            return  # unknown field: validation reports it
        for argument in node.arguments or ():
            arg = definition.args.get(argument.name.value)
            if arg is not None:
                key = f"{parent.name}.{node.name.value}({argument.name.value})"
                self.value(argument.value, arg.type, key, argument.name.value)
        if node.selection_set is not None:
            inner = get_named_type(definition.type)
            self.selections(node.selection_set, inner, level + 1)

    def value(self, node: ValueNode, kind: Any, key: str, path: str) -> None:
        kind = get_nullable_type(kind)
        if isinstance(node, VariableNode):
            if node.name.value in self.variables:
                self.data(self.variables[node.name.value], kind, key, path)
        elif is_list_type(kind):
            if isinstance(node, ListValueNode):
                _check(key, path, len(node.values))
                for n, item in enumerate(node.values):
                    self.value(item, kind.of_type, key, f"{path}.{n}")
            else:  # one value where a list is expected: a list of one
                self.value(node, kind.of_type, key, path)
        elif isinstance(kind, GraphQLInputObjectType) and isinstance(
            node, ObjectValueNode
        ):
            for field in node.fields:
                definition = kind.fields.get(field.name.value)
                if definition is not None:
                    name = field.name.value
                    self.value(
                        field.value,
                        definition.type,
                        f"{kind.name}.{name}",
                        f"{path}.{name}",
                    )

    def data(self, value: Any, kind: Any, key: str, path: str) -> None:
        kind = get_nullable_type(kind)
        if is_list_type(kind):
            if isinstance(value, list):
                _check(key, path, len(value))
                for n, item in enumerate(value):
                    self.data(item, kind.of_type, key, f"{path}.{n}")
            else:
                self.data(value, kind.of_type, key, path)
        elif isinstance(kind, GraphQLInputObjectType) and isinstance(value, Mapping):
            for name, definition in kind.fields.items():
                if name in value:
                    self.data(
                        value[name],
                        definition.type,
                        f"{kind.name}.{name}",
                        f"{path}.{name}",
                    )


def _check(key: str, path: str, count: int) -> None:
    bound = INPUT_BOUNDS.get(key, MAX_VALUES)
    if count > bound:
        raise ListTooLong(path, bound, count)
