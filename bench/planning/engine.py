"""The planning engine's costs on this machine: start-up of the local Dask
cluster, memory of its processes, and the latency of small jobs.

Starts the cluster the server starts without VISITPLAN_SCHEDULER (two worker
processes of one thread), several times, and measures:

* start-up: ``DaskEngine`` opened until both workers are registered;
* memory: RSS of each worker process, idle and after plans, and what the
  scheduler and the nannies (which run in the calling process) add to it;
* latency: a trivial task's round trip, and a tiny plan (three visits, a 0.2 s
  time limit) submitted through ``DaskEngine.run`` until its plan is back, less
  the time limit;
* stop: from setting a running job's stop event to its worker being free;
* a worker killed with SIGKILL mid-job: from the kill to the job's result.

    .venv/bin/python bench/planning/engine.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import statistics
import time
from typing import Any

import psutil

from planner import problem_from_dict
from resolvers.plans.engine import DaskEngine, run_job, stop_name

MIB = 1 << 20


def problem(visits: int) -> Any:
    """``visits`` visits on a grid, one rep with a long shift."""
    return problem_from_dict(
        {
            "version": 1,
            "name": "bench",
            "metric": "euclidean",
            "speed": 1.0,
            "travel_cost": 0.0,
            "reps": [{"id": "r", "start": [0, 0], "end": [0, 0], "shifts": [[0, 100]]}],
            "visits": [
                {"id": f"v{i}", "location": [i % 7, i // 7], "duration": 1, "value": 1}
                for i in range(visits)
            ],
        }
    )


def rss(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / MIB


def processes(client: Any) -> list[float]:
    """RSS in MiB of the worker processes (their nannies run in this one)."""
    return [rss(pid) for pid in client.run(os.getpid).values()]


def _noop(x: int) -> int:
    return x


def _round_trip(client: Any, x: int) -> int:
    return int(client.submit(_noop, x, pure=False).result())


async def busy_workers(client: Any) -> list[str]:
    """The workers computing something, once there is one (a minute at most)."""
    for _ in range(1200):
        busy = [w for w, keys in client.processing().items() if keys]
        if busy:
            return busy
        await asyncio.sleep(0.05)
    raise TimeoutError("no job started")


async def one_run() -> dict[str, Any]:
    before = rss(os.getpid())
    began = time.monotonic()
    engine = DaskEngine(workers=2)
    client = await engine.client()
    await asyncio.to_thread(client.wait_for_workers, 2, 120)
    out: dict[str, Any] = {"startup_s": time.monotonic() - began}
    out["idle"] = processes(client)
    tiny = problem(3)
    began = time.monotonic()
    await engine.run("first", tiny, time_limit=0.2, seed=1)
    out["first_plan_s"] = time.monotonic() - began - 0.2
    # Both workers have imported the job's module once a plan ran on each.
    await asyncio.gather(
        *(engine.run(f"warm{i}", tiny, time_limit=0.2, seed=1) for i in range(4))
    )
    out["after_plan"] = processes(client)
    out["scheduler_in_server_mib"] = rss(os.getpid()) - before
    trips = []
    for i in range(30):
        began = time.monotonic()
        await asyncio.to_thread(_round_trip, client, i)
        trips.append(time.monotonic() - began)
    out["noop_ms"] = statistics.median(trips) * 1000
    plans = []
    for i in range(10):
        began = time.monotonic()
        await engine.run(f"tiny{i}", tiny, time_limit=0.2, seed=1)
        plans.append(time.monotonic() - began - 0.2)
    out["tiny_plan_overhead_ms"] = statistics.median(plans) * 1000
    out["stop_s"] = await stop_latency(engine, client)
    out["kill_s"] = await kill_recovery(engine, client)
    await engine.close()
    return out


async def stop_latency(engine: DaskEngine, client: Any) -> float:
    from distributed import Event

    future = client.submit(run_job, "long", problem(40), 60, 1, pure=False)
    await busy_workers(client)
    await asyncio.sleep(1)
    began = time.monotonic()
    await asyncio.to_thread(lambda: Event(stop_name("long"), client=client).set())
    await asyncio.to_thread(future.result)
    return time.monotonic() - began


async def kill_recovery(engine: DaskEngine, client: Any) -> float:
    future = client.submit(run_job, "killed", problem(20), 3, 1, pure=False)
    busy = await busy_workers(client)
    await asyncio.sleep(0.5)
    pids = client.run(os.getpid)
    began = time.monotonic()
    os.kill(pids[busy[0]], signal.SIGKILL)
    await asyncio.to_thread(future.result)
    return time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for n in range(args.runs):
        result = asyncio.run(one_run())
        print(n, result, flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("peak RSS of this process (MiB):", round(peak, 1))


if __name__ == "__main__":
    main()
