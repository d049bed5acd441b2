"""What every domain of the schema shares: Info, errors, ids, connections, inputs."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry import relay
from strawberry.types.base import StrawberryObjectDefinition

from models.common import GeoPoint as GeoPointModel
from models.common import Weekday as WeekdayModel
from resolvers import access
from resolvers.context import Context
from resolvers.errors import Invalid
from resolvers.pagination import Page

Info = strawberry.Info[Context, None]
T = TypeVar("T")


@strawberry.enum(description="Why a mutation was refused.")
class ErrorCode(enum.Enum):
    VALIDATION = strawberry.enum_value(
        "VALIDATION", description="The input breaks a rule (ValidationError)."
    )
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND",
        description="A referenced object does not exist or you may not see it "
        "(NotFoundError).",
    )
    CONFLICT = strawberry.enum_value(
        "CONFLICT",
        description="A stale revision, or a clash with another object (ConflictError).",
    )
    INVALID_TRANSITION = strawberry.enum_value(
        "INVALID_TRANSITION",
        description="The status change is not allowed (InvalidTransitionError).",
    )
    IDEMPOTENCY_KEY_REUSED = strawberry.enum_value(
        "IDEMPOTENCY_KEY_REUSED",
        description="The idempotency key was used before with other input.",
    )


@strawberry.interface(
    description="A refusal the client can act on; nothing was written."
)
class Error:
    message: str = strawberry.field(description="What went wrong, in plain words.")
    code: ErrorCode = strawberry.field(description="Machine-readable reason.")
    field: str | None = strawberry.field(
        description="The input field at fault, as a dotted camelCase path, if any."
    )


@strawberry.type(description="The input breaks a rule (range, format, required value).")
class ValidationError(Error):
    pass


@strawberry.type(description="A referenced object does not exist.")
class NotFoundError(Error):
    pass


@strawberry.type(
    description="The object changed since it was read (send the current revision), "
    "or the change clashes with another object."
)
class ConflictError(Error):
    pass


@strawberry.type(
    description="The status change is not allowed from the current status."
)
class InvalidTransitionError(Error):
    current_status: str = strawberry.field(description="The status the object is in.")
    requested_status: str = strawberry.field(
        description="The status that was asked for."
    )


async def attempt(call: Awaitable[T], payload: Callable[[T], Any]) -> Any:
    """Run a resolver and wrap its result in ``payload``.

    A ``DomainError`` it raises becomes a member of the mutation's union through
    the schema's exception handlers (``schema.errors``), the only mapping.
    """
    return payload(await call)


async def upserting(
    info: Info,
    inp: Any,
    upsert: Callable[[Context, Any, str | None, dict[str, Any]], Awaitable[T]],
    data: Callable[[], dict[str, Any]],
    payload: Callable[[T], Any],
) -> Any:
    """Run an upsert resolver on an upsert input (``externalId``,
    ``expectedRevision`` and the fields ``data`` gives) and wrap its outcome."""

    async def run() -> T:
        key = inp.external_id.to_data()
        return await upsert(info.context, key, inp.expected_revision, data())

    return await attempt(run(), payload)


def raw_id(gid: relay.GlobalID | str, type_name: str, field: str) -> str:
    """The database id inside a global id, refusing an id of another type."""
    if isinstance(gid, str):
        try:
            gid = relay.GlobalID.from_id(gid)
        except Exception:
            raise Invalid(f"{field}: {gid!r} is not a valid id", field=field) from None
    if gid.type_name != type_name:
        raise Invalid(
            f"{field}: expected a {type_name} id, got a {gid.type_name} id", field=field
        )
    return gid.node_id


def raw_ids(
    gids: Sequence[relay.GlobalID] | None, type_name: str, field: str
) -> list[str] | None:
    """``raw_id`` over a list, keeping ``None``."""
    return None if gids is None else [raw_id(g, type_name, field) for g in gids]


def given(value: Any) -> bool:
    """Whether an optional input value was sent."""
    return value is not strawberry.UNSET


def to_data(value: Any) -> Any:
    """Turn Strawberry input objects into plain data for the models (snake_case keys).

    Fields that were not sent are left out, so the result suits partial updates.
    """
    if hasattr(value, "to_data"):
        return value.to_data()
    if isinstance(value, relay.GlobalID):
        return value.node_id
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [to_data(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_data(getattr(value, f.name))
            for f in dataclasses.fields(value)
            # The idempotency key belongs to the request, not to the data.
            if getattr(value, f.name) is not strawberry.UNSET
            and f.name != "idempotency_key"
        }
    return value


Weekday = Annotated[WeekdayModel, strawberry.enum(description="Day of the week.")]
WEEKDAY_VALUES = {
    "MONDAY": "Monday (ISO weekday 1).",
    "TUESDAY": "Tuesday.",
    "WEDNESDAY": "Wednesday.",
    "THURSDAY": "Thursday.",
    "FRIDAY": "Friday.",
    "SATURDAY": "Saturday.",
    "SUNDAY": "Sunday (ISO weekday 7).",
}

#: The paging arguments of every list.
PAGE_SIZE = "Page size: 1 to 100 items (default 20)."
PAGE_AFTER = (
    "Start after the item with this cursor (an edge's cursor or "
    "pageInfo.endCursor); null starts at the first item."
)
First = Annotated[int | None, strawberry.argument(description=PAGE_SIZE)]
After = Annotated[str | None, strawberry.argument(description=PAGE_AFTER)]

#: The description of every object's ``stamp``.
STAMP = "Who created and last changed the object, and when."

#: The description of ``revision`` in inputs that change an object.
REVISION = "The revision read; a stale one is refused (CONFLICT). Null skips the check."

_SYSTEM = (
    "The partner's system: a lowercase letter, then up to 31 lowercase letters, "
    "digits, _ or - (salesforce, zoho, dynamics, hubspot)."
)
_EXTERNAL = "The object's id in that system, 1 to 255 characters."


@strawberry.type(
    description="The id a partner's system (a CRM) gives an object; one per "
    "system, and unique among the objects of its kind. Its id is not a global "
    "id: Apollo Client needs typePolicies {ExternalId: {keyFields: false}}."
)
class ExternalId:
    system: str = strawberry.field(description=_SYSTEM)
    id: str = strawberry.field(description=_EXTERNAL)

    @classmethod
    def from_models(cls, ids: Sequence[Any]) -> list[ExternalId]:
        """Convert stored external ids."""
        return [cls(system=e.system, id=e.id) for e in ids]


@strawberry.input(description="An object's id in a partner's system (a CRM).")
class ExternalIdInput:
    system: str = strawberry.field(description=_SYSTEM)
    id: str = strawberry.field(description=_EXTERNAL)

    def to_data(self) -> dict[str, str]:
        """As the model's data."""
        return {"system": self.system, "id": self.id}


#: The arguments every look-up of one object by id takes.
LookupId = Annotated[
    relay.GlobalID | None,
    strawberry.argument(description="The object's global id; give this or externalId."),
]
LookupExternalId = Annotated[
    ExternalIdInput | None,
    strawberry.argument(
        description="The object's id in a partner's system; give this or id."
    ),
]


@strawberry.interface(description="What an upsert did.")
class UpsertOutcome:
    created: bool = strawberry.field(
        description="True: no object had the external id; the upsert created it."
    )
    changed: bool = strawberry.field(
        description="False: the object already was as sent; nothing was written "
        "and its revision stays."
    )


def upsert_payload(
    payload: Callable[..., T], field: str, convert: Callable[[Any], Any]
) -> Callable[[Any], T]:
    """Wraps an upsert's outcome (``resolvers.external_ids.Upserted``) in
    ``payload``, its object converted into the API type under ``field``."""

    def wrap(done: Any) -> T:
        return payload(
            **{field: convert(done.doc)}, created=done.created, changed=done.changed
        )

    return wrap


@strawberry.input(description="What every upsert is keyed by.")
class UpsertKeyInput:
    external_id: ExternalIdInput = strawberry.field(
        description="The object's id in the partner's system; it stays among its "
        "externalIds (replacing another id of the same system)."
    )
    expected_revision: str | None = strawberry.field(
        default=None,
        description="The revision read: the object must exist (NOT_FOUND) and "
        "still be at it (CONFLICT).",
    )


@strawberry.input(description="An upsert of an object that belongs to a customer.")
class UpsertOfCustomerInput(UpsertKeyInput):
    customer_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The customer (needed to create; the object stays with it).",
    )
    customer_external_id: ExternalIdInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="The customer by its id in the partner's system, instead of "
        "customerId.",
    )


#: The description of ``externalIds`` in inputs that create or change objects.
EXTERNAL_IDS = (
    "Ids in partners' systems, at most 10 and one per system; each is unique "
    "among objects of this kind (CONFLICT when another has it)."
)


@strawberry.type(description="A point on the map in WGS84 degrees.")
class GeoPoint:
    lat: float = strawberry.field(description="Latitude, -90 to 90.")
    lng: float = strawberry.field(description="Longitude, -180 to 180.")

    @classmethod
    def from_model(cls, p: GeoPointModel | None) -> GeoPoint | None:
        """Convert a stored GeoJSON point."""
        return None if p is None else cls(lat=p.lat, lng=p.lng)


@strawberry.input(description="A point on the map in WGS84 degrees.")
class GeoPointInput:
    lat: float = strawberry.field(description="Latitude, -90 to 90.")
    lng: float = strawberry.field(description="Longitude, -180 to 180.")

    def to_data(self) -> dict[str, Any]:
        """As a GeoJSON point, longitude first."""
        return {"type": "Point", "coordinates": [self.lng, self.lat]}

    def to_model(self, field: str) -> GeoPointModel:
        """As a validated point."""
        from resolvers.common import point

        return point(self.lat, self.lng, field)


@strawberry.type(description="A local time-of-day interval.")
class TimeRange:
    start: str = strawberry.field(description='Local start time, "HH:MM".')
    end: str = strawberry.field(
        description='Local end time, "HH:MM" ("24:00" allowed).'
    )


@strawberry.input(description="A local time-of-day interval; end after start.")
class TimeRangeInput:
    start: str = strawberry.field(description='Local start time, "HH:MM".')
    end: str = strawberry.field(
        description='Local end time, "HH:MM" ("24:00" allowed).'
    )


@strawberry.type(
    description="The hours of one weekday; gaps between intervals are breaks."
)
class DayHours:
    weekday: Weekday = strawberry.field(description="The weekday these hours are for.")
    intervals: list[TimeRange] = strawberry.field(description="Empty when closed.")

    @classmethod
    def from_models(cls, days: Sequence[Any]) -> list[DayHours]:
        """Convert stored weekly hours."""
        return [
            cls(
                weekday=d.weekday,
                intervals=[TimeRange(start=i.start, end=i.end) for i in d.intervals],
            )
            for d in days
        ]


@strawberry.input(description="The hours of one weekday; a weekday left out is closed.")
class DayHoursInput:
    weekday: Weekday = strawberry.field(description="The weekday these hours are for.")
    intervals: list[TimeRangeInput] = strawberry.field(
        description="At most a few per day."
    )


@strawberry.type(description="Who created and last changed an object, and when.")
class Stamp:
    created_at: datetime = strawberry.field(description="UTC.")
    updated_at: datetime = strawberry.field(description="UTC.")
    created_by: strawberry.Private[Any]
    updated_by: strawberry.Private[Any]

    @strawberry.field(description="Null for users you may not see.")
    def created_by_id(self, info: Info) -> strawberry.ID | None:
        return rep_gid(info, self.created_by)

    @strawberry.field(description="Null for users you may not see.")
    def updated_by_id(self, info: Info) -> strawberry.ID | None:
        return rep_gid(info, self.updated_by)

    @classmethod
    def from_model(cls, s: Any) -> Stamp:
        """Convert a stored stamp."""
        return cls(
            created_at=s.created_at,
            updated_at=s.updated_at,
            created_by=s.created_by,
            updated_by=s.updated_by,
        )


def rep_gid(info: Info, oid: Any) -> strawberry.ID | None:
    """The global id of the user ``oid``, if the caller may see that user."""
    return _rep_gid(access.shown_user(info.context.principal, oid))


def _rep_gid(oid: Any) -> strawberry.ID | None:
    return None if oid is None else strawberry.ID(str(relay.GlobalID("Rep", str(oid))))


# --- connections ---------------------------------------------------------------


@strawberry.type(description="An item of a page, with the cursor to page after it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque; pass as after to get the items that follow this one."
    )
    node: T = strawberry.field(description="The item.")


@strawberry.type(
    description="A page of results (at most 100), in Relay's connection form."
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(
        description="The items of this page with their cursors, in the list's order."
    )
    page_info: relay.PageInfo = strawberry.field(
        description="Whether more pages follow, and the cursors to fetch them."
    )
    count_all: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many items match, on all pages together.")
    async def total_count(self) -> int:
        return await self.count_all()

    @classmethod
    def of(cls, page: Page[Any], convert: Callable[[Any], T]) -> Connection[T]:
        """Wrap a page of documents, converting each into its API type."""
        edges = [
            Edge(cursor=relay.to_base64("offset", page.offset + n), node=convert(doc))
            for n, doc in enumerate(page.items)
        ]
        info = relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        )
        return cls(edges=edges, page_info=info, count_all=page.count)


def offset_after(after: str | None) -> int:
    """The offset of the item following cursor ``after``."""
    if after is None:
        return 0
    try:
        kind, raw = relay.from_base64(after)
        if kind != "offset":
            raise ValueError(kind)
        return int(raw) + 1
    except (ValueError, TypeError):
        raise Invalid(
            "after is not a cursor this list gave out", field="after"
        ) from None


def is_object_type(cls: type) -> bool:
    """Whether ``cls`` is a Strawberry object type (used by schema tests)."""
    return isinstance(
        getattr(cls, "__strawberry_definition__", None), StrawberryObjectDefinition
    )


async def one_of(
    info: Info,
    gid: relay.GlobalID | None,
    external_id: ExternalIdInput | None,
    type_name: str,
    by_id: Callable[[Context, str], Awaitable[Any]],
    model: type[Any],
) -> Any:
    """The object a look-up names by global id or by external id (give one).

    An id of another type, like an object the caller may not see, finds nothing.
    """
    from resolvers.external_ids import get_by_external_id

    if (gid is None) == (external_id is None):
        raise Invalid("give id or externalId, one of the two", field="externalId")
    if gid is not None:
        if gid.type_name != type_name:
            return None
        return await by_id(info.context, gid.node_id)
    assert external_id is not None
    return await get_by_external_id(info.context, model, external_id.to_data())


async def load_nodes(
    get: Callable[[Context, str], Awaitable[Any]],
    info: Info,
    node_ids: Any,
    convert: Callable[[Any], T],
) -> list[T | None]:
    """``node(id:)`` lookups, started together so the loaders batch them."""
    docs = await asyncio.gather(*(get(info.context, i) for i in node_ids))
    return [None if doc is None else convert(doc) for doc in docs]
