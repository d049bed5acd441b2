"""Real-time events: MongoDB change streams, filtered by topic and access rules.

Every server process watches the store itself, so a change written through any
process reaches the subscribers of every other. Each event carries the change
stream's resume token, encoded as an opaque string (its ``eventId``); a
subscription given the last id it saw resumes after it and misses nothing the
store still holds in its change log.

Row rules are checked for every event, not once: the caller's credential is
identified again (a disabled user or an ended session stops the stream with
``Unauthenticated``), and the changed row is read back through the same rule a
query uses (``resolvers.access``), so a row the caller may not see is skipped.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from beanie import Document, PydanticObjectId
from bson import json_util

from models import Customer, Demand, Visit, VisitPlan
from resolvers import access
from resolvers.access import Principal
from resolvers.auth import identify
from resolvers.context import Context
from resolvers.errors import Invalid

D = TypeVar("D", bound=Document)
T = TypeVar("T")


@dataclass(frozen=True)
class Event(Generic[T]):
    """One change to a row the subscriber may see.

    Attributes:
        event_id: the opaque resume token of the change.
        operation: ``insert``, ``update`` or ``replace``.
        document: the row as it is after the change.
    """

    event_id: str
    operation: str
    document: T


def encode_token(token: dict[str, Any]) -> str:
    """A change stream resume token as an opaque, URL-safe string."""
    raw = json_util.dumps(token).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(event_id: str) -> dict[str, Any]:
    """The resume token an ``eventId`` holds; ``BadInput`` when it holds none."""
    try:
        raw = base64.urlsafe_b64decode(event_id + "=" * (-len(event_id) % 4))
        token = json_util.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise Invalid("after: not an event id this server gave") from None
    if not isinstance(token, dict) or "_data" not in token:
        raise Invalid("after: not an event id this server gave")
    return dict(token)


async def current_principal(ctx: Context) -> Principal:
    """The connection's principal, identified again from its credential.

    Raises ``Unauthenticated`` once the user is disabled, the session ended or
    the key revoked; a team that changed is seen at once.
    """
    if ctx.auth is None or ctx.credential is None:
        return access.principal(ctx)
    who, _ = await identify(ctx.auth, ctx.credential)
    ctx.principal = who
    return who


async def _changes(
    model: type[D],
    topic: dict[str, Any],
    rule: Callable[[Principal], dict[str, Any]],
    ctx: Context,
    after: str | None,
) -> AsyncIterator[Event[D]]:
    """The inserts and updates of ``model`` rows matching ``topic`` that the
    connection's principal may see, as they happen (or after ``after``)."""
    rule(access.principal(ctx))  # refuse a missing scope before watching
    options: dict[str, Any] = {"full_document": "updateLookup"}
    if after is not None:
        options["resume_after"] = decode_token(after)
    match: dict[str, Any] = {"operationType": {"$in": ["insert", "update", "replace"]}}
    if "_id" in topic:  # one row: the store passes on its changes only
        match["documentKey._id"] = topic["_id"]
    collection = model.get_motor_collection()
    async with collection.watch([{"$match": match}], **options) as stream:
        async for change in stream:
            who = await current_principal(ctx)
            key = change["documentKey"]["_id"]
            # The changed row's id last: a topic's own ``_id`` must not replace it.
            query = access.restrict({**topic, "_id": key}, rule(who))
            row = await model.find_one(query)
            if row is None:
                continue
            yield Event(encode_token(change["_id"]), change["operationType"], row)


def _day_bounds(day: date) -> dict[str, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return {"$gte": start, "$lt": start + timedelta(days=1)}


def visits_changed(
    ctx: Context, rep_id: PydanticObjectId, day: date, after: str | None
) -> AsyncIterator[Event[Visit]]:
    """Changes to a rep's visits planned to start on ``day`` (UTC)."""
    topic = {"rep_id": rep_id, "planned_start": _day_bounds(day)}
    return _changes(Visit, topic, access.visit_rule, ctx, after)


def visit_plan_updated(
    ctx: Context, plan_id: PydanticObjectId, after: str | None
) -> AsyncIterator[Event[VisitPlan]]:
    """Changes to one visit plan: its progress while it is computed, its
    completion, acceptance and later edits."""
    return _changes(VisitPlan, {"_id": plan_id}, access.plan_rule, ctx, after)


def my_demands_changed(ctx: Context, after: str | None) -> AsyncIterator[Event[Demand]]:
    """Changes to the demands assigned to the connection's user."""
    who = access.principal(ctx)
    if who.user_id is None or who.is_key:
        raise access.Forbidden("only users have demands assigned to them")
    topic = {"assignee_id": who.user_id}
    return _changes(Demand, topic, access.demand_rule, ctx, after)


def customer_changed(
    ctx: Context, customer_id: PydanticObjectId, after: str | None
) -> AsyncIterator[Event[Customer]]:
    """Changes to one customer."""
    topic = {"_id": customer_id}
    return _changes(Customer, topic, access.customer_rule, ctx, after)
