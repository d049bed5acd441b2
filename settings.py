"""Configuration read from the environment, with the defaults a developer wants."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from defenses.connections import HEADER_TIMEOUT_S, MAX_PER_ADDRESS
from defenses.http import CORS_HEADERS, MAX_BODY_BYTES, REQUEST_TIMEOUT_S
from resolvers.plans.engine import LOCAL_WORKERS
from resolvers.plans.jobs import PLANS_PER_TEAM, PLANS_PER_USER
from store_watch import (
    PING_FAILURES,
    PING_INTERVAL_MS,
    PING_TIMEOUT_MS,
    STORE_CONNECT_TIMEOUT_MS,
    STORE_TIMEOUT_MS,
)

#: The largest file ``POST /bulk/import`` takes (100,000 account rows are
#: about 12 MiB).
BULK_MAX_BYTES = 64 * 1024 * 1024
#: Seconds an import's file may take to arrive.
BULK_UPLOAD_TIMEOUT_S = 300.0


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _origins(raw: str | None) -> tuple[str, ...]:
    return tuple(o.strip().rstrip("/") for o in (raw or "").split(",") if o.strip())


def _path(raw: str | None) -> Path | None:
    return Path(raw.strip()) if raw and raw.strip() else None


def _list(raw: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (raw or "").split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """Server settings.

    Attributes:
        mongodb_uri: the MongoDB to use; ``None`` starts the embedded store.
        database: the database name inside that MongoDB.
        data_dir: where the embedded store keeps its files.
        production: hides GraphiQL and masks unexpected error messages; turns
            introspection and "Did you mean" suggestions off.
        cors_origins: browser origins allowed to call the API (none by default).
        cors_headers: request headers those origins may send (``CORS_HEADERS``).
        max_body_bytes: larger request bodies get 413.
        request_timeout_s: longer requests are stopped with 504, code TIMEOUT.
        trusted_proxies: addresses whose ``X-Forwarded-For`` is believed (none by
            default: the client address is the socket's peer).
        header_timeout_s: a connection that has not sent a request's whole header
            block this long after it opened (or after its last response) is
            closed.
        max_connections_per_address: open connections one client address may
            hold; more are closed at once.
        persisted_documents: a manifest of the only documents that may run
            (``{"<hash>": "<document>"}`` or Apollo's manifest format); none by
            default, when any document runs and APQ registers hashes.
        ws_init_timeout_s: a WebSocket that has not sent ``connection_init``
            this long after opening is closed (4408).
        ws_max_connections_per_user: open WebSocket connections one user or API
            key may hold on one server process; more are refused (4403).
        ws_max_subscriptions: operations at once on one WebSocket connection;
            more get an error message.
        ws_ping_interval_s: the server pings each acknowledged WebSocket this
            often, first checking that its credential still holds (else 4403);
            0 sends no pings.
        ws_pong_timeout_s: a ping not answered with a pong this long after it
            was sent closes the connection (4408).
        store_timeout_ms: how long a request waits for a usable store (the
            driver's server selection) before it fails with STORE_UNAVAILABLE.
        store_connect_timeout_ms: how long opening a connection to the store,
            and each of the driver's heartbeats, may take.
        store_ping_interval_ms: how often the server pings the store.
        store_ping_timeout_ms: a ping not answered in this time has failed.
        store_ping_failures: failed pings in a row after which the store is
            taken as down (``/healthz`` 503, requests STORE_UNAVAILABLE); the
            first good ping takes it as up again.
        store_sync_on_commit: the embedded store flushes each commit to disk
            before acknowledging it, so acknowledged writes survive kill -9.
        bulk_max_bytes: larger files sent to ``POST /bulk/import`` get 413
            (the bulk routes have this limit instead of ``max_body_bytes``).
        bulk_upload_timeout_s: an import's file that has not arrived this long
            after the request began gets 408 (the bulk routes have this limit
            instead of ``request_timeout_s``; the import itself runs on).
        scheduler: the Dask scheduler background plans are computed on
            (``tcp://host:8786``); ``None`` starts a local cluster with the
            server, on the first background plan.
        engine_workers: worker processes of that local cluster.
        plans_per_user: background plans one user may have running or queued.
        plans_per_team: background plans one team (a manager and their reps)
            may have running or queued.
    """

    mongodb_uri: str | None = None
    database: str = "visitplan"
    data_dir: Path = Path("data")
    production: bool = False
    debug_errors: bool = field(default=False)
    demo: bool = False
    #: Signs access tokens; set VISITPLAN_SECRET in production (required there).
    #: Without it a random secret is made at start, so tokens end with the process.
    secret: str | None = None
    cors_origins: tuple[str, ...] = ()
    cors_headers: tuple[str, ...] = CORS_HEADERS
    max_body_bytes: int = MAX_BODY_BYTES
    request_timeout_s: float = REQUEST_TIMEOUT_S
    trusted_proxies: tuple[str, ...] = ()
    header_timeout_s: float = HEADER_TIMEOUT_S
    max_connections_per_address: int = MAX_PER_ADDRESS
    persisted_documents: Path | None = None
    ws_init_timeout_s: float = 10.0
    ws_max_connections_per_user: int = 5
    ws_max_subscriptions: int = 20
    ws_ping_interval_s: float = 15.0
    ws_pong_timeout_s: float = 10.0
    store_timeout_ms: int = STORE_TIMEOUT_MS
    store_connect_timeout_ms: int = STORE_CONNECT_TIMEOUT_MS
    store_ping_interval_ms: int = PING_INTERVAL_MS
    store_ping_timeout_ms: int = PING_TIMEOUT_MS
    store_ping_failures: int = PING_FAILURES
    store_sync_on_commit: bool = True
    bulk_max_bytes: int = BULK_MAX_BYTES
    bulk_upload_timeout_s: float = BULK_UPLOAD_TIMEOUT_S
    scheduler: str | None = None
    engine_workers: int = LOCAL_WORKERS
    plans_per_user: int = PLANS_PER_USER
    plans_per_team: int = PLANS_PER_TEAM

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings from environment variables (the README lists them)."""
        return cls(
            mongodb_uri=os.environ.get("MONGODB_URI") or None,
            database=os.environ.get("VISITPLAN_DB", "visitplan"),
            data_dir=Path(os.environ.get("VISITPLAN_DATA_DIR", "data")),
            production=os.environ.get("VISITPLAN_ENV", "development") == "production",
            debug_errors=_flag("VISITPLAN_DEBUG_ERRORS", False),
            secret=os.environ.get("VISITPLAN_SECRET") or None,
            cors_origins=_origins(os.environ.get("VISITPLAN_CORS_ORIGINS")),
            cors_headers=_list(os.environ.get("VISITPLAN_CORS_HEADERS"))
            or CORS_HEADERS,
            max_body_bytes=int(
                os.environ.get("VISITPLAN_MAX_BODY_BYTES", MAX_BODY_BYTES)
            ),
            request_timeout_s=float(
                os.environ.get("VISITPLAN_REQUEST_TIMEOUT", REQUEST_TIMEOUT_S)
            ),
            trusted_proxies=_list(os.environ.get("VISITPLAN_TRUSTED_PROXIES")),
            header_timeout_s=float(
                os.environ.get("VISITPLAN_HEADER_TIMEOUT", HEADER_TIMEOUT_S)
            ),
            max_connections_per_address=int(
                os.environ.get("VISITPLAN_MAX_CONNECTIONS_PER_ADDRESS", MAX_PER_ADDRESS)
            ),
            persisted_documents=_path(os.environ.get("VISITPLAN_PERSISTED_DOCUMENTS")),
            ws_init_timeout_s=float(os.environ.get("VISITPLAN_WS_INIT_TIMEOUT", 10)),
            ws_max_connections_per_user=int(
                os.environ.get("VISITPLAN_WS_MAX_CONNECTIONS_PER_USER", 5)
            ),
            ws_max_subscriptions=int(
                os.environ.get("VISITPLAN_WS_MAX_SUBSCRIPTIONS", 20)
            ),
            ws_ping_interval_s=float(os.environ.get("VISITPLAN_WS_PING_INTERVAL", 15)),
            ws_pong_timeout_s=float(os.environ.get("VISITPLAN_WS_PONG_TIMEOUT", 10)),
            store_timeout_ms=int(
                os.environ.get("VISITPLAN_STORE_TIMEOUT_MS", STORE_TIMEOUT_MS)
            ),
            store_connect_timeout_ms=int(
                os.environ.get(
                    "VISITPLAN_STORE_CONNECT_TIMEOUT_MS", STORE_CONNECT_TIMEOUT_MS
                )
            ),
            store_ping_interval_ms=int(
                os.environ.get("VISITPLAN_STORE_PING_INTERVAL_MS", PING_INTERVAL_MS)
            ),
            store_ping_timeout_ms=int(
                os.environ.get("VISITPLAN_STORE_PING_TIMEOUT_MS", PING_TIMEOUT_MS)
            ),
            store_ping_failures=int(
                os.environ.get("VISITPLAN_STORE_PING_FAILURES", PING_FAILURES)
            ),
            store_sync_on_commit=_flag("VISITPLAN_STORE_SYNC_ON_COMMIT", True),
            bulk_max_bytes=int(
                os.environ.get("VISITPLAN_BULK_MAX_BYTES", BULK_MAX_BYTES)
            ),
            bulk_upload_timeout_s=float(
                os.environ.get("VISITPLAN_BULK_UPLOAD_TIMEOUT", BULK_UPLOAD_TIMEOUT_S)
            ),
            scheduler=os.environ.get("VISITPLAN_SCHEDULER", "").strip() or None,
            engine_workers=int(
                os.environ.get("VISITPLAN_ENGINE_WORKERS", LOCAL_WORKERS)
            ),
            plans_per_user=int(
                os.environ.get("VISITPLAN_PLANS_PER_USER", PLANS_PER_USER)
            ),
            plans_per_team=int(
                os.environ.get("VISITPLAN_PLANS_PER_TEAM", PLANS_PER_TEAM)
            ),
        )
