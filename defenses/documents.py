"""Parsing and validating each distinct document once, not on every request.

Parsing and validation depend on the query text alone (and on the schema and its
rules), never on the variables, yet they were most of a small request's own
cost: about 9 ms to validate the "my day" query on every request. Two
extensions take that away:

* Strawberry's ``ParserCache`` keeps the parsed document of each recent text,
  keyed by the text and the parser's limits (tokens and source length), so a
  text refused while parsing is refused again every time: failures are not kept.
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
from collections.abc import Iterator
from functools import partial
from typing import Any

from strawberry.extensions import ParserCache, SchemaExtension

#: Distinct query texts each cache keeps.
MAX_DOCUMENTS = 1024


class ValidDocuments:
    """The query texts that passed validation, each with its rules' names."""

    def __init__(self, maxsize: int = MAX_DOCUMENTS) -> None:
        self.maxsize = maxsize
        self._known: OrderedDict[tuple[str, tuple[str, ...]], None] = OrderedDict()

    def __contains__(self, key: tuple[str, tuple[str, ...]]) -> bool:
        if key not in self._known:
            return False
        self._known.move_to_end(key)
        return True

    def __len__(self) -> int:
        return len(self._known)

    def add(self, key: tuple[str, tuple[str, ...]]) -> None:
        """Remember ``key``, forgetting the least recently used past ``maxsize``."""
        self._known[key] = None
        self._known.move_to_end(key)
        while len(self._known) > self.maxsize:
            self._known.popitem(last=False)


class SkipValidated(SchemaExtension):
    """Skip validation for a text that passed the same rules before.

    Runs after every other limit's ``on_validate``: when one of them has refused
    the request (``pre_execution_errors`` set), nothing is looked up or kept.
    """

    def __init__(self, valid: ValidDocuments) -> None:
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
            if key in self.valid:
                context.pre_execution_errors = []
                key = None
        yield
        if key is not None and context.pre_execution_errors == []:
            self.valid.add(key)


def _name(rule: Any) -> str:
    return f"{rule.__module__}.{rule.__qualname__}"


def document_extensions(
    maxsize: int = MAX_DOCUMENTS,
) -> tuple[partial[ParserCache], partial[SkipValidated]]:
    """The parse and validation caches of one schema, as factories: the parse
    cache goes first, the validation one after every other limit."""
    return partial(ParserCache, maxsize=maxsize), partial(
        SkipValidated, ValidDocuments(maxsize)
    )
