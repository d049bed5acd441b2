"""The ``user`` and ``apikey`` commands: accounts and partners' keys from a shell."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from typing import Any

from cli.server import connected, settings_from, store_options
from models.rep import Role
from store import StoreUnavailable


class Refused(Exception):
    """The command cannot do what was asked; the message says why."""


async def _admin_context(email: str | None) -> Any:
    """A context acting as ``email`` (an admin or manager), or with full rights."""
    from models import Rep
    from resolvers.access import Principal
    from resolvers.context import Context

    if email is None:
        return Context(principal=Principal.system())
    user = await Rep.find_one({"email": email.lower()})
    if user is None:
        raise Refused(f"no user with e-mail {email}")
    from resolvers.auth import principal_for

    return Context(principal=await principal_for(user))


async def _first_admin() -> str:
    """The e-mail of the first active admin (the oldest), whom a key made
    without ``--creator`` acts for."""
    from models import Rep

    admin = await Rep.find_one(
        {"role": Role.ADMIN.value, "active": True}, sort=[("_id", 1)]
    )
    if admin is None:
        raise Refused("no active admin to act for; give --creator EMAIL")
    return str(admin.email)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    env = os.environ.get("VISITPLAN_PASSWORD")
    if env:
        return env
    if not sys.stdin.isatty():
        raise Refused("give the password with --password-stdin or VISITPLAN_PASSWORD")
    return getpass.getpass("Password (12 characters or more): ")


def _state(active: bool) -> str:
    return "active" if active else "disabled"


async def _user(args: argparse.Namespace) -> str:
    from models import Rep
    from resolvers import reps
    from resolvers.errors import DomainError

    async with connected(settings_from(args)):
        ctx = await _admin_context(None)
        if args.action == "list":
            users = await Rep.find({}).sort("email").to_list()
            return (
                "\n".join(
                    f"{u.email:40} {u.role.value:8} {_state(u.active)}" for u in users
                )
                or "no users"
            )
        if args.action == "disable":
            user = await Rep.find_one({"email": args.email.lower()})
            if user is None:
                raise Refused(f"no user with e-mail {args.email}")
            await reps.update_rep(ctx, str(user.id), None, {"active": False})
            return f"disabled {user.email}"
        data = {
            "name": args.name,
            "email": args.email,
            "role": args.role,
            "territory": args.territory,
            "password": _password(args),
        }
        try:
            user = await reps.create_rep(ctx, data)
        except DomainError as refused:
            raise Refused(refused.message) from None
        return f"created {user.role.value} {user.email}"


async def _apikey(args: argparse.Namespace) -> str:
    from resolvers import api_keys
    from resolvers.errors import DomainError

    async with connected(settings_from(args)):
        if args.action == "list":
            ctx = await _admin_context(None)
            keys = await api_keys.list_api_keys(ctx)
            return (
                "\n".join(
                    f"{k.prefix}  {k.name:30} {','.join(k.scopes):45} "
                    f"expires {k.expires_at:%Y-%m-%d}"
                    f"{'  REVOKED' if k.revoked_at else ''}"
                    for k in keys
                )
                or "no API keys"
            )
        if args.action == "revoke":
            from models.auth import ApiKey

            key = await ApiKey.find_one({"prefix": args.prefix})
            if key is None:
                raise Refused(f"no API key {args.prefix}")
            await api_keys.revoke_api_key(await _admin_context(None), str(key.id))
            return f"revoked {args.prefix}"
        ctx = await _admin_context(args.creator or await _first_admin())
        try:
            key, secret = await api_keys.create_api_key(
                ctx, args.name, args.scopes.split(","), args.days
            )
        except DomainError as refused:
            raise Refused(refused.message) from None
        return f"created {key.prefix} for {key.name}; the secret, shown once:\n{secret}"


def _run(job: Any) -> int:
    from resolvers.access import Forbidden

    try:
        print(asyncio.run(job))
    except (Refused, Forbidden, StoreUnavailable) as refused:
        print(f"visitplan: {refused}", file=sys.stderr)
        return 1
    return 0


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register the ``user`` and ``apikey`` commands."""
    store = store_options()
    user = commands.add_parser("user", help="create, list or disable users")
    actions = user.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", parents=[store], help="create a user")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--territory")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input "
        "(else $VISITPLAN_PASSWORD, else a prompt)",
    )
    actions.add_parser("list", parents=[store], help="list users")
    disable = actions.add_parser(
        "disable", parents=[store], help="stop a user signing in"
    )
    disable.add_argument("--email", required=True)
    user.set_defaults(handler=lambda args: _run(_user(args)))

    key = commands.add_parser(
        "apikey", help="create, list or revoke partners' API keys"
    )
    actions = key.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", parents=[store], help="create a key")
    create.add_argument("--name", required=True, help="whose key it is")
    create.add_argument(
        "--scopes",
        required=True,
        help="comma-separated: customers:read, customers:write, demands:read, "
        "demands:write, visits:read, visits:write, plans:read",
    )
    create.add_argument("--days", type=int, default=90, help="lifetime (1-366 days)")
    create.add_argument(
        "--creator",
        metavar="EMAIL",
        help="the admin or manager the key acts for (default: the first admin)",
    )
    actions.add_parser("list", parents=[store], help="list keys")
    revoke = actions.add_parser("revoke", parents=[store], help="revoke a key")
    revoke.add_argument("prefix", help="the key's prefix, as listed")
    key.set_defaults(handler=lambda args: _run(_apikey(args)))
