"""Keep what a client sends from flooding the server's log.

Strawberry logs every GraphQL error as ``str(error)``, which prints the source
line of each location; a long one-line query is printed up to the error's
column, so one rejected 20 KB query could write 20 KB to the log. The filter
logs a shortened message with line and column numbers instead; tracebacks of
unexpected errors stay.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError

#: Characters of an error message kept in the log.
MAX_LOGGED_MESSAGE = 500


def shorten(text: str, limit: int = MAX_LOGGED_MESSAGE) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


class BoundedGraphQLErrors(logging.Filter):
    """Rewrite records whose message is a ``GraphQLError`` to a bounded line."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the message; never drop the record."""
        error = record.msg
        if isinstance(error, GraphQLError):
            where = ", ".join(
                f"{location.line}:{location.column}"
                for location in (error.locations or ())[:5]
            )
            record.msg = "%s (at %s, path %s)"
            record.args = (
                shorten(error.message),
                where or "-",
                shorten(str(error.path), 200),
            )
        return True


def install() -> None:
    """Add the filter to Strawberry's error logger, once."""
    logger = logging.getLogger("strawberry.execution")
    if not any(isinstance(f, BoundedGraphQLErrors) for f in logger.filters):
        logger.addFilter(BoundedGraphQLErrors())
