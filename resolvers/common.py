"""Helpers every domain's resolvers share: ids, revisions, validated changes, geo."""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar

from beanie import Document, PydanticObjectId
from beanie.exceptions import DocumentNotFound
from bson.errors import InvalidId
from pydantic import BaseModel, ValidationError
from pymongo.errors import DuplicateKeyError, PyMongoError

from models.common import GeoPoint
from resolvers import audit
from resolvers.errors import (
    Conflict,
    ExternalIdTaken,
    Invalid,
    NotFound,
    Stale,
    from_validation,
)

D = TypeVar("D", bound=Document)
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

EARTH_RADIUS_KM = 6371.0088


def any_of(values: list[Any]) -> Any:
    """A condition matching any of ``values``: plain equality for one value.

    Equality on one value is the shape every query planner matches to a compound
    index, while ``$in`` counts as a range; most filters name one rep or status.
    """
    return values[0] if len(values) == 1 else {"$in": values}


def object_id(raw: str | PydanticObjectId, field: str) -> PydanticObjectId:
    """Parse a database id, refusing malformed ones as a validation error."""
    if isinstance(raw, PydanticObjectId):
        return raw
    try:
        return PydanticObjectId(raw)
    except (InvalidId, TypeError):
        raise Invalid(f"{field}: {raw!r} is not a valid id", field=field) from None


async def fetch(model: type[D], doc_id: PydanticObjectId, field: str = "id") -> D:
    """Load one document or raise ``NotFound`` naming the field."""
    doc = await model.get(doc_id)
    if doc is None:
        raise NotFound(f"{model.__name__} {doc_id} does not exist", field=field)
    return doc


async def fetch_visible(
    model: type[D], doc_id: PydanticObjectId, rule: dict[str, Any], field: str = "id"
) -> D:
    """Load one document the access ``rule`` lets the caller see, or ``NotFound``.

    A document that exists but is not visible gets the very same answer as one
    that does not exist.
    """
    from resolvers.access import restrict

    doc = await model.find_one(restrict({"_id": doc_id}, rule))
    if doc is None:
        raise NotFound(f"{model.__name__} {doc_id} does not exist", field=field)
    return doc


def revision_of(doc: Document) -> str:
    """The opaque revision a client sends back to update ``doc``."""
    return str(getattr(doc, "rev", 0))


def check_revision(doc: Document, revision: str | None) -> None:
    """Refuse a change made against an older revision of ``doc``."""
    if revision is not None and revision != revision_of(doc):
        raise Stale(
            f"{type(doc).__name__} {doc.id} was changed by someone else; "
            "reload it and try again",
            field="revision",
        )


def build(model: type[M], data: dict[str, Any], prefix: str = "") -> M:
    """Validate ``data`` into a ``model`` document, as an ``Invalid`` on failure."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise from_validation(error, prefix) from None


def changed(doc: D, changes: dict[str, Any], prefix: str = "") -> D:
    """Return a validated copy of ``doc`` with ``changes`` applied."""
    data = doc.model_dump()
    data.update(changes)
    data["id"] = doc.id
    return build(type(doc), data, prefix)


async def save(doc: D, session: Any = None) -> D:
    """Write ``doc`` back, refusing if someone else wrote it since it was read.

    Every document carries a revision counter ``rev``; the write only matches the
    stored document while its counter is still the one read, so of two concurrent
    changes the second is refused instead of silently overwriting the first.
    """
    # Validate the whole document again, so derived fields follow every change.
    fresh = type(doc).model_validate(doc.model_dump())
    for name in type(doc).model_fields:
        setattr(doc, name, getattr(fresh, name))
    stored = (
        await type(doc)
        .get_motor_collection()
        .find_one({"_id": doc.id}, session=session)
    )
    before = type(doc).model_validate(stored).model_dump() if stored else None
    await check_external_ids_free(doc, before, session)
    expected = doc.rev
    doc.rev = expected + 1
    query = type(doc).find_one({"_id": doc.id, "rev": expected}, session=session)
    try:
        await query.replace_one(doc, session=session)
    except DuplicateKeyError as error:
        doc.rev = expected
        raise external_id_taken(doc, error) from None
    except DocumentNotFound:
        doc.rev = expected
        raise Stale(
            f"{type(doc).__name__} {doc.id} was changed by someone else; "
            "reload it and try again",
            field="revision",
        ) from None
    audit.note(doc, "updated", before)
    return doc


#: The id the next new document of this request takes (set by
#: ``resolvers.idempotency.once``, so that a key can find what its request made).
NEXT_ID: ContextVar[PydanticObjectId | None] = ContextVar("next_id", default=None)


async def insert(doc: D, session: Any = None) -> D:
    """Store a new document and note it in the audit trail.

    The first document a request stores takes the id in :data:`NEXT_ID`, when
    one is set.
    """
    planned = NEXT_ID.get()
    if planned is not None and doc.id is None:
        doc.id = planned
        NEXT_ID.set(None)
    await check_external_ids_free(doc, None, session)
    try:
        await doc.insert(session=session)
    except DuplicateKeyError as error:
        raise external_id_taken(doc, error) from None
    audit.note(doc, "created", None)
    return doc


#: Stored fields holding external id keys, and the input field each comes from.
EXTERNAL_KEY_FIELDS = {
    "external_keys": "externalIds",
    "contact_keys": "contacts.externalIds",
}


def taken_message(doc: Document, key: str) -> str:
    """Why an external id ``key`` (``system:id``) cannot be given to ``doc``."""
    system, _, raw = key.partition(":")
    kind = type(doc).__name__.lower()
    return f"the {system} id {raw!r} already belongs to another {kind}"


def external_id_taken(doc: Document, error: DuplicateKeyError) -> Exception:
    """``ExternalIdTaken`` if a unique index on external ids refused ``doc``,
    else ``error`` itself (another unique index, such as a rep's e-mail)."""
    details = error.details or {}
    pattern = details.get("keyPattern") or {}
    text = str(details.get("errmsg") or error)
    for stored, field in EXTERNAL_KEY_FIELDS.items():
        if stored in pattern or f"{stored}_unique" in text:
            taken = (details.get("keyValue") or {}).get(stored)
            held = getattr(doc, stored, [])
            key = taken if isinstance(taken, str) else (held[0] if held else ":")
            return ExternalIdTaken(f"{field}: {taken_message(doc, key)}", field=field)
    return error


async def check_external_ids_free(
    doc: Document, before: dict[str, Any] | None, session: Any = None
) -> None:
    """Refuse (``ExternalIdTaken``) external ids ``doc`` gains that another row
    of its collection holds.

    Only ids the stored row (``before``) did not hold are looked up, one
    equality each, which the unique index answers; the index itself still
    refuses a row written meanwhile (see ``external_id_taken``). A row the
    caller may not see holds its ids all the same, so the answer says that some
    row has the id, and nothing else about it.
    """
    for stored, field in EXTERNAL_KEY_FIELDS.items():
        held = set((before or {}).get(stored) or [])
        for key in getattr(doc, stored, None) or []:
            if key in held:
                continue
            other = await type(doc).find_one({stored: key}, session=session)
            if other is not None and other.id != doc.id:
                raise ExternalIdTaken(
                    f"{field}: {taken_message(doc, key)}", field=field
                )


def _comparable(value: Any) -> Any:
    """``value`` as the store gives it back: datetimes in UTC to the millisecond."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value
        moment = moment.astimezone(UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def differs(before: Document, after: Document) -> bool:
    """Whether writing ``after`` over ``before`` would change what is stored
    (bookkeeping left out: the revision and the change stamp)."""
    skip = {"id", "rev", "stamp"}
    return _comparable(before.model_dump(exclude=skip)) != _comparable(
        after.model_dump(exclude=skip)
    )


def point(lat: float, lng: float, field: str) -> GeoPoint:
    """A validated point from latitude and longitude."""
    if not -90.0 <= lat <= 90.0:
        raise Invalid(f"{field}.lat must be between -90 and 90", field=f"{field}.lat")
    if not -180.0 <= lng <= 180.0:
        raise Invalid(f"{field}.lng must be between -180 and 180", field=f"{field}.lng")
    return GeoPoint.at(lat, lng)


def haversine_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance between two points in kilometres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlng = lat2 - lat1, math.radians(b.lng - a.lng)
    h = (
        math.sin(dlat / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@asynccontextmanager
async def transaction(doc_type: type[Document]) -> AsyncIterator[Any]:
    """A session in a multi-document transaction where the store offers them.

    Yields ``None`` on stores without sessions (the in-memory test double), where
    callers validate everything before their first write instead.
    """
    client = doc_type.get_motor_collection().database.client
    try:
        session = await client.start_session()
    except NotImplementedError:  # the in-memory test double has no sessions
        yield None
        return
    async with session, session.start_transaction():
        yield session


#: How often a transaction that lost a write conflict is run again.
TRANSACTION_ATTEMPTS = 6
#: The first pause before running it again, in seconds; it doubles each time.
TRANSACTION_BACKOFF_S = 0.02
#: The MongoDB error code of a write conflict.
WRITE_CONFLICT = 112


def transient(error: BaseException) -> bool:
    """Whether ``error`` means "run the whole transaction again".

    MongoDB labels such errors ``TransientTransactionError``; a bare write
    conflict (code 112) is one too, whatever the store labelled it.
    """
    if not isinstance(error, PyMongoError):
        return False
    return (
        error.has_error_label("TransientTransactionError")
        or getattr(error, "code", None) == WRITE_CONFLICT
    )


async def in_transaction(
    doc_type: type[Document],
    work: Callable[[Any], Awaitable[T]],
    *,
    attempts: int = TRANSACTION_ATTEMPTS,
) -> T:
    """Run ``work(session)`` in a transaction, again while it loses a conflict.

    ``work`` must read what it decides on inside the transaction, so that a
    second run decides on what the winner wrote. After ``attempts`` lost runs
    the caller gets a ``Conflict`` ("try again"), never the store's error.
    The pause between runs doubles from ``TRANSACTION_BACKOFF_S``, with jitter
    so that the losers do not collide again in step.
    """
    for attempt in range(attempts):
        noted = audit.mark()
        try:
            async with transaction(doc_type) as session:
                return await work(session)
        except BaseException as error:
            audit.undo(noted)  # rolled back: the trail keeps none of it
            if not transient(error):
                raise
        pause = TRANSACTION_BACKOFF_S * 2**attempt
        await asyncio.sleep(pause * (0.5 + random.random()))
    raise Conflict(
        "too many simultaneous changes of the same data; try again", field=None
    )


async def lock_calendars(rep_ids: Iterable[PydanticObjectId], session: Any) -> None:
    """Write each rep's ``RepCalendar`` document inside ``session``'s transaction.

    Two transactions that change one rep's calendar both write its document,
    so the store commits only one of them; the other fails with a write
    conflict and ``in_transaction`` runs it again. Without sessions (the
    in-memory test double) the write still happens but protects nothing; there
    requests are checked one after the other only because nothing else runs.
    """
    from models.visit import RepCalendar

    collection = RepCalendar.get_motor_collection()
    for rep_id in sorted(set(rep_ids)):
        # Created outside the transaction first: two transactions inserting one
        # new document would fail on its key, which is no transient error.
        with contextlib.suppress(DuplicateKeyError):
            await collection.update_one(
                {"_id": rep_id}, {"$setOnInsert": {"changes": 0}}, upsert=True
            )
        await collection.update_one(
            {"_id": rep_id}, {"$inc": {"changes": 1}}, upsert=True, session=session
        )
