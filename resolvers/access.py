"""Who may see and change what: every row rule lives here.

A request acts as a ``Principal``: a signed-in user, or a partner's API key acting
within its creator's rights and its scopes. Reads add the principal's filter to
their query (so lists, counts, loaders and aggregates see the same rows); writes
check the document first. A row the principal may not see reads exactly like a
row that does not exist.

Roles:

* admin: everything.
* manager: their team (the reps whose manager they are, and themselves): the
  team's customers (by owner), visits (by rep), demands (of those customers),
  plans (of those reps).
* rep: customers they own or whose territory they work, demands of those
  customers, their own visits and plans.
* partner: an API key's scopes, within the rows its creator may see; personal
  fields are hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from beanie import PydanticObjectId

from models.rep import Role

if TYPE_CHECKING:
    from resolvers.context import Context

#: What an API key may be allowed to do.
SCOPES = frozenset(
    {"customers:read", "demands:read", "demands:write", "visits:read", "plans:read"}
)


class Unauthenticated(Exception):
    """No valid credential came with the request."""


class Forbidden(Exception):
    """The principal may not do this."""


@dataclass(frozen=True)
class Principal:
    """Who is acting.

    Attributes:
        user_id: the signed-in user, or the creator of the API key.
        role: the user's role (``partner`` for API keys).
        territory: the user's territory, for reps.
        key_id: the API key in use, if any.
        scopes: what the API key allows (empty for users: their role decides).
        team: for managers, the ids of their reps and themselves.
        creator_role: for API keys, the role of the key's creator.
    """

    user_id: PydanticObjectId | None
    role: Role
    territory: str | None = None
    key_id: PydanticObjectId | None = None
    scopes: frozenset[str] = frozenset()
    team: tuple[PydanticObjectId, ...] = ()
    creator_role: Role | None = None
    creator_territory: str | None = field(default=None)

    @classmethod
    def system(cls) -> Principal:
        """Full rights, for the command line, seeding and benchmarks."""
        return cls(user_id=None, role=Role.ADMIN)

    @property
    def is_key(self) -> bool:
        """Whether this is a partner's API key."""
        return self.key_id is not None

    @property
    def row_role(self) -> Role:
        """The role whose row rules apply: a key sees what its creator sees."""
        return self.creator_role if self.is_key and self.creator_role else self.role

    @property
    def row_territory(self) -> str | None:
        """The territory whose customers the row rules include."""
        return self.creator_territory if self.is_key else self.territory


def principal(ctx: Context) -> Principal:
    """The request's principal, or ``Unauthenticated``."""
    if ctx.principal is None:
        raise Unauthenticated(
            "sign in, or send an API key, in the Authorization header"
        )
    return ctx.principal


def require_scope(ctx: Context, scope: str) -> Principal:
    """The principal, if an API key in use carries ``scope`` (users always pass)."""
    who = principal(ctx)
    if who.is_key and scope not in who.scopes:
        raise Forbidden(f"this API key lacks the {scope} scope")
    return who


def require_role(ctx: Context, *roles: Role) -> Principal:
    """The principal, if it acts in one of ``roles`` (API keys never do)."""
    who = principal(ctx)
    if who.is_key or who.role not in roles:
        raise Forbidden("your role does not allow this")
    return who


def _people(who: Principal) -> list[PydanticObjectId]:
    if who.row_role == Role.MANAGER:
        return list(who.team)
    return [who.user_id] if who.user_id is not None else []


def customer_filter(ctx: Context) -> dict[str, Any]:
    """The customers the principal may see, as a query to add to every read."""
    who = require_scope(ctx, "customers:read")
    if who.row_role == Role.ADMIN:
        return {}
    owners = {"owner_id": {"$in": _people(who)}}
    if who.row_role == Role.REP and who.row_territory:
        return {"$or": [owners, {"territory": who.row_territory}]}
    return owners


def demand_filter(ctx: Context) -> dict[str, Any]:
    """The demands the principal may see: those of customers it may see."""
    who = require_scope(ctx, "demands:read")
    if who.row_role == Role.ADMIN:
        return {}
    owners = {"customer_owner_id": {"$in": _people(who)}}
    if who.row_role == Role.REP and who.row_territory:
        return {"$or": [owners, {"customer_territory": who.row_territory}]}
    return owners


def visit_filter(ctx: Context) -> dict[str, Any]:
    """The visits the principal may see: its own, or its team's."""
    who = require_scope(ctx, "visits:read")
    if who.row_role == Role.ADMIN:
        return {}
    return {"rep_id": {"$in": _people(who)}}


def plan_filter(ctx: Context) -> dict[str, Any]:
    """The visit plans the principal may see: its own, or its team's."""
    who = require_scope(ctx, "plans:read")
    if who.row_role == Role.ADMIN:
        return {}
    return {"rep_ids": {"$in": _people(who)}}


def rep_filter(ctx: Context) -> dict[str, Any]:
    """The users the principal may see: admins all, managers their team, reps
    themselves."""
    who = principal(ctx)
    if who.row_role == Role.ADMIN and not who.is_key:
        return {}
    return {"_id": {"$in": _people(who)}}


def restrict(query: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    """``query`` narrowed by an access ``rule``."""
    if not rule:
        return query
    if not query:
        return dict(rule)
    if set(rule) & set(query):
        return {"$and": [query, rule]}
    return {**query, **rule}
