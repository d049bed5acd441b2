"""Log filters that keep request variables and secrets out of the server log.

GraphQL variable errors quote the value that was sent ("Variable '$s' got invalid
value ..."), and uvicorn's access log writes the whole path, query string (a GET
query with its variables) included, and a calendar feed's path holds its secret
token. All of them are cut here before a handler sees them.
"""

from __future__ import annotations

import logging
import re

from graphql import GraphQLError

_VARIABLE = re.compile(r"^(Variable '\$\w+')(.*)$", re.DOTALL)
#: Paths whose rest is a secret: a calendar feed's token (any spelling a client
#: may try, so that a mistyped address does not log a real token either).
_SECRET_PATH = re.compile(r"(/calendar/)[^?#]*", re.IGNORECASE)
REDACTED_SEGMENT = "[redacted]"


def is_variable_error(message: str) -> bool:
    """Whether ``message`` is graphql-core's complaint about a variable's value."""
    return _VARIABLE.match(message) is not None


def without_values(message: str) -> str:
    """A variable error's message without the value it quotes."""
    match = _VARIABLE.match(message)
    return f"{match.group(1)} has an invalid value (not logged)" if match else message


class RedactedVariables(logging.Filter):
    """Drop the values quoted by variable errors from Strawberry's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record; never drop it."""
        if isinstance(record.msg, GraphQLError):
            if _VARIABLE.match(record.msg.message):
                # The coercion traceback quotes the value too.
                record.exc_info = record.exc_text = None
            record.msg.message = without_values(record.msg.message)
        elif isinstance(record.msg, str):
            record.msg = without_values(record.msg)
            if record.args and isinstance(record.args, tuple):
                record.args = tuple(
                    without_values(a) if isinstance(a, str) else a for a in record.args
                )
        return True


def redacted_path(path: str) -> str:
    """``path`` as the log may show it: no query string, no feed token."""
    return _SECRET_PATH.sub(rf"\g<1>{REDACTED_SEGMENT}", path.split("?", 1)[0])


class PathWithoutQuery(logging.Filter):
    """Write the access log's request path without its query string or secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Cut ``?...`` and feed tokens from the path argument; never drop the
        record."""
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            path = record.args[2]
            if isinstance(path, str):
                args = list(record.args)
                args[2] = redacted_path(path)
                record.args = tuple(args)
        return True


def install() -> None:
    """Add the filters to Strawberry's error log and uvicorn's access log, once."""
    for name, kind in (
        ("strawberry.execution", RedactedVariables),
        ("uvicorn.access", PathWithoutQuery),
    ):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            # First, so later filters see the redacted record.
            logger.filters.insert(0, kind())
