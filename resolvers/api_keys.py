"""Partners' API keys: created by admins and managers, shown once, revocable."""

from __future__ import annotations

import secrets
from datetime import timedelta

from beanie import PydanticObjectId, SortDirection

from models.auth import ApiKey
from models.common import utc_now
from resolvers import access
from resolvers.auth import KEY_PREFIX, digest
from resolvers.common import insert
from resolvers.context import Context
from resolvers.errors import Invalid, NotFound

MAX_DAYS = 366


async def create_api_key(
    ctx: Context, name: str, scopes: list[str], days: int
) -> tuple[ApiKey, str]:
    """A new key and its secret, which is shown this once and never stored.

    The key acts for the user who creates it, so the system principal (the
    command line without ``--creator``, which has no user) cannot make one.
    """
    who = access.require_role(ctx, *access.KEY_GRANTORS)
    if who.user_id is None:
        raise Invalid("a key acts for a user: name its creator", field="creator")
    unknown = sorted(set(scopes) - access.SCOPES)
    if unknown:
        raise Invalid(f"unknown scopes: {', '.join(unknown)}", field="scopes")
    if not scopes:
        raise Invalid("name at least one scope", field="scopes")
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"a key lives 1 to {MAX_DAYS} days", field="days")
    if not name.strip():
        raise Invalid("name the key", field="name")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        name=name.strip(),
        prefix=prefix,
        secret_hash=digest(secret),
        scopes=sorted(set(scopes)),
        created_by=who.user_id,
        expires_at=utc_now() + timedelta(days=days),
    )
    await insert(key)
    return key, f"{KEY_PREFIX}{prefix}_{secret}"


async def list_api_keys(ctx: Context) -> list[ApiKey]:
    """Admins see every key, managers the keys they made."""
    query = access.api_key_rule(access.principal(ctx))
    return (
        await ApiKey.find(query)
        .sort([("created_at", SortDirection.DESCENDING)])
        .limit(500)
        .to_list()
    )


async def revoke_api_key(ctx: Context, key_id: str) -> ApiKey:
    """Revoke a key at once; requests with it fail from now on."""
    rule = access.api_key_rule(access.principal(ctx))
    try:
        oid = PydanticObjectId(key_id)
    except Exception:
        raise NotFound("no such API key", field="id") from None
    key = await ApiKey.find_one(access.restrict({"_id": oid}, rule))
    if key is None:  # missing, or another manager's: the same answer
        raise NotFound("no such API key", field="id")
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        await key.save()
    return key
