"""Idempotency keys: a retried creating request returns the first result.

The key is remembered per principal for 24 hours with a fingerprint of the request.
The same key with the same request returns what the first one created; with a
different request it is refused (IDEMPOTENCY_KEY_REUSED); while the first request
is still running, a second one is refused as a conflict. A request that was refused
(bad input) leaves no record, so it can be corrected and sent again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from beanie import Document, PydanticObjectId
from pymongo.errors import DuplicateKeyError

from models.common import utc_now
from models.idempotency import IdempotencyRecord
from resolvers import access
from resolvers.common import NEXT_ID
from resolvers.context import Context
from resolvers.errors import Conflict, DomainError, Invalid

D = TypeVar("D", bound=Document)


class KeyReused(DomainError):
    """The idempotency key came with a different request before."""

    code = "IDEMPOTENCY_KEY_REUSED"


#: Input fields never fingerprinted (their values must not be kept, even hashed).
SECRET_FIELDS = frozenset(
    {"password", "current_password", "currentPassword", "token", "secret"}
)


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_secrets(v)
            for k, v in value.items()
            if k not in SECRET_FIELDS and not str(k).lower().endswith("token")
        }
    if isinstance(value, list | tuple):
        return [_without_secrets(v) for v in value]
    return value


def fingerprint(operation: str, payload: Any, key: str) -> str:
    """A keyed digest (HMAC-SHA-256) of a request, its secret fields left out.

    Keyed by the server secret, so a stored fingerprint cannot be checked against
    guessed inputs by someone who reads the store.
    """
    text = json.dumps(
        {"operation": operation, "input": _without_secrets(payload)},
        sort_keys=True,
        default=str,
    )
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def _key(ctx: Context) -> str:
    if ctx.auth is None:
        raise RuntimeError("idempotency keys need the server secret")
    return ctx.auth.secret


def _owner(ctx: Context) -> str:
    who = access.principal(ctx)
    return f"key:{who.key_id}" if who.is_key else f"user:{who.user_id}"


async def once(
    ctx: Context,
    key: str | None,
    operation: str,
    payload: Any,
    create: Callable[[], Awaitable[D]],
    model: type[D],
) -> D:
    """Run ``create`` once per idempotency ``key``; a retry gets the first result."""
    if key is None:
        return await create()
    if not 1 <= len(key) <= 255:
        raise Invalid(
            "idempotencyKey must have 1 to 255 characters", field="idempotencyKey"
        )
    record = IdempotencyRecord(
        owner=_owner(ctx),
        key=key,
        operation=operation,
        fingerprint=fingerprint(operation, payload, _key(ctx)),
        planned_id=PydanticObjectId(),
    )
    try:
        await record.insert()
    except DuplicateKeyError:
        if not await _release_abandoned(record, model):
            return await _replay(record, model)
        await record.insert()
    token = NEXT_ID.set(record.planned_id)
    try:
        doc = await create()
    except BaseException:
        await record.delete()
        raise
    finally:
        NEXT_ID.reset(token)
    record.result_id = doc.id
    await record.save()
    return doc


#: A key still pending after this long belongs to a request that died (the server
#: stops every request well before), so a retry may take it over.
ABANDONED_AFTER = timedelta(seconds=15)


async def _release_abandoned(record: IdempotencyRecord, model: type[D]) -> bool:
    """Delete the key's record if its request died before it created anything.

    A request that died after storing its document but before noting it here
    left the planned id: the record is completed with it instead, so that the
    retry gets that document and nothing is created twice.
    """
    stale = {
        "owner": record.owner,
        "key": record.key,
        "result_id": None,
        "fingerprint": record.fingerprint,
        "created_at": {"$lt": utc_now() - ABANDONED_AFTER},
    }
    records = IdempotencyRecord.get_motor_collection()
    pending = await records.find_one(stale)
    if pending is None:
        return False
    planned = pending.get("planned_id")
    if planned is not None and await model.get(planned) is not None:
        await records.update_one(
            {"_id": pending["_id"]}, {"$set": {"result_id": planned}}
        )
        return False
    result = await records.delete_one({**stale, "_id": pending["_id"]})
    return result.deleted_count == 1


async def _replay(record: IdempotencyRecord, model: type[D]) -> D:
    first = await IdempotencyRecord.find_one({"owner": record.owner, "key": record.key})
    if first is None:  # expired between the two reads
        raise Conflict(
            "retry: the idempotency key just expired", field="idempotencyKey"
        )
    if first.fingerprint != record.fingerprint:
        raise KeyReused(
            "this idempotency key was used with a different request",
            field="idempotencyKey",
        )
    if first.result_id is None:
        raise Conflict(
            "a request with this idempotency key is still running",
            field="idempotencyKey",
        )
    doc = await model.get(PydanticObjectId(first.result_id))
    if doc is None:
        raise Conflict("what this key created no longer exists", field="idempotencyKey")
    return doc
