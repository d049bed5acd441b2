"""The one place where a refusal becomes an API error.

* Mutations return a union of their payload and ``MutationError``, every error
  type, so a resolver can never raise an error its union lacks.
* ``EXCEPTION_HANDLERS`` (Strawberry's ``exception_handlers``) turn the
  ``DomainError`` a mutation raises into the matching member of its union.
* ``top_level`` turns every other refusal a client caused (a domain error in a
  query, a missing credential, a forbidden field, a malformed id) into a
  top-level error with ``extensions.code``; ``is_client_error`` tells those
  apart from faults, which alone are logged and masked.
"""

from __future__ import annotations

from typing import Any, get_args

from graphql import GraphQLError
from strawberry.relay import GlobalIDValueError, InvalidGlobalIDError

import log_privacy
from resolvers.access import Forbidden, Unauthenticated
from resolvers.auth import RateLimited
from resolvers.errors import DomainError, TransitionRefused
from resolvers.plans import PlanLimitReached
from schema.base import (
    ConflictError,
    Error,
    ErrorCode,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)

#: Every error type a mutation may return; each result union names them all,
#: ``Annotated[Payload | MutationError, strawberry.union("...Result")]``.
MutationError = ValidationError | NotFoundError | ConflictError | InvalidTransitionError
ERRORS: tuple[type[Error], ...] = get_args(MutationError)

#: ``ErrorCode`` -> the error type that carries it.
_TYPES: dict[ErrorCode, type[Error]] = {
    ErrorCode.VALIDATION: ValidationError,
    ErrorCode.NOT_FOUND: NotFoundError,
    ErrorCode.CONFLICT: ConflictError,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: ConflictError,
    ErrorCode.INVALID_TRANSITION: InvalidTransitionError,
}

#: Access refusals: always top-level, with these codes.
_REFUSALS: dict[type[Exception], str] = {
    Unauthenticated: "UNAUTHENTICATED",
    Forbidden: "FORBIDDEN",
    RateLimited: "RATE_LIMITED",
}


def to_error(exc: DomainError) -> Error:
    """The error type for a domain exception."""
    code = ErrorCode(exc.code)
    if isinstance(exc, TransitionRefused):
        return InvalidTransitionError(
            message=exc.message,
            code=code,
            field=exc.field,
            current_status=exc.current,
            requested_status=exc.requested,
        )
    return _TYPES[code](message=exc.message, code=code, field=exc.field)


class ToError:
    """Strawberry exception handler: a mutation's ``DomainError`` as a union member.

    One per error type, since Strawberry applies a handler only to fields whose
    return type contains its ``error_type``; every ``result`` union contains all.
    """

    exception_type = DomainError

    def __init__(self, error_type: type[Error]) -> None:
        self.error_type = error_type

    def handle(self, exception: DomainError, *, field: Any, info: Any) -> Error:
        """The union member for ``exception``."""
        return to_error(exception)


#: Registered on the schema; the first whose type the field's union holds wins,
#: and ``to_error`` picks the right member whichever it is.
EXCEPTION_HANDLERS = (ToError(ValidationError),)


def top_level(exc: BaseException) -> GraphQLError | None:
    """The coded top-level error for a refusal the client caused, else None."""
    if isinstance(exc, DomainError):
        return GraphQLError(
            exc.message, extensions={"code": exc.code, "field": exc.field}
        )
    if isinstance(exc, OverflowError):
        # Dates near the ends of the calendar overflow when the server adds
        # days to them.
        return GraphQLError(
            "a date or number is out of range", extensions={"code": "VALIDATION"}
        )
    if isinstance(exc, GlobalIDValueError | InvalidGlobalIDError):
        return GraphQLError(str(exc), extensions={"code": "VALIDATION"})
    if isinstance(exc, PlanLimitReached):
        extensions = {"code": "RATE_LIMITED", "scope": exc.scope, "limit": exc.limit}
        return GraphQLError(str(exc), extensions=extensions)
    for kind, code in _REFUSALS.items():
        if isinstance(exc, kind):
            return GraphQLError(str(exc), extensions={"code": code})
    return None


def shown(error: GraphQLError) -> GraphQLError:
    """``error`` with ``extensions.code`` if the client caused it, else unchanged."""
    if (error.extensions or {}).get("code"):
        return error
    coded = None
    if log_privacy.is_variable_error(error.message):
        # A variable of the wrong type, out of range, or required and left out.
        coded = GraphQLError(error.message, extensions={"code": "VALIDATION"})
    elif error.original_error is not None:
        coded = top_level(error.original_error)
    if coded is None:
        return error
    return GraphQLError(
        coded.message,
        nodes=error.nodes,
        path=error.path,
        extensions=coded.extensions,
    )


def with_document_code(error: GraphQLError) -> GraphQLError:
    """A parse or validation error (a limit included) with its code added.

    They are the client's too, but Strawberry still logs them (bounded, see
    defenses/logs.py), so the code is added only on the way out.
    """
    if error.original_error is not None or (error.extensions or {}).get("code"):
        return error
    syntax = error.message.startswith("Syntax Error")
    code = "GRAPHQL_PARSE_FAILED" if syntax else "GRAPHQL_VALIDATION_FAILED"
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        path=error.path,
        extensions={**(error.extensions or {}), "code": code},
    )


def is_client_error(error: GraphQLError) -> bool:
    """Whether the client caused ``error`` (bad query, refused input, no access).

    Errors without an original exception come from parsing or validating the
    document; the rest are the client's only if ``shown`` gives them a code.
    """
    return error.original_error is None or bool(
        (shown(error).extensions or {}).get("code")
    )
