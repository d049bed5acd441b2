"""Reading and changing reps (the users who visit customers)."""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from models import Rep
from resolvers.common import build, changed, check_revision, fetch, object_id, save
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


async def create_rep(ctx: Context, data: dict[str, Any]) -> Rep:
    """Validate and store a new rep; emails are unique."""
    await _check_manager(data)
    rep = build(Rep, data)
    await _unique_email(rep.email)
    rep.stamp.created_by = rep.stamp.updated_by = ctx.actor_id
    try:
        await rep.insert()
    except DuplicateKeyError:
        raise Conflict(
            f"a user with email {rep.email} already exists", field="email"
        ) from None
    return rep


async def update_rep(
    ctx: Context, rep_id: str, revision: str | None, changes: dict[str, Any]
) -> Rep:
    """Apply ``changes`` to a rep, refusing a stale revision."""
    rep = await fetch(Rep, object_id(rep_id, "id"))
    check_revision(rep, revision)
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
    ctx.loaders.forget(new)
    return new
