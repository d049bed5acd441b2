"""Calendar feed tokens: a user's secret feed address, shown once, revocable.

The token is the only credential of ``GET /calendar/<token>.ics`` (calendar
apps send no headers), so it is handled like a refresh token: 256 random bits,
stored as a SHA-256 hash, one per user. Creating a token again replaces the
hash, revoking marks it, and either takes effect on the next fetch.
"""

from __future__ import annotations

import secrets
from typing import Any

from pymongo.errors import DuplicateKeyError

from models import Rep
from models.auth import CalendarToken
from models.common import utc_now
from resolvers import access
from resolvers.auth import digest
from resolvers.common import insert, save
from resolvers.context import Context
from resolvers.errors import Conflict, NotFound

#: Starts every feed token, so that secret scanners and people can tell one.
TOKEN_PREFIX = "vpc_"
#: Where the feeds are served: ``FEED_PATH.format(token=...)``.
FEED_PATH = "/calendar/{token}.ics"
#: Longer path segments are no token; they are refused before any lookup.
MAX_TOKEN_LENGTH = 100


def _subscriber(ctx: Context) -> access.Principal:
    who = access.principal(ctx)
    access.check_may_subscribe(who)
    return who


async def get_calendar_token(ctx: Context) -> CalendarToken | None:
    """The signed-in user's calendar token record (never the token), if any."""
    who = _subscriber(ctx)
    return await CalendarToken.find_one({"user_id": who.user_id})


async def create_calendar_token(ctx: Context) -> tuple[CalendarToken, str]:
    """A new feed token for the signed-in user, replacing any earlier one.

    Returns the record and the token, which is shown this once and never stored.
    """
    who = _subscriber(ctx)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    current = await CalendarToken.find_one({"user_id": who.user_id})
    if current is None:
        record = CalendarToken(user_id=who.user_id, token_hash=digest(token))
        try:
            await insert(record)
        except DuplicateKeyError:  # another request of the same user made one
            raise Conflict("a calendar token was just created; try again") from None
        return record, token
    current.token_hash = digest(token)
    current.created_at = utc_now()
    current.revoked_at = None
    await save(current)
    return current, token


async def revoke_calendar_token(ctx: Context) -> CalendarToken:
    """Stop the signed-in user's feed at once."""
    who = _subscriber(ctx)
    current = await CalendarToken.find_one({"user_id": who.user_id})
    if current is None:
        raise NotFound("you have no calendar token")
    if current.revoked_at is None:
        current.revoked_at = utc_now()
        await save(current)
    return current


async def feed_owner(token: str) -> Rep | None:
    """The active user whose live feed token ``token`` is, else ``None``.

    Unknown, replaced and revoked tokens and disabled users all give ``None``:
    the feed answers 404 for each alike.
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return None
    record = await CalendarToken.find_one({"token_hash": digest(token)})
    if record is None or record.revoked_at is not None:
        return None
    user = await Rep.get(record.user_id)
    if user is None or not user.active:
        return None
    return user


def feed_url(request: Any, token: str) -> str:
    """The feed's address: absolute, from the request's own base URL, when
    there is a request (behind a proxy, with its forwarded scheme)."""
    path = FEED_PATH.format(token=token)
    if request is None:
        return path
    return str(request.base_url).rstrip("/") + path
