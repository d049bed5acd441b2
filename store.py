"""The database connection: a given MongoDB, or the embedded store run beside us.

The embedded store is SecantusDB, a MongoDB-wire-compatible server. It is GPL-2.0
licensed, so it always runs as its own process and is never imported.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from beanie import init_beanie
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from pymongo.errors import ConnectionFailure

from models import DOCUMENT_MODELS
from store_watch import STORE_CONNECT_TIMEOUT_MS, STORE_TIMEOUT_MS

log = logging.getLogger(__name__)


class StoreUnavailable(RuntimeError):
    """The database could not be started or reached."""


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the OS for a TCP port nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _answers(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), 0.2):
        return True
    return False


@dataclass
class EmbeddedStore:
    """A SecantusDB process keeping its data under ``data_dir``.

    Use as a context manager, or call ``start`` and ``stop``.
    """

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0
    startup_timeout: float = 30.0
    #: Flush every commit to disk before acknowledging it, so that an
    #: acknowledged write survives kill -9 of the store and a power cut. An
    #: in-memory store (``:memory:``) has nothing to keep and never syncs.
    sync_on_commit: bool = True
    _process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        """The connection string of the running store."""
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"

    def start(self) -> EmbeddedStore:
        """Start the store and wait until it accepts connections."""
        storage = str(self.data_dir)
        if storage != ":memory:":
            self.data_dir.mkdir(parents=True, exist_ok=True)
            storage = str(self.data_dir.resolve())
        self.port = self.port or free_port(self.host)
        command = [
            sys.executable,
            "-m",
            "secantus",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--storage-path",
            storage,
            "--log-level",
            "WARNING",
        ]
        if self.sync_on_commit and storage != ":memory:":
            command.append("--sync-on-commit")
        log.info(
            "starting the embedded store on %s:%s (%s)", self.host, self.port, storage
        )
        # The store's own messages go to a log beside its data, not the console.
        if storage == ":memory:":
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        else:
            with open(self.data_dir / "store.log", "ab") as log_file:
                self._process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file
                )
        deadline = time.monotonic() + self.startup_timeout
        while not _answers(self.host, self.port):
            if self._process.poll() is not None:
                raise StoreUnavailable(
                    f"the embedded store exited with code {self._process.returncode}; "
                    f"is another server using {storage}? (see {storage}/store.log)"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise StoreUnavailable("the embedded store did not answer in time")
            time.sleep(0.05)
        return self

    @property
    def pid(self) -> int | None:
        """The store process's id, while it was started and not stopped."""
        return self._process.pid if self._process is not None else None

    @property
    def exit_code(self) -> int | None:
        """The code the store process exited with; ``None`` while it runs
        (and when it was never started or was stopped on purpose)."""
        return self._process.poll() if self._process is not None else None

    def stop(self) -> None:
        """Stop the store, giving it time to close its files cleanly."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """Stop the store at once, as a crash or a power cut would."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def __enter__(self) -> EmbeddedStore:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _short(error: Exception) -> str:
    """The first clause of a driver error, without its topology dump."""
    return str(error).split(" (configured timeouts")[0].split(", Timeout:")[0]


#: How long the start-up check waits for a store that is still coming up.
STARTUP_TIMEOUT_MS = 10_000


def connect(
    uri: str,
    timeout_ms: int = STORE_TIMEOUT_MS,
    connect_timeout_ms: int = STORE_CONNECT_TIMEOUT_MS,
) -> AsyncIOMotorClient[Any]:
    """A Motor client that gives up on an unreachable store after ``timeout_ms``.

    The wait for a usable server is bounded by ``timeout_ms``, so a request
    that runs while the store is gone fails in about that time instead of the
    driver's 30 seconds; opening a connection by ``connect_timeout_ms`` (see
    ``store_watch.STORE_CONNECT_TIMEOUT_MS`` for why it is longer). Reads are
    not bounded: a long aggregation or a change stream's wait are not faults.
    """
    return AsyncIOMotorClient(
        uri,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=connect_timeout_ms,
        tz_aware=True,
    )


async def ping(uri: str, timeout_ms: int = STARTUP_TIMEOUT_MS) -> None:
    """Check that the MongoDB at ``uri`` answers, or raise ``StoreUnavailable``."""
    client = connect(uri, timeout_ms, max(timeout_ms, STORE_CONNECT_TIMEOUT_MS))
    try:
        await client.admin.command("ping")
    except Exception as error:
        raise StoreUnavailable(
            f"cannot reach MongoDB at {redact(uri)}: {_short(error)}"
        ) from None
    finally:
        client.close()


async def _first_ping(client: AsyncIOMotorClient[Any]) -> None:
    """Ping until the store answers, for the start-up time at most.

    A store still coming up (a container started beside this one) gets the
    start-up time, though each later request gives up after its timeout.
    """
    deadline = time.monotonic() + STARTUP_TIMEOUT_MS / 1000
    while True:
        try:
            await client.admin.command("ping")
            return
        except ConnectionFailure:
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.1)


async def open_database(
    uri: str,
    database: str,
    timeout_ms: int = STORE_TIMEOUT_MS,
    connect_timeout_ms: int = STORE_CONNECT_TIMEOUT_MS,
) -> tuple[AsyncIOMotorClient[dict[str, Any]], AsyncIOMotorDatabase[dict[str, Any]]]:
    """Connect to ``uri``, check that it answers, and initialise Beanie on it.

    It waits up to 10 seconds for a store that is not reachable yet;
    ``timeout_ms`` bounds every later request's wait (see ``connect``).
    """
    client: AsyncIOMotorClient[dict[str, Any]] = connect(
        uri, timeout_ms, connect_timeout_ms
    )
    try:
        await _first_ping(client)
    except Exception as error:
        client.close()
        raise StoreUnavailable(
            f"cannot reach MongoDB at {redact(uri)}: {_short(error)}"
        ) from None
    db = client[database]
    await init_beanie(database=db, document_models=DOCUMENT_MODELS)
    return client, db


def redact(uri: str) -> str:
    """Hide the password in a connection string."""
    if "@" not in uri or "://" not in uri:
        return uri
    scheme, rest = uri.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
