"""What one GraphQL document may ask for, checked before any resolver runs.

Every limit is a Strawberry schema extension given to ``strawberry.Schema`` as a
class or a factory, so each request gets fresh instances and no state is shared
between concurrent requests. docs/security.md explains each number.

The checks run in this order: the source length and token count while parsing;
the query cost just before validation (it walks fragments once each, so a
document that reuses fragments exponentially is refused before the validation
rules expand it); then, as validation rules, depth, aliases, directives and
introspection depth, plus introspection itself in production.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from functools import partial
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.validation import (
    MaxIntrospectionDepthRule,
    NoSchemaIntrospectionCustomRule,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

#: Characters in the query text (graphql-core counts code points).
MAX_SOURCE_LENGTH = 20_000
#: Lexical tokens in the query text, comments included.
MAX_TOKENS = 1_000
#: Nested selection sets below the root field (introspection fields excluded).
MAX_DEPTH = 10
#: Aliased fields, counted through fragments as they expand.
MAX_ALIASES = 15
#: Directives, counted through fragments as they expand.
MAX_DIRECTIVES = 50
#: Query cost (see ``query_cost``).
MAX_COST = 5_000
#: Items a list of entities without a page size argument is assumed to hold.
DEFAULT_PAGE_SIZE = 20
#: The largest page resolvers accept; larger requests are refused by them.
MAX_PAGE_SIZE = 100

OBJECT_COST = 2
SCALAR_COST = 1
FRAGMENT_SPREAD_COST = 1
#: Nesting below which cost and directive counts stop looking; deeper documents
#: are refused by the depth limit (or are introspection, bounded on its own).
_MAX_WALK = 64


# ---------------------------------------------------------------------------
# Parser limits


class MaxSourceLengthLimiter(SchemaExtension):
    """Refuse query texts longer than ``max_length`` before they are lexed.

    One huge string literal or comment is a single token, so the token limit
    does not catch it; graphql-core's ``max_source_length`` does.
    """

    def __init__(self, max_length: int = MAX_SOURCE_LENGTH) -> None:
        self.max_length = max_length

    def on_operation(self) -> Iterator[None]:
        """Pass the limit to the parser."""
        options: dict[str, Any] = self.execution_context.parse_options  # type: ignore[assignment]
        options["max_source_length"] = self.max_length
        yield


# ---------------------------------------------------------------------------
# Query cost


class QueryCostLimiter(SchemaExtension):
    """Refuse operations whose cost (see ``query_cost``) exceeds ``max_cost``.

    Runs before the validation rules, with the request's variables, and sets the
    error as the validation result so that no rule (and no resolver) runs.
    """

    def __init__(self, max_cost: int = MAX_COST) -> None:
        self.max_cost = max_cost

    def on_validate(self) -> Iterator[None]:
        """Compute the cost of the parsed document and refuse it if too high."""
        context = self.execution_context
        document = context.graphql_document
        if context.pre_execution_errors is None and document is not None:
            cost = query_cost(context.schema._schema, document, context.variables)
            if cost > self.max_cost:
                context.pre_execution_errors = [
                    GraphQLError(f"Query cost {cost} exceeds limit {self.max_cost}.")
                ]
        yield


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """The cost of every operation in ``document``, summed.

    Each selected scalar costs 1, each selected object 2 and each fragment
    spread 1 (GraphQL Armor's weights). What is selected inside a list costs
    that much per item: the page size for fields with ``first``/``last`` (the
    argument, the variable's value, or the field's default, kept within 1..100),
    20 for other lists of entities (types implementing ``Node``), and 1 for
    lists of embedded values (addresses, opening hours), which come with their
    parent document. The lists of a connection (``edges``, ``nodes``) count once,
    since the connection's page size already multiplies them.
    """
    total = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            total += _CostWalk(schema, document, variables or {}, definition).run()
    return total


class _CostWalk:
    """One operation's cost; each fragment is costed once and then reused."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any],
        operation: OperationDefinitionNode,
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.fragments = _fragments(document)
        self.variables = dict(variables)
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and definition.default_value is not None:
                default = definition.default_value
                if isinstance(default, IntValueNode):
                    self.variables[name] = int(default.value)
        self.costs: dict[str, int] = {}
        self.entered: set[str] = set()

    def run(self) -> int:
        root = self.schema.get_root_type(self.operation.operation)
        return self.selections(self.operation.selection_set, root, 0)

    def selections(
        self, selection_set: SelectionSetNode, parent: Any, level: int
    ) -> int:
        if level > _MAX_WALK:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, level)
            elif isinstance(selection, InlineFragmentNode):
                condition = self.type_of(selection.type_condition) or parent
                total += self.selections(selection.selection_set, condition, level)
            elif isinstance(selection, FragmentSpreadNode):
                total += FRAGMENT_SPREAD_COST + self.fragment(
                    selection.name.value, level
                )
        return total

    def fragment(self, name: str, level: int) -> int:
        if name in self.costs:
            return self.costs[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.entered:
            return 0  # unknown or cyclic: validation reports it
        self.entered.add(name)
        condition = self.type_of(definition.type_condition)
        cost = self.selections(definition.selection_set, condition, level)
        self.entered.discard(name)
        self.costs[name] = cost
        return cost

    def field(self, node: FieldNode, parent: Any, level: int) -> int:
        if node.selection_set is None:
            return SCALAR_COST
        definition = _field_definition(self.schema, parent, node.name.value)
        if definition is None:  # unknown field: validation reports it
            return OBJECT_COST + self.selections(node.selection_set, None, level + 1)
        size = self.page_size(node, definition, parent)
        inner = self.selections(
            node.selection_set, get_named_type(definition.type), level + 1
        )
        return OBJECT_COST + size * inner

    def page_size(self, node: FieldNode, definition: GraphQLField, parent: Any) -> int:
        paging = [name for name in ("first", "last") if name in definition.args]
        if paging:
            given = {arg.name.value: arg.value for arg in node.arguments or ()}
            names = [name for name in paging if name in given] or paging
            sizes = [
                self.int_value(given.get(name), definition.args[name].default_value)
                for name in names
            ]
            return min(max(max(sizes), 1), MAX_PAGE_SIZE)
        if _is_connection(parent):
            return 1
        if is_list_type(get_nullable_type(definition.type)) and _is_entity(
            get_named_type(definition.type)
        ):
            return DEFAULT_PAGE_SIZE
        return 1

    def int_value(self, value: Any, default: Any) -> int:
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            given = self.variables.get(value.name.value)
            if isinstance(given, int) and not isinstance(given, bool):
                return given
        if isinstance(default, int) and not isinstance(default, bool):
            return default
        return DEFAULT_PAGE_SIZE

    def type_of(self, node: NamedTypeNode | None) -> GraphQLNamedType | None:
        return self.schema.get_type(node.name.value) if node is not None else None


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def _field_definition(
    schema: GraphQLSchema, parent: Any, name: str
) -> GraphQLField | None:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if parent is not None and parent is schema.query_type:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
    if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
        return parent.fields.get(name)
    return None


def _is_connection(parent: Any) -> bool:
    return isinstance(parent, GraphQLObjectType) and "pageInfo" in parent.fields


def _is_entity(named: GraphQLNamedType) -> bool:
    if isinstance(named, GraphQLInterfaceType):
        return named.name == "Node"
    if isinstance(named, GraphQLObjectType):
        return any(interface.name == "Node" for interface in named.interfaces)
    return False


# ---------------------------------------------------------------------------
# Directives


class MaxDirectivesLimiter(AddValidationRules):
    """Refuse documents with more than ``max_directives`` directives.

    Counted as the operations expand their fragments, like ``MaxAliasesLimiter``.
    """

    def __init__(self, max_directives: int = MAX_DIRECTIVES) -> None:
        super().__init__([_directives_rule(max_directives)])


def _directives_rule(limit: int) -> type[ValidationRule]:
    class MaxDirectivesRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            count = count_directives(context.document)
            if count > limit:
                context.report_error(
                    GraphQLError(f"{count} directives found. Allowed: {limit}")
                )

    return MaxDirectivesRule


def count_directives(document: DocumentNode) -> int:
    """The directives of every operation in ``document``, fragments expanded."""
    fragments = _fragments(document)
    counts: dict[str, int] = {}
    entered: set[str] = set()

    def in_set(selection_set: SelectionSetNode | None, level: int) -> int:
        if selection_set is None or level > _MAX_WALK:
            return 0
        total = 0
        for selection in selection_set.selections:
            total += len(selection.directives or ())
            if isinstance(selection, FragmentSpreadNode):
                total += in_fragment(selection.name.value, level)
            else:
                total += in_set(selection.selection_set, level + 1)
        return total

    def in_fragment(name: str, level: int) -> int:
        if name not in counts:
            definition = fragments.get(name)
            if definition is None or name in entered:
                return 0
            entered.add(name)
            counts[name] = len(definition.directives or ()) + in_set(
                definition.selection_set, level
            )
            entered.discard(name)
        return counts[name]

    return sum(
        len(definition.directives or ()) + in_set(definition.selection_set, 0)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    )


# ---------------------------------------------------------------------------
# Introspection


class IntrospectionDepthLimiter(AddValidationRules):
    """graphql-core's ``MaxIntrospectionDepthRule``: at most 3 nested lists.

    It is one of graphql-core's recommended rules, which Strawberry does not add.
    """

    def __init__(self) -> None:
        super().__init__([MaxIntrospectionDepthRule])


_production: ContextVar[bool] = ContextVar("visitplan_production", default=False)


@contextlib.contextmanager
def production_rules() -> Iterator[None]:
    """Apply the production-only rules to the operations run inside this block.

    The HTTP view of a production server wraps each request in it. A flag for the
    request, rather than a second schema: ``relay.node()`` fields cannot be
    shared by two ``strawberry.Schema`` builds.
    """
    token = _production.set(True)
    try:
        yield
    finally:
        _production.reset(token)


class DisableIntrospectionInProduction(SchemaExtension):
    """Strawberry's ``DisableIntrospection`` rule, for production requests only."""

    def on_operation(self) -> Iterator[None]:
        """Add ``NoSchemaIntrospectionCustomRule`` when in production."""
        if _production.get():
            context = self.execution_context
            context.validation_rules = (
                *context.validation_rules,
                NoSchemaIntrospectionCustomRule,
            )
        yield


_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def without_suggestions(message: str) -> str:
    """``message`` without graphql-core's "Did you mean ...?" hints.

    Covers fields, arguments, types, enum values and input fields; Strawberry's
    ``disable_field_suggestions`` covers only fields and applies to every request
    of a schema.
    """
    return _SUGGESTION.sub("", message)


#: The limits every request gets, as factories (threat 38: nothing shared).
SCHEMA_EXTENSIONS = (
    partial(MaxSourceLengthLimiter, MAX_SOURCE_LENGTH),
    partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
    partial(QueryCostLimiter, MAX_COST),
    partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
    partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
    partial(MaxDirectivesLimiter, MAX_DIRECTIVES),
    IntrospectionDepthLimiter,
    DisableIntrospectionInProduction,
)
