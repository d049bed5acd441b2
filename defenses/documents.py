"""Parsing and validating each distinct document once, not on every request.

Parsing and validation depend on the query text alone (and on the schema and its
rules), never on the variables, yet they were most of a small request's own
cost: about 9 ms to validate the "my day" query on every request. Two
extensions take that away:

* ``ReuseParsed`` keeps the parsed document of each recent text, keyed by the
  text and the parser's limits (tokens and source length). Parsing itself stays
  Strawberry's, with its own error handling (a subscription that does not parse
  closes its socket as before); a text refused while parsing is parsed, and
  refused, again every time: failures are not kept.
* ``SkipValidated`` keeps the texts that passed validation, with the names of the
  rules they passed (production adds one), per schema. A text seen valid under
  the same rules skips graphql-core's validation; any other is validated as
  before, and documents with errors are never kept, so their errors are always
  the request's own.

The limits that read the request's variables (list lengths, query cost) still
run on every request before validation: a document's cost can change with
``first``. Both caches are bounded and least-recently-used, so a flood of
distinct texts only evicts (each such text costs what it cost without them).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from functools import partial
from typing import Any, Generic, TypeVar

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

#: Distinct query texts each cache keeps.
MAX_DOCUMENTS = 1024


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """A mapping of at most ``maxsize`` entries; the least recently used go first."""

    def __init__(self, maxsize: int = MAX_DOCUMENTS) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value of ``key`` (now the most recently used), or ``None``."""
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def __len__(self) -> int:
        return len(self._items)

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` under ``key``, forgetting the least recently used past
        ``maxsize``."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.maxsize:
            self._items.popitem(last=False)


ParseKey = tuple[str, tuple[tuple[str, Any], ...]]
ValidKey = tuple[str, tuple[str, ...]]


class ReuseParsed(SchemaExtension):
    """Hand Strawberry the document parsed before from the same text and limits;
    keep the one it parses now."""

    def __init__(self, parsed: Recent[ParseKey, DocumentNode]) -> None:
        self.parsed = parsed

    def on_parse(self) -> Iterator[None]:
        """Set a known text's document before parsing; keep a new one after."""
        context = self.execution_context
        key = None
        if context.query is not None and context.graphql_document is None:
            key = (context.query, tuple(sorted(context.parse_options.items())))
            known = self.parsed.get(key)
            if known is not None:
                context.graphql_document = known
                key = None
        yield
        if key is not None and context.graphql_document is not None:
            self.parsed.put(key, context.graphql_document)


class SkipValidated(SchemaExtension):
    """Skip validation for a text that passed the same rules before.

    Runs after every other limit's ``on_validate``: when one of them has refused
    the request (``pre_execution_errors`` set), nothing is looked up or kept.
    """

    def __init__(self, valid: Recent[ValidKey, bool]) -> None:
        self.valid = valid

    def on_validate(self) -> Iterator[None]:
        """Mark a known valid text as validated; remember a newly valid one."""
        context = self.execution_context
        key = None
        if (
            context.pre_execution_errors is None
            and context.query is not None
            and context.graphql_document is not None
        ):
            key = (context.query, tuple(_name(r) for r in context.validation_rules))
            if self.valid.get(key):
                context.pre_execution_errors = []
                key = None
        yield
        if key is not None and context.pre_execution_errors == []:
            self.valid.put(key, True)


def _name(rule: Any) -> str:
    return f"{rule.__module__}.{rule.__qualname__}"


def document_extensions(
    maxsize: int = MAX_DOCUMENTS,
) -> tuple[partial[ReuseParsed], partial[SkipValidated]]:
    """The parse and validation caches of one schema, as factories: the parse
    cache goes first, the validation one after every other limit."""
    return partial(ReuseParsed, Recent(maxsize)), partial(
        SkipValidated, Recent(maxsize)
    )
