"""Watching the store: is it answering, and restarting the embedded one when it exits.

The server's lifespan runs one ``StoreWatch``. It pings the store every
``interval_s``, takes the store as down after ``failures_to_down`` failed pings
in a row (one slow or lost ping changes nothing) and as up again on the first
good ping. ``/healthz`` and every GraphQL request read ``up``, so while the
store is down they answer 503 and STORE_UNAVAILABLE at once instead of waiting
for the driver's timeouts.

Given the embedded store's process (``store``), the watch also sees it exit and
starts it again on the same port and data directory, waiting longer between
tries while it keeps failing. With MongoDB (``MONGODB_URI``) nothing is
restarted: MongoDB's own supervisor does that, and the watch only reports.

The pings and restarts run on the watch's own thread, so neither a busy
event loop nor a full driver thread pool can make a good store look down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from pymongo import MongoClient

log = logging.getLogger("visitplan.store")

#: Milliseconds a request waits for a usable store (the driver's server
#: selection) before it fails (``Settings.store_timeout_ms``).
STORE_TIMEOUT_MS = 1000
#: Milliseconds to open a connection (``Settings.store_connect_timeout_ms``).
#: The driver's monitor also waits this long for each heartbeat and, past it,
#: takes the server as gone and cancels the operations in flight, so it stays
#: well above what a busy store may take to answer.
STORE_CONNECT_TIMEOUT_MS = 5000
#: How often the store is pinged (``Settings.store_ping_interval_ms``).
PING_INTERVAL_MS = 250
#: A ping not answered in this time has failed (``Settings.store_ping_timeout_ms``).
PING_TIMEOUT_MS = 1000
#: Failed pings in a row that make the store down (``Settings.store_ping_failures``).
PING_FAILURES = 2
#: Seconds before the first, second, ... restart of an exited embedded store;
#: the last one repeats.
RESTART_DELAYS_S = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
#: A store that has run this long since its last restart starts the delays over.
STABLE_AFTER_S = 60.0


class Supervised(Protocol):
    """A store process the watch may restart (``store.EmbeddedStore``)."""

    port: int

    @property
    def exit_code(self) -> int | None:
        """The process's exit code once it has exited, else ``None``."""

    def start(self) -> Any:
        """Start the process and wait until it accepts connections."""


class Pinger:
    """Pings the MongoDB at a URI with a client of its own and short timeouts.

    A synchronous client, called on the watch's thread, so requests'
    connections are never borrowed for it. It does not wait for a usable
    server: the driver's monitor, which sees a closed connection at once and
    checks again every half second (its shortest period), already knows
    whether there is one, and the driver would only wait in half-second steps.
    A server that is there but slow fails after ``timeout_ms``.
    """

    def __init__(
        self,
        uri: str,
        timeout_ms: int = PING_TIMEOUT_MS,
        connect_timeout_ms: int = STORE_CONNECT_TIMEOUT_MS,
    ) -> None:
        self.client: MongoClient[dict[str, Any]] = MongoClient(
            uri,
            serverSelectionTimeoutMS=0,
            heartbeatFrequencyMS=500,
            connectTimeoutMS=connect_timeout_ms,
            socketTimeoutMS=timeout_ms,
        )

    def __call__(self) -> None:
        """One ping; raises when the store does not answer in time."""
        self.client.admin.command("ping")

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()


class StoreWatch:
    """Whether the store answers, from periodic pings; restarts ``store``.

    Attributes:
        up: the store is taken as answering (it starts so: the server has just
            connected to it).
        failures: failed pings in a row.
        restarts: times the embedded store was started again.
    """

    def __init__(
        self,
        ping: Callable[[], object],
        *,
        interval_s: float = PING_INTERVAL_MS / 1000,
        failures_to_down: int = PING_FAILURES,
        store: Supervised | None = None,
        clock: Callable[[], float] = time.monotonic,
        restart_delays_s: tuple[float, ...] = RESTART_DELAYS_S,
    ) -> None:
        if failures_to_down < 1:
            raise ValueError("failures_to_down must be at least 1")
        self.ping = ping
        self.interval_s = interval_s
        self.failures_to_down = failures_to_down
        self.store = store
        self.clock = clock
        self.restart_delays_s = restart_delays_s
        self.up = True
        self.failures = 0
        self.restarts = 0
        self._tries = 0  # restarts since the store last ran stably
        self._restart_at: float | None = None
        self._start_failed = False
        self._last_restart: float | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="store-watch")
        self._task: asyncio.Task[None] | None = None

    def record(self, ok: bool) -> bool:
        """Count one ping's outcome; return whether the store is now up."""
        if ok:
            if not self.up:
                log.warning("the store answers again")
            self.up, self.failures = True, 0
            return True
        self.failures += 1
        if self.up and self.failures >= self.failures_to_down:
            log.warning("the store is down: %s failed pings in a row", self.failures)
            self.up = False
        return self.up

    async def step(self) -> bool:
        """Check the store once (and restart it if it exited); return ``up``."""
        store = self.store
        if store is not None and (self._start_failed or store.exit_code is not None):
            return await self._supervise(store)
        return self.record(await self._ping_ok())

    async def _ping_ok(self) -> bool:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._thread, self.ping)
        except Exception as error:  # any failure to answer is the point here
            log.debug("store ping failed: %s", type(error).__name__)
            return False
        return True

    async def _supervise(self, store: Supervised) -> bool:
        now = self.clock()
        if self._restart_at is None:  # just found exited
            if self.up:
                log.warning("the embedded store exited with code %s", store.exit_code)
            self.up, self.failures = False, max(self.failures, self.failures_to_down)
            self._restart_at = self._next_restart(now)
        if now < self._restart_at:
            return False
        self._tries += 1
        self.restarts += 1
        self._last_restart = now
        log.warning(
            "restarting the embedded store on port %s (restart %s)",
            store.port,
            self.restarts,
        )
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._thread, store.start)
        except Exception as error:  # it stays down; a later step tries again
            self._start_failed = True
            self._restart_at = self._next_restart(self.clock())
            log.error(
                "the embedded store did not start (%s); next try in %.1f s",
                type(error).__name__,
                self._restart_at - self.clock(),
            )
            return False
        self._start_failed, self._restart_at = False, None
        log.warning("the embedded store is running again")
        return self.record(await self._ping_ok())

    def _next_restart(self, now: float) -> float:
        """When to start the store next: later with each try in a short while."""
        if self._last_restart is None or now - self._last_restart > STABLE_AFTER_S:
            self._tries = 0
        delays = self.restart_delays_s
        return now + delays[min(self._tries, len(delays) - 1)]

    async def run(self) -> None:
        """Check the store every ``interval_s`` until cancelled."""
        while True:
            try:
                await self.step()
            except Exception as error:  # a bug here must not end the watching
                log.error("store watch failed: %s", type(error).__name__)
            await asyncio.sleep(self.interval_s)

    def start(self) -> StoreWatch:
        """Run the watch in the background on the running event loop."""
        self._task = asyncio.get_running_loop().create_task(self.run())
        return self

    async def stop(self) -> None:
        """Stop watching; wait for a ping or restart in progress to finish."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # A restart still running on the thread would leave a process behind
        # the store's own stop(); wait for it.
        await asyncio.to_thread(self._thread.shutdown, wait=True)
