"""The ``serve``, ``seed``, ``export-schema`` and ``export-possible-types`` commands."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from motor.motor_asyncio import AsyncIOMotorDatabase

from defenses import connections
from settings import Settings
from store import EmbeddedStore, StoreUnavailable, open_database, ping, redact

DEMO_SIZE = {"customers": 200, "reps": 8, "months": 6, "seed": 42}


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _port(text: str) -> int:
    value = _positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a TCP port (1-65535)")
    return value


def store_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("store")
    group.add_argument(
        "--mongodb-uri",
        metavar="URI",
        help="MongoDB to use (default: $MONGODB_URI, else the embedded store)",
    )
    group.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="where the embedded store keeps its files "
        "(default: $VISITPLAN_DATA_DIR or ./data)",
    )
    group.add_argument(
        "--database",
        metavar="NAME",
        help="database name (default: $VISITPLAN_DB or visitplan)",
    )
    return parent


def settings_from(args: argparse.Namespace) -> Settings:
    """Environment settings, overridden by the command-line options given."""
    settings = Settings.from_env()
    if args.mongodb_uri:
        settings = replace(settings, mongodb_uri=args.mongodb_uri)
    if args.data_dir:
        settings = replace(settings, data_dir=args.data_dir)
    if args.database:
        settings = replace(settings, database=args.database)
    return settings


#: Largest header block (bytes) h11 buffers before it refuses the request.
MAX_HEADER_BYTES = 16 * 1024


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options that follow from the settings.

    Slow headers and one address's connections are bounded
    (:mod:`defenses.connections`). ``X-Forwarded-For`` is read only from the
    trusted proxies; with none (the
    default) uvicorn's proxy headers are off, so no client, local ones included,
    can choose the address the sign-in limiter counts.
    """
    return {
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies) or None,
        "timeout_keep_alive": 5,
        # h11 (httptools would ignore the header cap), with a header deadline
        # and a cap on connections per client address.
        "http": connections.protocol(
            settings.header_timeout_s, settings.max_connections_per_address
        ),
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    }


def serve(args: argparse.Namespace) -> int:
    """Run the HTTP server until interrupted."""
    import uvicorn

    from server import create_app

    settings = replace(settings_from(args), demo=args.demo)
    if args.production:
        settings = replace(settings, production=True)
    if args.trusted_proxies is not None:
        proxies = tuple(p.strip() for p in args.trusted_proxies.split(",") if p.strip())
        settings = replace(settings, trusted_proxies=proxies)
    # The store is started and checked here, so that a store that cannot start
    # or be reached is one clear line and exit code 1, not a server traceback.
    store = None
    try:
        if settings.mongodb_uri is None:
            store = EmbeddedStore(
                settings.data_dir, sync_on_commit=settings.store_sync_on_commit
            ).start()
            where = f"the embedded store in {settings.data_dir.resolve()}"
        else:
            asyncio.run(ping(settings.mongodb_uri))
            where = f"MongoDB at {redact(settings.mongodb_uri)}"
    except StoreUnavailable as error:
        print(f"visitplan: {error}", file=sys.stderr)
        return 1
    print(
        f"visitplan on http://{args.host}:{args.port}/graphql, data in {where}",
        file=sys.stderr,
    )
    try:
        app = create_app(settings, store=store)
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            limit_concurrency=args.limit_concurrency,
            **uvicorn_options(settings),
        )
    finally:
        if store is not None:
            store.stop()
    return 0


@contextlib.asynccontextmanager
async def connected(
    settings: Settings,
) -> AsyncIterator[AsyncIOMotorDatabase[dict[str, Any]]]:
    """The database of ``settings``, starting the embedded store for the while."""
    embedded = (
        None
        if settings.mongodb_uri
        else EmbeddedStore(
            settings.data_dir, sync_on_commit=settings.store_sync_on_commit
        ).start()
    )
    try:
        uri = settings.mongodb_uri or (embedded.uri if embedded else "")
        client, db = await open_database(uri, settings.database)
        try:
            yield db
        finally:
            client.close()
    finally:
        if embedded is not None:
            embedded.stop()


async def _seed(settings: Settings, args: argparse.Namespace) -> str:
    from models.common import utc_now
    from seed import (
        DEMO_PASSWORD,
        generate,
        insert_dataset,
        store_is_empty,
        with_password,
    )

    async with connected(settings) as db:
        if not await store_is_empty():
            if not args.replace:
                raise SystemExit(
                    "visitplan: the store already holds data; "
                    "pass --replace to delete it first"
                )
            for name in await db.list_collection_names():
                await db[name].delete_many({})
        data = generate(
            customers=args.customers,
            reps=args.reps,
            months=args.months,
            seed=args.seed,
            now=utc_now(),
        )
        counts = await insert_dataset(with_password(data, DEMO_PASSWORD))
    return (
        f"seeded {counts.reps} users, {counts.customers} customers, "
        f"{counts.demands} demands and {counts.visits} visits; "
        f"every user signs in with the password {DEMO_PASSWORD}"
    )


def seed(args: argparse.Namespace) -> int:
    """Fill the store with generated demo data."""
    try:
        print(asyncio.run(_seed(settings_from(args), args)))
    except StoreUnavailable as error:
        print(f"visitplan: {error}", file=sys.stderr)
        return 1
    except SystemExit as stop:
        print(stop, file=sys.stderr)
        return 1
    return 0


def export_schema(args: argparse.Namespace) -> int:
    """Print the GraphQL SDL, or write it to a file."""
    from schema import schema

    sdl = schema.as_str() + "\n"
    if args.out is None:
        sys.stdout.write(sdl)
    else:
        args.out.write_text(sdl, encoding="utf-8")
    return 0


def possible_types() -> dict[str, list[str]]:
    """Every interface and union of the schema, mapped to its object types.

    This is the ``possibleTypes`` option of Apollo Client's ``InMemoryCache``
    (the same as introspection's ``possibleTypes``): without it the cache cannot
    tell that a ``ValidationError`` matches ``... on Error`` and drops the
    fragment's fields.
    """
    from graphql import GraphQLInterfaceType, GraphQLUnionType

    from schema import schema

    graphql_schema = schema._schema
    return {
        name: sorted(t.name for t in graphql_schema.get_possible_types(abstract))
        for name, abstract in sorted(graphql_schema.type_map.items())
        if isinstance(abstract, GraphQLInterfaceType | GraphQLUnionType)
        and not name.startswith("__")
    }


def export_possible_types(args: argparse.Namespace) -> int:
    """Print ``possible_types()`` as JSON, or write it to a file."""
    text = json.dumps(possible_types(), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    return 0


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register the server's sub-commands."""
    store = store_options()
    run = commands.add_parser("serve", parents=[store], help="run the GraphQL server")
    run.add_argument("--host", default="127.0.0.1", help="address to listen on")
    run.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000)")
    run.add_argument(
        "--demo", action="store_true", help="seed demo data when the store is empty"
    )
    run.add_argument(
        "--production",
        action="store_true",
        help="hide GraphiQL and mask unexpected errors",
    )
    run.add_argument(
        "--limit-concurrency",
        type=_positive,
        default=200,
        metavar="N",
        help="connections and requests at once; more get 503 (default 200)",
    )
    run.add_argument(
        "--trusted-proxies",
        metavar="ADDRESSES",
        help="comma-separated proxy addresses whose X-Forwarded-For is believed "
        "(default: $VISITPLAN_TRUSTED_PROXIES or none)",
    )
    run.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
    )
    run.set_defaults(handler=serve)

    fill = commands.add_parser(
        "seed", parents=[store], help="fill the store with demo data"
    )
    fill.add_argument("--customers", type=_positive, default=DEMO_SIZE["customers"])
    fill.add_argument(
        "--reps",
        type=_positive,
        default=DEMO_SIZE["reps"],
        help="field reps (an admin, managers and a partner come on top)",
    )
    fill.add_argument(
        "--months",
        type=_positive,
        default=DEMO_SIZE["months"],
        help="months of visit history",
    )
    fill.add_argument(
        "--seed",
        type=int,
        default=DEMO_SIZE["seed"],
        help="random seed: the same seed gives the same data",
    )
    fill.add_argument(
        "--replace", action="store_true", help="delete what the store holds first"
    )
    fill.set_defaults(handler=seed)

    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.add_argument("--out", type=Path, help="write to this file instead of stdout")
    export.set_defaults(handler=export_schema)

    kinds = commands.add_parser(
        "export-possible-types",
        help="print each interface and union with its object types (JSON, for "
        "Apollo Client's possibleTypes)",
    )
    kinds.add_argument("--out", type=Path, help="write to this file instead of stdout")
    kinds.set_defaults(handler=export_possible_types)
