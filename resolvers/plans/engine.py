"""The task engine background plans are computed on: a Dask cluster.

The server hands each background plan to an :class:`Engine`. The one in use is
:class:`DaskEngine`: with ``VISITPLAN_SCHEDULER`` set it connects to that Dask
scheduler; without it, it starts a local cluster of its own (a scheduler in the
server process and ``VISITPLAN_ENGINE_WORKERS`` worker processes, one thread
each) the first time a background plan needs it, and stops it with the server.

On a worker, :func:`run_job` solves the problem. It reports every new best
objective as a Dask event on the topic :data:`PROGRESS_TOPIC`, which the server
subscribes to, and it checks the Dask ``Event`` named :func:`stop_name` of its
job twice a second: once that is set (the plan was discarded, or the server
stopped) the planner's ``should_stop`` answers true and the search ends, so the
worker is free for the next job. A worker that dies mid-job (killed, out of
memory) is noticed by the scheduler, which runs the job again on another
worker (up to Dask's ``distributed.scheduler.allowed-failures``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future as ThreadFuture
from typing import Any, Protocol

from planner import Plan, Problem, Stopped, solve

log = logging.getLogger("visitplan.engine")

PROGRESS_TOPIC = "visitplan-progress"
"""The Dask event topic workers report a job's best objective so far on."""
STOP_CHECK_S = 0.5
"""Seconds between a worker's looks at its job's stop event."""
LOCAL_WORKERS = 2
"""Worker processes of the local cluster (one planner thread each)."""
LOOPBACK = "127.0.0.1:0"
"""Where the local cluster's servers listen: loopback, a port the system picks."""


def stop_name(key: str) -> str:
    """The name of the Dask ``Event`` that asks job ``key`` to stop."""
    return f"visitplan-stop-{key}"


class Engine(Protocol):
    """Where background plans are computed (:class:`DaskEngine`, or a fake in
    the tests)."""

    async def slots(self) -> int:
        """Plans the engine computes at the same time (its worker threads)."""
        ...

    async def run(
        self, key: str, problem: Problem, *, time_limit: float, seed: int
    ) -> Plan | None:
        """Compute the plan of job ``key``; ``None`` when it was stopped."""
        ...

    def progress(self, key: str) -> tuple[float, float] | None:
        """The best objective so far of running job ``key``, and its second."""
        ...

    async def stop(self, key: str) -> None:
        """Ask job ``key`` to stop, wherever it runs."""
        ...

    async def close(self) -> None:
        """Let go of the engine (and stop a cluster it started)."""
        ...


def solve_until(
    problem: Problem,
    *,
    time_limit: float,
    seed: int,
    stopped: threading.Event,
    report: Callable[[float, float], None],
) -> Plan | None:
    """Solve ``problem`` until its time limit or until ``stopped`` is set.

    Returns:
        The plan, or ``None`` when ``stopped`` was set before it was ready.
    """
    try:
        return solve(
            problem,
            time_limit=time_limit,
            seed=seed,
            on_progress=report,
            should_stop=stopped.is_set,
        )
    except Stopped:
        return None


def run_job(key: str, problem: Problem, time_limit: float, seed: int) -> Plan | None:
    """On a Dask worker: compute job ``key`` (see the module's docstring)."""
    from distributed import Event, get_client, get_worker

    worker = get_worker()
    # The worker's client, named: an Event made without one cannot be read
    # from the watcher thread.
    flag = Event(stop_name(key), client=get_client())
    stopped = threading.Event()
    finished = threading.Event()

    def watch() -> None:
        # A thread of its own: the planner's hook must only read a flag, and
        # asking the scheduler takes a round trip.
        while not finished.wait(STOP_CHECK_S):
            try:
                if flag.is_set():
                    stopped.set()
                    return
            except Exception:  # the scheduler is away for a moment: ask again
                log.debug("could not read the stop event of %s", key, exc_info=True)

    def report(objective: float, seconds: float) -> None:
        message = {"key": key, "objective": objective, "seconds": seconds}
        worker.log_event(PROGRESS_TOPIC, message)

    threading.Thread(target=watch, daemon=True, name=f"stop-{key}").start()
    try:
        return solve_until(
            problem, time_limit=time_limit, seed=seed, stopped=stopped, report=report
        )
    finally:
        finished.set()


class DaskEngine:
    """Background plans on a Dask cluster.

    A synchronous ``distributed.Client`` runs its own event loop in a thread;
    the server's event loop waits for its futures through
    :func:`asyncio.wrap_future`, so no Dask call blocks a request.

    Args:
        address: A Dask scheduler (``tcp://host:8786``); ``None`` starts a local
            cluster on first use.
        workers: Worker processes of that local cluster.
    """

    def __init__(self, address: str | None = None, workers: int = LOCAL_WORKERS):
        self.address = address
        self.workers = workers
        self._client: Any = None
        self._cluster: Any = None
        self._opening: asyncio.Future[Any] | None = None
        self._latest: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _open(self) -> Any:
        from distributed import Client, LocalCluster

        if self.address is None:
            # The scheduler in this process, workers as processes of their own
            # (a planner holds the interpreter lock); no dashboard, random ports
            # on loopback. The scheduler's HTTP server (health, metrics) starts
            # even without a dashboard, on port 8787 unless told otherwise.
            self._cluster = LocalCluster(
                processes=True,
                n_workers=self.workers,
                threads_per_worker=1,
                dashboard_address=None,
                scheduler_port=0,
                host="127.0.0.1",
                scheduler_kwargs={"dashboard": False, "dashboard_address": LOOPBACK},
            )
            client = Client(self._cluster, set_as_default=False)
        else:
            client = Client(self.address, set_as_default=False)
        client.subscribe_topic(PROGRESS_TOPIC, self._note)
        where = self.address or self._cluster.scheduler_address
        log.info("planning engine: scheduler at %s", where)
        return client

    async def client(self) -> Any:
        """The Dask client, connecting (or starting the local cluster) once."""
        if self._client is None:
            if self._opening is None:
                self._opening = asyncio.ensure_future(asyncio.to_thread(self._open))
            try:
                self._client = await asyncio.shield(self._opening)
            except BaseException:
                if self._opening.done():
                    self._opening = None  # a failed start is tried again next time
                raise
        return self._client

    def _note(self, event: tuple[float, dict[str, Any]]) -> None:
        _, message = event
        with self._lock:
            self._latest[message["key"]] = (message["objective"], message["seconds"])

    async def slots(self) -> int:
        """The worker threads the scheduler knows of (at least one)."""
        client = await self.client()
        info = await asyncio.to_thread(client.scheduler_info)
        threads = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
        return max(1, threads)

    async def run(
        self, key: str, problem: Problem, *, time_limit: float, seed: int
    ) -> Plan | None:
        """Compute job ``key`` on the cluster and wait for its plan.

        Cancelling the wait asks the job to stop and drops it from the cluster.
        """
        client = await self.client()
        future = client.submit(
            run_job,
            key,
            problem,
            time_limit,
            seed,
            key=f"visitplan-plan-{key}",
            pure=False,
        )
        cancelled = False
        try:
            return await asyncio.wrap_future(_result_of(future))
        except asyncio.CancelledError:
            # The stop event stays set: the job may not have started yet, and
            # must stop when it does.
            cancelled = True
            await self.stop(key)
            client.cancel(future)
            raise
        finally:
            future.release()
            with self._lock:
                self._latest.pop(key, None)
            if not cancelled:
                await asyncio.to_thread(_clear_stop, client, key)

    def progress(self, key: str) -> tuple[float, float] | None:
        """The best objective so far of job ``key`` (``None`` before a report)."""
        with self._lock:
            return self._latest.get(key)

    async def stop(self, key: str) -> None:
        """Set job ``key``'s stop event; its worker stops within a second.

        An engine not connected yet has computed nothing of this server's, and
        a local cluster is not started just to say so.
        """
        from distributed import Event

        if self._client is None and self.address is None:
            return
        client = await self.client()
        await asyncio.to_thread(lambda: Event(stop_name(key), client=client).set())

    async def close(self) -> None:
        """Close the client, and the local cluster if this engine started it."""
        if self._opening is not None and not self._opening.done():
            await asyncio.wait({self._opening})
        client, cluster = self._client, self._cluster
        self._client = self._cluster = self._opening = None
        if client is not None:
            await asyncio.to_thread(client.close)
        if cluster is not None:
            await asyncio.to_thread(cluster.close)


def _result_of(future: Any) -> ThreadFuture[Plan | None]:
    """A ``concurrent.futures`` future holding the Dask future's result.

    Dask calls done callbacks in a thread of its own, where fetching the result
    may block.
    """
    out: ThreadFuture[Plan | None] = ThreadFuture()

    def settle(done: Any) -> None:
        if not out.set_running_or_notify_cancel():
            return  # nobody waits for it any more
        try:
            out.set_result(done.result())
        except BaseException as error:  # the job's error, or its cancellation
            out.set_exception(error)

    future.add_done_callback(settle)
    return out


def _clear_stop(client: Any, key: str) -> None:
    """Forget job ``key``'s stop event on the scheduler."""
    from distributed import Event

    try:
        Event(stop_name(key), client=client).clear()
    except Exception:  # a scheduler gone away has nothing to forget
        log.debug("could not clear the stop event of %s", key, exc_info=True)
