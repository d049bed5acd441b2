"""Domain exceptions raised by resolvers; schema/errors.py turns them into types."""

from __future__ import annotations

from pydantic import ValidationError


class DomainError(Exception):
    """An expected refusal a client can act on.

    Attributes:
        code: the machine-readable ``ErrorCode`` name.
        field: the input field at fault, in the API's camelCase, if one is.
    """

    code = "VALIDATION"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    """The input breaks a rule."""

    code = "VALIDATION"


class NotFound(DomainError):
    """A referenced object does not exist (or is not visible to the caller)."""

    code = "NOT_FOUND"


class Conflict(DomainError):
    """The object changed since the client read it, or clashes with another."""

    code = "CONFLICT"


class Stale(Conflict):
    """The object changed since the client (or the resolver) read it."""


class ExternalIdTaken(Conflict):
    """Another object of the collection already has that external id."""


class TransitionRefused(DomainError):
    """The requested status change is not allowed from the current status."""

    code = "INVALID_TRANSITION"

    def __init__(self, message: str, current: str, requested: str) -> None:
        super().__init__(message, field="status")
        self.current = current
        self.requested = requested


def camel(name: str) -> str:
    """``planned_start`` → ``plannedStart``, as the API spells it."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def from_validation(error: ValidationError, prefix: str = "") -> Invalid:
    """Turn pydantic's first complaint into an ``Invalid`` naming the field."""
    first = error.errors()[0]
    path = [camel(str(p)) for p in first.get("loc", ())]
    field = ".".join(([prefix] if prefix else []) + path) or prefix or None
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return Invalid(f"{field}: {message}" if field else message, field=field)
