"""Reading and changing reps (the users who visit customers)."""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from models import Rep
from models.common import stored_id
from models.rep import Role
from resolvers import access
from resolvers.auth import end_other_sessions, hash_password, password_matches
from resolvers.common import (
    build,
    changed,
    check_revision,
    fetch_visible,
    insert,
    object_id,
    save,
)
from resolvers.context import Context
from resolvers.errors import Conflict, Invalid, NotFound
from resolvers.pagination import Page, paginate


async def get_rep(ctx: Context, rep_id: str) -> Rep | None:
    """One rep by id, or ``None``."""
    try:
        return await ctx.loaders.rep_by_id.load(object_id(rep_id, "id"))
    except Invalid:
        return None


async def list_reps(
    ctx: Context,
    *,
    territory: str | None = None,
    manager_id: str | None = None,
    first: int | None = None,
    offset: int = 0,
) -> Page[Rep]:
    """A page of reps by name."""
    query: dict[str, Any] = {}
    if territory is not None:
        query["territory"] = territory
    if manager_id is not None:
        query["manager_id"] = object_id(manager_id, "managerId")
    sort = [("manager_id", 1), ("name", 1)] if manager_id else [("name", 1), ("_id", 1)]
    if territory is not None:
        sort = [("territory", 1), ("name", 1)]
    who = access.principal(ctx)
    # Filtering on a colleague's territory or manager would read those fields.
    rule = access.rep_detail_rule(who) if query else access.rep_rule(who)
    query = access.restrict(query, rule)
    return await paginate(Rep, query, sort, first=first, offset=offset)


async def _check_manager(data: dict[str, Any]) -> None:
    if data.get("manager_id") is None:
        return
    data["manager_id"] = object_id(data["manager_id"], "managerId")
    if await Rep.get(data["manager_id"]) is None:
        raise NotFound(
            f"managerId: rep {data['manager_id']} does not exist", field="managerId"
        )


async def _unique_email(email: str, rep_id: Any = None) -> None:
    other = await Rep.find_one({"email": email.lower()})
    if other is not None and other.id != rep_id:
        raise Conflict(f"a user with email {email} already exists", field="email")


MIN_PASSWORD = 12


def _password_hash(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            f"a password has at least {MIN_PASSWORD} characters", field="password"
        )
    return hash_password(password)


async def create_rep(ctx: Context, data: dict[str, Any]) -> Rep:
    """Validate and store a new user (admins only); emails are unique."""
    access.require_role(ctx, Role.ADMIN)
    password = data.pop("password", None)
    if password is not None:
        data["password_hash"] = _password_hash(password)
    await _check_manager(data)
    rep = build(Rep, data)
    await _unique_email(rep.email)
    rep.stamp.created_by = rep.stamp.updated_by = ctx.actor_id
    try:
        await insert(rep)
    except DuplicateKeyError:
        raise Conflict(
            f"a user with email {rep.email} already exists", field="email"
        ) from None
    return rep


async def update_rep(
    ctx: Context, rep_id: str, revision: str | None, changes: dict[str, Any]
) -> Rep:
    """Apply ``changes`` to a user: admins change anyone, users their own profile."""
    who = access.principal(ctx)
    access.check_writer(who)
    current = changes.pop("current_password", None)
    rep = await fetch_visible(Rep, object_id(rep_id, "id"), access.rep_rule(who))
    access.check_profile_change(who, rep.id, set(changes))
    check_revision(rep, revision)
    new_password = "password" in changes
    if new_password:
        if rep.id == who.user_id and not password_matches(
            rep.password_hash, current or ""
        ):
            raise Invalid(
                "give the current password to change it", field="currentPassword"
            )
        changes["password_hash"] = _password_hash(changes.pop("password"))
    await _check_manager(changes)
    if changes.get("manager_id") == rep.id:
        raise Invalid("a rep cannot be their own manager", field="managerId")
    new = changed(rep, changes)
    if new.email != rep.email:
        await _unique_email(new.email, rep.id)
    new.stamp.touch(ctx.actor_id)
    try:
        await save(new)
    except DuplicateKeyError:
        raise Conflict(
            f"a user with email {new.email} already exists", field="email"
        ) from None
    if new_password:
        await end_other_sessions(stored_id(new), ctx.session_id)
    ctx.loaders.forget(new)
    return new
