"""What one GraphQL document may ask for, checked before any resolver runs.

Every limit is a Strawberry schema extension given to ``strawberry.Schema`` as a
class or a factory, so each request gets fresh instances and no state is shared
between concurrent requests. docs/security.md explains each number.

The checks run in this order: the source length and token count while parsing
(each distinct text is parsed once, ``defenses.documents``);
the length of every list argument (``defenses.inputs``), then the query cost,
just before validation (it walks fragments once each, so a
document that reuses fragments exponentially is refused before the validation
rules expand it); then, as validation rules, depth, aliases, directives and
introspection depth, plus introspection itself in production (each distinct
text is validated once per set of rules).
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
    NamedTypeNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    Undefined,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    value_from_ast_untyped,
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

from defenses.bounds import DOCUMENTS, LIST_BOUNDS, Argument, Items
from defenses.documents import document_extensions
from defenses.inputs import ListInputLimiter

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
#: Query cost (see ``query_cost``): about 5,000 stored documents with an object
#: or two each. The README's nearby query at 100 customers a page costs 6,101.
MAX_COST = 10_000
#: Items a list without a declared bound is assumed to hold (a test makes every
#: list declare one in ``defenses.bounds``).
DEFAULT_PAGE_SIZE = 20
#: The largest page resolvers accept; larger requests are refused by them.
MAX_PAGE_SIZE = 100

#: Every object an answer can hold (Shopify's and IBM's cost directive's weight).
OBJECT_COST = 1
#: On top, every stored document (``defenses.bounds.DOCUMENTS``): each is read
#: from the store, where the work of an answer lies.
DOCUMENT_COST = 1
#: Scalars and enums are values of an object already built (0, as Shopify,
#: GitHub and the IBM cost directive count them); lists of them are bounded by
#: what a document may hold when it is written.
SCALAR_COST = 0
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
        options = self.execution_context.parse_options
        # Strawberry's ParseOptions names only max_tokens, but every key reaches
        # graphql-core's parse(), which takes max_source_length too.
        options["max_source_length"] = self.max_length  # type: ignore[typeddict-unknown-key]
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

    Each selected object field costs ``OBJECT_COST`` and each fragment spread
    ``FRAGMENT_SPREAD_COST``; scalars cost nothing. What is selected inside a
    list costs that much per item, and each item that is a stored document
    (``defenses.bounds.DOCUMENTS``) costs ``DOCUMENT_COST`` more. Every list
    field declares how many items it counts in ``defenses.bounds.LIST_BOUNDS``:
    the value of an argument (``first``, ``last``, ``limit``, ``period.count``:
    the literal, the variable's value, or the default, kept within the most the
    resolver accepts), or a fixed number. Root connections count their
    ``first``/``last`` (1..100) the same way.
    """
    total = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            total += _CostWalk(schema, document, variables or {}, definition).run()
    return total


#: Fields whose arguments size lists further down (``Argument.owner``).
_OWNERS = frozenset(
    b.owner for b in LIST_BOUNDS.values() if isinstance(b, Argument) and b.owner
)
#: The owner fields above a selection: name -> (node, definition).
_Scope = dict[str, tuple[FieldNode, GraphQLField]]


class _CostWalk:
    """One operation's cost; each fragment is costed once per scope and reused."""

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
                self.variables[name] = value_from_ast_untyped(definition.default_value)
        self.costs: dict[tuple[str, tuple[int, ...]], int] = {}
        self.entered: set[str] = set()

    def run(self) -> int:
        root = self.schema.get_root_type(self.operation.operation)
        return self.selections(self.operation.selection_set, root, 0, {})

    def selections(
        self, selection_set: SelectionSetNode, parent: Any, level: int, scope: _Scope
    ) -> int:
        if level > _MAX_WALK:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, level, scope)
            elif isinstance(selection, InlineFragmentNode):
                condition = self.type_of(selection.type_condition) or parent
                total += self.selections(
                    selection.selection_set, condition, level, scope
                )
            elif isinstance(selection, FragmentSpreadNode):
                total += FRAGMENT_SPREAD_COST + self.fragment(
                    selection.name.value, level, scope
                )
        return total

    def fragment(self, name: str, level: int, scope: _Scope) -> int:
        key = (name, tuple(id(node) for node, _ in scope.values()))
        if key in self.costs:
            return self.costs[key]
        definition = self.fragments.get(name)
        if definition is None or name in self.entered:
            return 0  # unknown or cyclic: validation reports it
        self.entered.add(name)
        condition = self.type_of(definition.type_condition)
        cost = self.selections(definition.selection_set, condition, level, scope)
        self.entered.discard(name)
        self.costs[key] = cost
        return cost

    def field(self, node: FieldNode, parent: Any, level: int, scope: _Scope) -> int:
        definition = _field_definition(self.schema, parent, node.name.value)
        if definition is None:  # unknown field: validation reports it
            if node.selection_set is None:
                return SCALAR_COST
            inner = self.selections(node.selection_set, None, level + 1, scope)
            return OBJECT_COST + inner
        size = self.items(node, definition, parent, scope)
        if node.selection_set is None:
            return size * SCALAR_COST
        if node.name.value in _OWNERS:
            scope = {**scope, node.name.value: (node, definition)}
        kind = get_named_type(definition.type)
        inner = self.selections(node.selection_set, kind, level + 1, scope)
        if kind.name in DOCUMENTS:
            inner += DOCUMENT_COST
        return OBJECT_COST + size * inner

    def items(
        self, node: FieldNode, definition: GraphQLField, parent: Any, scope: _Scope
    ) -> int:
        """How many times the field's selection counts (1 for a single value)."""
        name = getattr(parent, "name", "")
        if name.startswith("__"):
            return 1  # introspection: bounded by its own depth rule
        bound = LIST_BOUNDS.get(f"{name}.{node.name.value}")
        if isinstance(bound, Items):
            return bound.count
        if isinstance(bound, Argument):
            owner = (node, definition)
            if bound.owner is not None:
                if bound.owner not in scope:
                    return bound.maximum
                owner = scope[bound.owner]
            return self.argument(bound, *owner)
        paging = [arg for arg in ("first", "last") if arg in definition.args]
        if paging:
            given = {arg.name.value for arg in node.arguments or ()}
            names = [arg for arg in paging if arg in given] or paging
            return max(
                self.argument(Argument(arg, MAX_PAGE_SIZE), node, definition)
                for arg in names
            )
        if is_list_type(get_nullable_type(definition.type)):
            return DEFAULT_PAGE_SIZE  # undeclared: the schema test reports it
        return 1

    def argument(
        self, bound: Argument, node: FieldNode, definition: GraphQLField
    ) -> int:
        """The value of ``bound.name`` on ``node``, within 1..``bound.maximum``.

        A value left out (or a variable not sent) takes the schema's default;
        one that cannot be known here counts as the maximum.
        """
        head, *rest = bound.name.split(".")
        arg = definition.args.get(head)
        given = {a.name.value: a.value for a in node.arguments or ()}
        value = self.literal(given[head]) if head in given else Undefined
        if value is Undefined and arg is not None:
            value = arg.default_value
        arg_type: Any = get_named_type(arg.type) if arg is not None else None
        for part in rest:
            field = getattr(arg_type, "fields", {}).get(part)
            inner = value.get(part, Undefined) if isinstance(value, Mapping) else None
            if inner is Undefined and field is not None:
                inner = field.default_value
            value = inner
            arg_type = get_named_type(field.type) if field is not None else None
        if not isinstance(value, int) or isinstance(value, bool):
            return bound.maximum
        return min(max(value, 1), bound.maximum)

    def literal(self, value: ValueNode) -> Any:
        if isinstance(value, VariableNode):
            return self.variables.get(value.name.value, Undefined)
        return value_from_ast_untyped(value, self.variables)

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
            elif isinstance(selection, FieldNode | InlineFragmentNode):
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


_parsed, _validated = document_extensions()

#: The limits every request gets, as factories (threat 38: nothing shared but
#: the documents parsed and found valid, ``defenses.documents``); the cache of
#: valid documents comes last, after every limit that may refuse the request.
SCHEMA_EXTENSIONS = (
    _parsed,
    partial(MaxSourceLengthLimiter, MAX_SOURCE_LENGTH),
    partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
    ListInputLimiter,
    partial(QueryCostLimiter, MAX_COST),
    partial(QueryDepthLimiter, max_depth=MAX_DEPTH),
    partial(MaxAliasesLimiter, max_alias_count=MAX_ALIASES),
    partial(MaxDirectivesLimiter, MAX_DIRECTIVES),
    IntrospectionDepthLimiter,
    DisableIntrospectionInProduction,
    _validated,
)
