"""Partners' own ids: finding rows by them, keeping them unique, and upserts.

Customers, contacts, reps, demands and visits carry ``external_ids``, each a
system (``salesforce``) and the row's id there. A row has at most one id per
system, and an id belongs to one row of its collection: a unique index on the
stored keys (``system:id``) holds that even against simultaneous writers.

Look-ups add the caller's row rule, so a row the caller may not see reads as
missing. An upsert finds its row by one external id: it creates the row when no
row has that id, changes it when the caller may, and reports whether anything
changed; two simultaneous upserts of one id create one row (the loser's insert
hits the unique index, and it runs again as an update).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from beanie import Document, PydanticObjectId

from models.common import ExternalId
from resolvers import access
from resolvers.common import (
    build,
    check_revision,
    object_id,
)
from resolvers.context import Context
from resolvers.errors import Conflict, ExternalIdTaken, Invalid, NotFound, Stale
from resolvers.loaders import visible_check

D = TypeVar("D", bound=Document)

#: How often an upsert reads its row again after losing a race for it.
UPSERT_ATTEMPTS = 5


def parse(raw: Any, field: str) -> ExternalId:
    """A validated external id from ``{"system": ..., "id": ...}``."""
    if isinstance(raw, ExternalId):
        return raw
    return build(ExternalId, raw, field)


async def find_visible(
    who: access.Principal, model: type[D], ext: ExternalId
) -> D | None:
    """The row of ``model`` with external id ``ext`` if ``who`` may see it,
    else ``None`` (a row it may not see reads as missing).

    The row is read by its id alone, which the unique index serves on every
    store, and the principal's rule is applied to it as the loaders apply it.
    """
    doc, visible = await _holder(who, model, ext)
    return doc if visible else None


async def _holder(
    who: access.Principal, model: type[D], ext: ExternalId
) -> tuple[D | None, bool]:
    """The row holding ``ext``, if any, and whether ``who`` may see it (one
    read, so the two answers agree even while another writer creates it)."""
    doc = await model.find_one({"external_keys": ext.key})
    return doc, doc is not None and visible_check(who, model)(doc)


async def get_by_external_id(ctx: Context, model: type[D], raw: Any) -> D | None:
    """One row by external id as the request's principal may see it, or ``None``."""
    return await find_visible(access.principal(ctx), model, parse(raw, "externalId"))


def with_id(current: list[ExternalId], ext: ExternalId) -> list[dict[str, Any]]:
    """``current`` with ``ext`` as the one id of its system."""
    kept = [e for e in current if e.system != ext.system]
    return [e.model_dump() for e in [*kept, ext]]


def upserted_ids(
    current: list[ExternalId], given: list[Any] | None, ext: ExternalId
) -> list[dict[str, Any]]:
    """The ids an upsert stores: ``given`` (a whole list, as a bulk import of
    an export sends it) or else ``current``, with ``ext`` as its system's id."""
    if given is None:
        return with_id(current, ext)
    ids = [parse(g, f"externalIds.{n}") for n, g in enumerate(given)]
    if any(e.key == ext.key for e in ids):
        return [e.model_dump() for e in ids]  # in the order given
    return with_id(ids, ext)


async def resolve_ref(
    ctx: Context, model: type[D], raw_id: str | None, ext: Any, name: str
) -> D | None:
    """The row an input names by id (``<name>Id``) or by external id
    (``<name>ExternalId``); ``None`` when neither is given.

    A row that is missing or not the caller's to see is ``NotFound`` on the
    field that named it, the same answer for both.
    """
    id_field, ext_field = f"{name}Id", f"{name}ExternalId"
    if raw_id is not None and ext is not None:
        raise Invalid(
            f"{ext_field}: give {id_field} or {ext_field}, not both", field=ext_field
        )
    who = access.principal(ctx)
    if raw_id is not None:
        oid = object_id(raw_id, id_field)
        doc = await model.get(oid)
        if doc is not None and not visible_check(who, model)(doc):
            doc = None
        field, shown = id_field, str(oid)
    elif ext is not None:
        parsed = parse(ext, ext_field)
        doc = await find_visible(who, model, parsed)
        field, shown = ext_field, f"with the {parsed.system} id {parsed.id!r}"
    else:
        return None
    if doc is None:
        raise NotFound(f"{field}: {model.__name__} {shown} does not exist", field=field)
    return doc


async def pop_ref(
    ctx: Context, model: type[D], data: dict[str, Any], name: str
) -> D | None:
    """The row ``data`` names by ``<name>_id`` or ``<name>_external_id``
    (both taken out of ``data``), as ``resolve_ref`` finds it."""
    raw_id = data.pop(f"{name}_id", None)
    ext = data.pop(f"{name}_external_id", None)
    return await resolve_ref(ctx, model, raw_id, ext, name)


async def id_from_external_id(
    ctx: Context, model: type[Document], data: dict[str, Any], name: str
) -> None:
    """Put the id of the row ``<name>_external_id`` names (if it is given) in
    ``<name>_id``; a plain ``<name>_id`` is left to the rules it has."""
    ext = data.pop(f"{name}_external_id", None)
    if ext is not None:
        doc = await resolve_ref(ctx, model, data.get(f"{name}_id"), ext, name)
        data[f"{name}_id"] = doc.id if doc else None


def check_stays(customer: Document | None, current_id: Any) -> None:
    """Refuse naming another customer for a demand or visit: it stays with
    the customer it belongs to."""
    if customer is not None and customer.id != current_id:
        raise Invalid("customerId: it stays with its customer", field="customerId")


@dataclass
class Upserted(Generic[D]):
    """What an upsert did.

    Attributes:
        doc: the row as stored now.
        created: whether the upsert created it.
        changed: whether it wrote anything (a new row always is a change).
    """

    doc: D
    created: bool
    changed: bool


async def upsert(
    who: access.Principal,
    model: type[D],
    ext: ExternalId,
    revision: str | None,
    create: Callable[[], Awaitable[D]],
    update: Callable[[D], Awaitable[D | None]],
) -> Upserted[D]:
    """Create the row with external id ``ext``, or update the one that has it.

    ``create`` stores a new row carrying ``ext``; ``update`` changes a visible
    row and returns it, or ``None`` when the input changes nothing. With
    ``revision`` the row must exist (else ``NotFound``) at that revision (else
    ``Conflict``). A row that holds ``ext`` but is not the caller's to see is
    refused as taken, and left alone. Lost races (another upsert created the
    row first, or changed it between read and write) are run again.
    """
    for _ in range(UPSERT_ATTEMPTS):
        current, visible = await _holder(who, model, ext)
        if current is None or not visible:
            if revision is not None:
                raise NotFound(
                    f"externalId: no {model.__name__} has the {ext.system} id "
                    f"{ext.id!r}",
                    field="externalId",
                )
            if current is not None:
                raise ExternalIdTaken(
                    f"externalId: the {ext.system} id {ext.id!r} already belongs "
                    f"to another {model.__name__.lower()}",
                    field="externalId",
                )
            try:
                return Upserted(await create(), created=True, changed=True)
            except Conflict:
                # Lost to a simultaneous upsert of this id: its row now holds
                # the id (the unique index refused ours) or the rep's time (a
                # visit's overlap check saw it first). Update that row instead.
                if await model.find_one({"external_keys": ext.key}) is None:
                    raise  # a conflict of its own: another id taken, a clash
                continue
        check_revision(current, revision)
        try:
            updated = await update(current)
        except Stale:
            if revision is not None:
                raise
            continue  # changed between the read and the write: read it again
        return Upserted(updated or current, created=False, changed=updated is not None)
    raise Conflict(
        "too many simultaneous changes of the same data; try again", field=None
    )


def keep_ids(
    current: list[Any], given: list[dict[str, Any]], model: type[Any], field: str
) -> list[dict[str, Any]]:
    """``given`` items (contacts) with the ids of the ``current`` ones they are.

    An item is the current one that shares an external id with it, else an
    unclaimed current one equal to it in every field; other items are new.
    So sending the same list again changes nothing, ids included.
    """
    by_key: dict[str, PydanticObjectId] = {
        e.key: item.id for item in current for e in item.external_ids
    }
    unclaimed = list(current)
    kept = []
    for n, raw in enumerate(given):
        item = build(model, raw, f"{field}.{n}")
        free = {c.id for c in unclaimed}
        match = next(
            (by_key[e.key] for e in item.external_ids if by_key.get(e.key) in free),
            None,
        )
        if match is None:
            plain = item.model_dump(exclude={"id"})
            match = next(
                (c.id for c in unclaimed if c.model_dump(exclude={"id"}) == plain),
                None,
            )
        if match is not None:
            item.id = match
            unclaimed = [c for c in unclaimed if c.id != match]
        kept.append(item.model_dump())
    return kept
