"""Background plans on a real local Dask cluster: computed, retried when a worker
is killed, and stopped when discarded (marked ``engine``: starts a cluster)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from beanie import PydanticObjectId

from models import VisitPlan
from models.plan import PlanStatus
from resolvers.plans import PlanJobs
from resolvers.plans.engine import DaskEngine
from tests.integration.test_plan_mutations import DISCARD
from tests.integration.test_plan_queue import admin, key_of, started, until

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def dask_engine() -> Iterator[DaskEngine]:
    """A local cluster of two one-thread workers, shared by this module."""
    engine = DaskEngine(workers=2)
    engine._client = engine._open()
    engine._client.wait_for_workers(2, timeout=60)
    yield engine
    engine._client.close()
    engine._cluster.close()


@pytest.fixture
async def engine_jobs(db: Any, dask_engine: DaskEngine) -> AsyncIterator[PlanJobs]:
    running = PlanJobs(dask_engine, per_user=5, progress_every=0.2)
    yield running
    await running.stop()


def _processing(engine: DaskEngine) -> dict[str, list[str]]:
    return {w: list(keys) for w, keys in engine._client.processing().items()}


def _worker_of(engine: DaskEngine, key: str) -> str | None:
    for worker, keys in _processing(engine).items():
        if f"visitplan-plan-{key}" in keys:
            return worker
    return None


async def _status(plan_id: str) -> PlanStatus:
    doc = await VisitPlan.get(PydanticObjectId(key_of(plan_id)))
    return doc.status


async def test_a_background_plan_is_computed_on_the_engine(gql, team, engine_jobs):
    """Tests the round trip: submitted, progress noted, stored as a draft."""
    # given
    rep, _ = team
    gql.jobs = engine_jobs
    # when
    plan_id = await started(gql, admin(), rep, timeLimitSeconds=2)
    seen = []
    while (doc := await VisitPlan.get(PydanticObjectId(key_of(plan_id)))).status == (
        PlanStatus.RUNNING
    ):
        seen.append(doc.progress)
        await asyncio.sleep(0.1)
    await engine_jobs.wait()
    # then
    assert doc.status == PlanStatus.DRAFT, doc.error
    assert len(doc.routes[0].stops) == 6
    assert any(p is not None for p in seen)


async def test_a_job_on_a_killed_worker_is_finished_by_another(
    gql, team, engine_jobs, dask_engine
):
    """Tests that SIGKILL of the worker mid-job leaves the plan computed."""
    # given: a plan computing for a few seconds on one worker
    rep, _ = team
    gql.jobs = engine_jobs
    plan_id = await started(gql, admin(), rep, timeLimitSeconds=4)
    key = key_of(plan_id)
    await until(lambda: _worker_of(dask_engine, key) is not None, 60)
    worker = _worker_of(dask_engine, key)
    pids = dask_engine._client.run(os.getpid)
    # when
    os.kill(pids[worker], signal.SIGKILL)
    await engine_jobs.wait()
    # then
    assert await _status(plan_id) == PlanStatus.DRAFT
    doc = await VisitPlan.get(PydanticObjectId(key))
    assert len(doc.routes[0].stops) == 6
    await asyncio.to_thread(dask_engine._client.wait_for_workers, 2, 60)


async def test_a_discarded_plan_frees_its_worker(gql, team, engine_jobs, dask_engine):
    """Tests that discarding stops the search: with both workers busy for a
    minute, a next plan is computed at once after the discard."""
    # given: two plans of a minute, one on each worker
    rep, _ = team
    gql.jobs = engine_jobs
    await asyncio.to_thread(dask_engine._client.wait_for_workers, 2, 60)
    who = admin()
    first = await started(gql, who, rep, timeLimitSeconds=60)
    second = await started(gql, who, rep, timeLimitSeconds=60)
    await until(
        lambda: all(_worker_of(dask_engine, key_of(p)) for p in (first, second)), 60
    )
    # when
    began = time.monotonic()
    await gql(DISCARD, input={"id": first})
    third = await started(gql, who, rep, timeLimitSeconds=1)
    while await _status(third) == PlanStatus.RUNNING:
        assert time.monotonic() - began < 40, "the next plan did not get a worker"
        await asyncio.sleep(0.1)
    # then
    assert await _status(third) == PlanStatus.DRAFT
    assert await _status(first) == PlanStatus.DISCARDED
    assert await _status(second) == PlanStatus.RUNNING
    await gql(DISCARD, input={"id": second})
    await engine_jobs.wait()
    assert _processing(dask_engine) == {w: [] for w in _processing(dask_engine)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # an exited child may linger a moment
        return stat.read().split(")")[-1].split()[0] != "Z"


async def _gone(pids: list[int], seconds: float) -> list[int]:
    """The ``pids`` still running after up to ``seconds``."""
    alive = list(pids)
    end = time.monotonic() + seconds
    while alive and time.monotonic() < end:
        await asyncio.sleep(0.2)
        alive = [pid for pid in alive if _alive(pid)]
    return alive


async def test_the_local_cluster_starts_on_first_use_and_stops_on_close():
    """Tests DaskEngine without a scheduler address: worker processes of its
    own, gone once it is closed (the server's exit)."""
    # given
    engine = DaskEngine(workers=2)
    # when
    slots = await engine.slots()
    client = await engine.client()
    pids = list(client.run(os.getpid).values())
    await engine.close()
    # then
    assert slots == 2
    assert len(pids) == 2
    assert os.getpid() not in pids
    assert await _gone(pids, 30) == []


async def test_workers_of_a_killed_server_exit():
    """Tests that the local cluster's workers do not outlive a server killed
    with -9 (its scheduler and nannies die with it)."""
    # given: a process that starts a local cluster, reports its workers, waits
    import sys

    script = """
import asyncio, os, time
from resolvers.plans.engine import DaskEngine
async def main():
    engine = DaskEngine(workers=2)
    client = await engine.client()
    await asyncio.to_thread(client.wait_for_workers, 2, 60)
    print(*client.run(os.getpid).values(), flush=True)
    time.sleep(600)
asyncio.run(main())
"""
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        cwd=root,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert server.stdout is not None
    line = await asyncio.wait_for(server.stdout.readline(), 120)
    workers = [int(pid) for pid in line.split()]
    # when
    server.send_signal(signal.SIGKILL)
    await server.wait()
    # then
    assert len(workers) == 2
    assert await _gone(workers, 60) == []
