"""Sign-in, access and refresh tokens, sign-out, and who a credential belongs to.

* Passwords are hashed with argon2id. A wrong e-mail and a wrong password give the
  same answer, after the same work (a dummy hash is checked for unknown e-mails).
* Sign-in failures are limited per account and per client address.
* An access token is a short-lived JWT (15 minutes); the refresh token is a random
  secret stored as a hash and replaced on every refresh. Presenting a replaced
  refresh token again revokes the whole session (it must have leaked).
* Credentials come only in the ``Authorization`` header: ``Bearer <access token>``
  for users, ``Bearer vpk_...`` for partners' API keys.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from beanie import PydanticObjectId
from bson.errors import InvalidId

from models import Rep
from models.auth import SIGN_IN_WINDOW_S, ApiKey, Session, SignInFailure
from models.common import as_utc, stored_id, utc_now
from models.rep import Role
from resolvers import access
from resolvers.access import Principal, Unauthenticated

ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=30)
ALGORITHM = "HS256"
KEY_PREFIX = "vpk_"

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
_DUMMY_HASH = _hasher.hash("not a real password")


class RateLimited(Exception):
    """Too many failed sign-ins; try again later."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; always does the same work."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret (refresh tokens, API keys)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class SignInLimiter:
    """Failed sign-ins per account and per address in a sliding window.

    The failures live in the store (:class:`models.auth.SignInFailure`), so
    several server processes on one store count them together.
    """

    per_account: int = 5
    per_address: int = 20
    window: float = SIGN_IN_WINDOW_S

    @staticmethod
    def _keys(email: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("account", digest(f"account:{email}"))]
        if address:
            keys.append(("address", digest(f"address:{address}")))
        return keys

    async def check(self, email: str, address: str | None) -> None:
        """Refuse when the account or the address failed too often lately."""
        since = utc_now() - timedelta(seconds=self.window)
        for kind, key in self._keys(email, address):
            limit = self.per_account if kind == "account" else self.per_address
            recent = SignInFailure.find(
                SignInFailure.key == key, SignInFailure.at >= since
            )
            if await recent.count() >= limit:
                raise RateLimited("too many failed sign-ins; try again in 15 minutes")

    async def failed(self, email: str, address: str | None) -> None:
        """Count one failure."""
        now = utc_now()
        await SignInFailure.insert_many(
            [SignInFailure(key=key, at=now) for _, key in self._keys(email, address)]
        )


@dataclass
class Auth:
    """The server's signing secret and sign-in limiter, shared by its requests."""

    secret: str
    limiter: SignInLimiter = field(default_factory=SignInLimiter)


@dataclass(frozen=True)
class Tokens:
    """What a successful sign-in or refresh returns."""

    access_token: str
    refresh_token: str
    expires_at: datetime
    user: Rep


def _access_token(
    auth: Auth, user: Rep, session_id: PydanticObjectId
) -> tuple[str, datetime]:
    expires = utc_now() + ACCESS_TTL
    claims = {
        "sub": str(user.id),
        "sid": str(session_id),
        "role": user.role.value,
        # Whose reps the team is made of, read beside the user (checked then).
        "mgr": str(user.manager_id) if user.manager_id else None,
        "exp": expires,
        "iat": utc_now(),
        "typ": "access",
    }
    return jwt.encode(claims, auth.secret, algorithm=ALGORITHM), expires


async def sign_in(
    auth: Auth | None, email: str, password: str, address: str | None
) -> Tokens:
    """Check the credentials and open a session."""
    if auth is None:
        raise Unauthenticated("sign-in is not available here")
    email = email.strip().lower()
    await auth.limiter.check(email, address)
    user = await Rep.find_one({"email": email})
    ok = password_matches(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        await auth.limiter.failed(email, address)
        raise Unauthenticated("the e-mail or the password is wrong")
    refresh = secrets.token_urlsafe(32)
    session = Session(
        user_id=user.id,
        token_hash=digest(refresh),
        expires_at=utc_now() + REFRESH_TTL,
        address=address,
    )
    await session.insert()
    access, expires = _access_token(auth, user, stored_id(session))
    return Tokens(
        access_token=access, refresh_token=refresh, expires_at=expires, user=user
    )


async def _revoke(session_id: PydanticObjectId) -> None:
    await Session.get_motor_collection().update_one(
        {"_id": session_id, "revoked_at": None}, {"$set": {"revoked_at": utc_now()}}
    )


async def refresh_session(auth: Auth | None, refresh_token: str) -> Tokens:
    """Swap a refresh token for a new pair; a replayed old token ends the session."""
    if auth is None:
        raise Unauthenticated("sign-in is not available here")
    hashed = digest(refresh_token)
    session = await Session.find_one({"token_hash": hashed})
    if session is None:
        replayed = await Session.find_one({"previous_hashes": hashed})
        if replayed is not None:
            await _revoke(stored_id(replayed))
        raise Unauthenticated("the refresh token is not valid; sign in again")
    if session.revoked_at is not None or as_utc(session.expires_at) <= utc_now():
        raise Unauthenticated("the session has ended; sign in again")
    user = await Rep.get(session.user_id)
    if user is None or not user.active:
        raise Unauthenticated("the account is disabled")
    new = secrets.token_urlsafe(32)
    # One compare-and-set: only the request that still sees ``hashed`` as the
    # current token rotates it; every used hash is kept for the session's life.
    rotated = await Session.get_motor_collection().find_one_and_update(
        {"_id": session.id, "token_hash": hashed, "revoked_at": None},
        {"$set": {"token_hash": digest(new)}, "$push": {"previous_hashes": hashed}},
    )
    if rotated is None:  # a concurrent refresh used the same token first
        await _revoke(stored_id(session))
        raise Unauthenticated("the refresh token is not valid; sign in again")
    access, expires = _access_token(auth, user, stored_id(session))
    return Tokens(access_token=access, refresh_token=new, expires_at=expires, user=user)


async def sign_out(session_id: str | None, refresh_token: str | None) -> None:
    """End a session, named by the access token in use or by its refresh token."""
    session = None
    if refresh_token:
        session = await Session.find_one({"token_hash": digest(refresh_token)})
    elif session_id:
        session = await Session.get(PydanticObjectId(session_id))
    if session is not None and session.revoked_at is None:
        session.revoked_at = utc_now()
        await session.save()


async def end_other_sessions(user_id: PydanticObjectId, keep: str | None) -> None:
    """End every open session of a user but ``keep`` (the one in use, if any)."""
    query: dict[str, object] = {"user_id": user_id, "revoked_at": None}
    if keep:
        query["_id"] = {"$ne": PydanticObjectId(keep)}
    await Session.get_motor_collection().update_many(
        query, {"$set": {"revoked_at": utc_now()}}
    )


def _team_source(
    role: Role | None,
    user_id: PydanticObjectId | None,
    manager: PydanticObjectId | None,
) -> PydanticObjectId | None:
    """Whose reps make a principal's team (a manager's own) or colleagues (a rep's
    manager's); ``None`` when nobody's do."""
    if role == Role.MANAGER:
        return user_id
    if role == Role.REP:
        return manager
    return None


def _team(
    user: Rep, reps: list[dict[str, Any]]
) -> tuple[tuple[PydanticObjectId, ...], tuple[str, ...]]:
    """A manager's team (themselves and their reps) and the territories it works."""
    if user.role != Role.MANAGER:
        return (), ()
    ids = (stored_id(user), *(PydanticObjectId(r["_id"]) for r in reps))
    places = {t for t in (user.territory, *(r.get("territory") for r in reps)) if t}
    return ids, tuple(sorted(places))


def _colleagues(user: Rep, reps: list[dict[str, Any]]) -> tuple[PydanticObjectId, ...]:
    if user.role != Role.REP or user.manager_id is None:
        return ()
    return (
        user.manager_id,
        *(PydanticObjectId(m["_id"]) for m in reps if m["_id"] != user.id),
    )


async def _reps_of(manager_id: PydanticObjectId | None) -> list[dict[str, Any]]:
    """The id and territory of every rep of ``manager_id``: only what a principal
    needs, so no whole rep is read and validated per request."""
    found = Rep.get_motor_collection().find(
        {"manager_id": manager_id}, {"_id": 1, "territory": 1}
    )
    return await found.to_list(None)


async def principal_for(
    user: Rep,
    read: tuple[PydanticObjectId, list[dict[str, Any]]] | None = None,
) -> Principal:
    """The principal acting as ``user`` (with a manager's team, a rep's colleagues).

    ``read`` is the reps of a manager read already, ``(manager id, reps)``; they
    are used only if that manager is still the one whose reps ``user``'s team
    is made of, else the right ones are read now.
    """
    source = _team_source(user.role, user.id, user.manager_id)
    reps: list[dict[str, Any]] = []
    if source is not None and read is not None and read[0] == source:
        reps = read[1]
    elif source is not None:
        reps = await _reps_of(source)
    team, territories = _team(user, reps)
    return Principal(
        user_id=user.id,
        role=user.role,
        territory=user.territory,
        team=team,
        team_territories=territories,
        colleagues=_colleagues(user, reps),
    )


def _claimed_source(claims: dict[str, Any]) -> PydanticObjectId | None:
    """Whose reps the token's claims say the team is made of (checked against
    the user read with them)."""
    try:
        role = Role(str(claims.get("role")))
        manager = PydanticObjectId(claims["mgr"]) if claims.get("mgr") else None
    except (ValueError, TypeError, InvalidId):
        return None
    return _team_source(role, PydanticObjectId(claims["sub"]), manager)


async def _user_principal(auth: Auth, token: str) -> tuple[Principal, str]:
    try:
        claims = jwt.decode(
            token,
            auth.secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "sid"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the access token has expired; refresh it") from None
    except jwt.InvalidTokenError:
        raise Unauthenticated("the access token is not valid") from None
    # The user and the session are read on every request, so that disabling a
    # user or ending a session takes effect at once. The reps of the team the
    # token names are read with them; principal_for reads the right ones if
    # the user's role or manager has changed since.
    source = _claimed_source(claims)
    user_read = Rep.get(PydanticObjectId(claims["sub"]))
    session_read = Session.get(PydanticObjectId(claims["sid"]))
    read = None
    if source is None:
        user, session = await asyncio.gather(user_read, session_read)
    else:
        user, session, reps = await asyncio.gather(
            user_read, session_read, _reps_of(source)
        )
        read = (source, reps)
    if user is None or not user.active or session is None or session.revoked_at:
        raise Unauthenticated("the session has ended; sign in again")
    return await principal_for(user, read), claims["sid"]


async def _key_principal(token: str) -> Principal:
    try:
        _, prefix, secret = token.split("_", 2)
    except ValueError:
        raise Unauthenticated("the API key is not valid") from None
    key = await ApiKey.find_one({"prefix": prefix})
    if key is None or not secrets.compare_digest(key.secret_hash, digest(secret)):
        raise Unauthenticated("the API key is not valid")
    if key.revoked_at is not None or as_utc(key.expires_at) <= utc_now():
        raise Unauthenticated("the API key is revoked or expired")
    creator = await Rep.get(key.created_by)
    if creator is None or not creator.active or creator.role not in access.KEY_GRANTORS:
        raise Unauthenticated("the API key's owner can no longer grant it")
    own = await _reps_of(creator.id) if creator.role == Role.MANAGER else []
    team, territories = _team(creator, own)
    return Principal(
        user_id=creator.id,
        role=Role.PARTNER,
        key_id=key.id,
        scopes=frozenset(key.scopes),
        team=team,
        team_territories=territories,
        creator_role=creator.role,
        creator_territory=creator.territory,
    )


async def authenticate(
    auth: Auth, header: str | None
) -> tuple[Principal | None, str | None]:
    """The principal behind an ``Authorization`` header, and its session id.

    No header gives ``(None, None)``; a header with a bad credential raises
    ``Unauthenticated`` so the client learns its token is no good.
    """
    if not header:
        return None, None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send 'Authorization: Bearer <token>'")
    return await identify(auth, token.strip())


async def identify(auth: Auth, token: str) -> tuple[Principal, str | None]:
    """The principal behind a bearer credential (an access token or an API
    key), and its session id; ``Unauthenticated`` when it is no good.

    HTTP requests (``authenticate``) and WebSocket connections (their
    ``connection_init`` payload) both identify their caller here.
    """
    if token.startswith(KEY_PREFIX):
        return await _key_principal(token), None
    return await _user_principal(auth, token)
