"""planVisits with background: true: stored at once, computed later."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from strawberry.relay import to_base64

from models import Visit, VisitPlan
from models.common import utc_now
from models.plan import PlanStatus
from resolvers.plans.jobs import FAILED, STOPPED
from tests.integration.factories import empty_plan
from tests.integration.test_plan_mutations import ACCEPT, DISCARD, MONDAY, plan_day

READ = """
query Read($id: ID!) {
  visitPlan(id: $id) {
    status error
    progress { objective seconds }
    totals { objective visits candidates }
    routes { stops { customer { name } } }
    solver { timeLimit }
  }
}
"""


async def start(gql: Any, rep: dict[str, Any], **extra: Any) -> dict[str, Any]:
    result = await plan_day(gql, rep, background=True, **extra)
    assert result["__typename"] == "VisitPlanPayload", result
    return result["plan"]


async def read(gql: Any, plan_id: str) -> dict[str, Any]:
    return (await gql(READ, id=plan_id))["visitPlan"]


def held_until(release: asyncio.Event) -> Any:
    """A background solve that waits for ``release`` and then fails."""

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await release.wait()
        raise RuntimeError("not needed")

    return slow


async def test_a_background_plan_is_running_then_a_draft_to_accept(gql, team, jobs):
    """Tests the whole round: running at once, a draft later, then accepted."""
    # given
    rep, _ = team
    # when
    plan = await start(gql, rep)
    await jobs.wait()
    done = await read(gql, plan["id"])
    accepted = await gql(ACCEPT, input={"id": plan["id"]})
    # then
    assert plan["status"] == "RUNNING"
    assert plan["routes"] == []
    assert plan["totals"]["candidates"] == 6
    assert plan["totals"]["visits"] == 0
    assert done["status"] == "DRAFT"
    assert done["error"] is None
    [route] = done["routes"]
    assert len(route["stops"]) == done["totals"]["visits"] == 6
    assert accepted["acceptVisitPlan"]["plan"]["status"] == "ACCEPTED"
    assert await Visit.count() == 6


async def test_a_running_plan_shows_the_best_objective_so_far(gql, team, jobs):
    """Tests progress: noted while the plan runs, gone once it is a draft."""
    # given
    rep, _ = team
    jobs.progress_every = 0.1
    plan = await start(gql, rep, timeLimitSeconds=2)
    # when
    seen = []
    while (now := await read(gql, plan["id"]))["status"] == "RUNNING":
        seen.append(now["progress"])
        await asyncio.sleep(0.1)
    await jobs.wait()
    # then
    noted = [p for p in seen if p is not None]
    assert noted, seen
    assert all(p["objective"] > 0 and p["seconds"] >= 0 for p in noted)
    assert now["status"] == "DRAFT"
    assert now["progress"] is None
    assert now["totals"]["objective"] >= max(p["objective"] for p in noted) - 1e-6


async def test_a_running_plan_cannot_be_accepted_but_can_be_discarded(gql, team, jobs):
    """Tests that discarding a running plan sticks when its result arrives."""
    # given
    rep, _ = team
    plan = await start(gql, rep)
    # when
    accept = await gql(ACCEPT, input={"id": plan["id"]})
    discard = await gql(DISCARD, input={"id": plan["id"]})
    await jobs.wait()
    after = await read(gql, plan["id"])
    # then
    assert accept["acceptVisitPlan"]["__typename"] == "InvalidTransitionError"
    assert accept["acceptVisitPlan"]["currentStatus"] == "running"
    assert discard["discardVisitPlan"]["plan"]["status"] == "DISCARDED"
    assert after["status"] == "DISCARDED"
    assert after["routes"] == []
    assert await Visit.count() == 0


async def test_the_background_time_limit_is_not_bound_by_the_request(gql, team, jobs):
    """Tests that a limit refused in the request is taken in the background."""
    # given
    from resolvers.access import Principal
    from schema import schema
    from tests.integration.test_plan_mutations import PLAN

    rep, _ = team

    async def plan(background: bool) -> dict[str, Any]:
        result = await schema.execute(
            PLAN,
            variable_values={
                "input": {
                    "repIds": [rep["id"]],
                    "firstDay": MONDAY,
                    "lastDay": MONDAY,
                    "timeLimitSeconds": 1.5,
                    "background": background,
                }
            },
            context_value=gql.context(principal=Principal.system(), time_budget=2),
        )
        assert result.errors is None, result.errors
        return result.data["planVisits"]

    # when
    waiting = await plan(background=False)
    background = await plan(background=True)
    await jobs.wait()
    # then
    assert waiting["field"] == "timeLimitSeconds"
    assert background["plan"]["status"] == "RUNNING"
    assert background["plan"]["solver"]["timeLimit"] == 1.5
    assert (await VisitPlan.find_one()).status == PlanStatus.DRAFT


@pytest.mark.parametrize("seconds", [0.5, 301])
async def test_a_background_time_limit_out_of_bounds_is_refused(gql, team, seconds):
    """Tests the 1-300 s bounds of a background plan; nothing is stored."""
    # given
    rep, _ = team
    # when
    result = await plan_day(gql, rep, background=True, timeLimitSeconds=seconds)
    # then
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "timeLimitSeconds"
    assert "between 1 and 300" in result["message"]
    assert await VisitPlan.count() == 0


async def test_more_background_plans_than_a_user_may_have_are_refused(
    gql, team, jobs, monkeypatch
):
    """Tests the per-user limit: a refusal with RATE_LIMITED, nothing stored."""
    # given
    rep, _ = team
    release = asyncio.Event()
    slow = held_until(release)
    monkeypatch.setattr(jobs.engine, "run", slow)
    for _ in range(jobs.per_user):
        await start(gql, rep)
    # when
    errors = await gql.errors(
        """mutation Plan($input: PlanVisitsInput!) {
             planVisits(input: $input) { __typename } }""",
        input={
            "repIds": [rep["id"]],
            "firstDay": MONDAY,
            "lastDay": MONDAY,
            "background": True,
        },
    )
    bad = await plan_day(gql, rep, background=True, lastDay="2031-03-02")
    release.set()
    await jobs.wait()
    # then
    assert bad["field"] == "lastDay"  # what is wrong with a request comes first
    assert errors[0].extensions == {"code": "RATE_LIMITED", "scope": "user", "limit": 2}
    assert "in the background already" in errors[0].message
    assert await VisitPlan.count() == jobs.per_user
    assert jobs.busy() == 0


async def test_a_planner_failure_marks_the_plan_failed(gql, team, jobs, monkeypatch):
    """Tests that an error in the planner leaves a failed plan saying so."""
    # given
    rep, _ = team

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(jobs.engine, "run", broken)
    # when
    plan = await start(gql, rep)
    await jobs.wait()
    failed = await read(gql, plan["id"])
    accept = await gql(ACCEPT, input={"id": plan["id"]})
    # then
    assert failed["status"] == "FAILED"
    assert failed["error"] == FAILED
    assert "boom" not in failed["error"]
    assert accept["acceptVisitPlan"]["currentStatus"] == "failed"


async def test_stopping_the_server_marks_running_plans_failed(
    gql, team, jobs, monkeypatch
):
    """Tests PlanJobs.stop (the server's exit): no plan is left running."""
    # given
    rep, _ = team

    async def endless(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(3600)

    monkeypatch.setattr(jobs.engine, "run", endless)
    plan = await start(gql, rep)
    # when
    await jobs.stop()
    stopped = await read(gql, plan["id"])
    # then
    assert stopped["status"] == "FAILED"
    assert stopped["error"] == STOPPED
    assert jobs.busy() == 0


async def left_running(age_s: float) -> tuple[VisitPlan, str]:
    """Store a plan that has been running for ``age_s`` seconds, computed by no
    server here; return it and its global id."""
    doc = empty_plan([], utc_now().date(), status=PlanStatus.RUNNING)
    doc.stamp.created_at = utc_now() - timedelta(seconds=age_s)
    await doc.insert()
    return doc, to_base64("VisitPlan", str(doc.id))


@pytest.mark.parametrize(("age_s", "status"), [(3600, "FAILED"), (30, "RUNNING")])
async def test_a_plan_left_running_by_a_stopped_server(gql, jobs, age_s, status):
    """Tests that a running plan nobody computes is failed once overdue."""
    # given
    doc, plan_id = await left_running(age_s)
    # when
    failed = await jobs.fail_overdue()
    seen = await read(gql, plan_id)
    stored = await VisitPlan.get(doc.id)
    # then
    assert failed == (1 if status == "FAILED" else 0)
    assert seen["status"] == status
    assert stored.status.value == status.lower()
    if status == "FAILED":
        assert seen["error"] == STOPPED


async def test_reading_an_overdue_plan_changes_nothing(gql):
    """Tests that visitPlan and node only read: an overdue plan is not stored."""
    # given
    doc, plan_id = await left_running(3600)
    before = (await VisitPlan.get(doc.id)).model_dump()
    # when
    seen = await read(gql, plan_id)
    node = await gql(
        "query N($id: ID!) { node(id: $id) { ... on VisitPlan { status } } }",
        id=plan_id,
    )
    # then
    assert seen["status"] == "RUNNING"
    assert node["node"]["status"] == "RUNNING"
    assert (await VisitPlan.get(doc.id)).model_dump() == before


async def test_the_server_sweeps_overdue_plans_without_a_read(jobs):
    """Tests start_sweeping: an overdue plan is failed though nobody reads it."""
    # given
    doc, _ = await left_running(3600)
    # when
    jobs.start_sweeping(every=0.05)
    for _ in range(100):
        if (await VisitPlan.get(doc.id)).status != PlanStatus.RUNNING:
            break
        await asyncio.sleep(0.05)
    await jobs.stop()
    # then
    stored = await VisitPlan.get(doc.id)
    assert stored.status == PlanStatus.FAILED
    assert stored.error == STOPPED


async def test_a_plan_this_server_computes_is_not_swept(gql, team, jobs, monkeypatch):
    """Tests that a plan still computed here is left running, however old."""
    # given
    rep, _ = team
    release = asyncio.Event()
    slow = held_until(release)
    monkeypatch.setattr(jobs.engine, "run", slow)
    plan = await start(gql, rep)
    monkeypatch.setattr(
        "resolvers.plans.jobs.utc_now", lambda: utc_now() + timedelta(days=1)
    )
    # when
    failed = await jobs.fail_overdue()
    seen = await read(gql, plan["id"])
    release.set()
    await jobs.wait()
    # then
    assert failed == 0
    assert seen["status"] == "RUNNING"


def test_workers_of_a_killed_server_exit(tmp_path):
    """Tests that the solver worker does not outlive a server killed with -9."""
    # given: a process that starts the pool, reports its worker and is killed
    import os
    import signal
    import subprocess
    import sys
    import time

    script = """
import os, sys, time
from resolvers.plans.pool import SolverPool, _ready
solvers = SolverPool()
solvers._executor().submit(_ready).result()
print(*[p.pid for p in solvers._pool._processes.values()], flush=True)
time.sleep(600)
"""
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    server = subprocess.Popen(
        [sys.executable, "-c", script], cwd=root, stdout=subprocess.PIPE, text=True
    )
    workers = [int(pid) for pid in server.stdout.readline().split()]
    # when
    server.send_signal(signal.SIGKILL)
    server.wait()
    server.stdout.close()
    # then: each worker notices within a few of its one-second checks
    alive = list(workers)
    for _ in range(100):
        alive = [pid for pid in alive if _running(pid)]
        if not alive:
            break
        time.sleep(0.1)
    assert workers
    assert alive == []


def _running(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # an exited child of init may linger as a zombie for a moment
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


async def test_a_rep_cannot_plan_a_colleague_in_the_background(gql, team, jobs):
    """Tests that access is checked as for planVisits: a rep out of sight is not
    found (its existence is not given away), and nothing is stored."""
    # given
    from beanie import PydanticObjectId

    from models.rep import Role
    from resolvers.access import Principal
    from schema import schema
    from tests.integration.test_plan_mutations import PLAN

    rep, _ = team
    other = Principal(user_id=PydanticObjectId(), role=Role.REP)
    # when
    result = await schema.execute(
        PLAN,
        variable_values={
            "input": {
                "repIds": [rep["id"]],
                "firstDay": MONDAY,
                "lastDay": MONDAY,
                "background": True,
            }
        },
        context_value=gql.context(principal=other),
    )
    # then
    assert result.errors is None
    refusal = result.data["planVisits"]
    assert refusal["__typename"] == "NotFoundError"
    assert refusal["field"] == "repIds"
    assert await VisitPlan.count() == 0
    assert jobs.busy() == 0


async def test_the_app_lifespan_owns_the_planner(gql, team, jobs, monkeypatch):
    """Tests that requests plan with the pool and jobs the lifespan opened, and
    that its exit stops them: a plan still running becomes failed."""
    # given
    import httpx

    from resolvers.plans.engine import DaskEngine
    from server import create_app
    from settings import Settings
    from tests.conftest import TEST_SECRET, sign_in
    from tests.integration.test_plan_mutations import PLAN

    rep, _ = team

    async def endless(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(3600)

    async def two(self: Any) -> int:
        return 2

    monkeypatch.setattr(DaskEngine, "run", endless)
    monkeypatch.setattr(DaskEngine, "slots", two)
    app = create_app(Settings(secret=TEST_SECRET), connect=False)
    variables = {
        "input": {"repIds": [rep["id"]], "firstDay": MONDAY, "lastDay": MONDAY}
    }
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        await sign_in(client)
        opened = (app.state.pool, app.state.jobs)
        # when
        waited = await client.post(
            "/graphql",
            json={"query": PLAN, "variables": {**variables}},
        )
        variables["input"]["background"] = True
        started = await client.post(
            "/graphql", json={"query": PLAN, "variables": variables}
        )
        busy = app.state.jobs.busy()
    stopped = await read(gql, started.json()["data"]["planVisits"]["plan"]["id"])
    # then
    assert waited.json()["data"]["planVisits"]["plan"]["status"] == "DRAFT"
    assert isinstance(opened[1].engine, DaskEngine)
    assert busy == 1
    assert jobs.busy() == 0  # another app's jobs know nothing of it
    assert not hasattr(app.state, "pool")
    assert stopped["status"] == "FAILED"
    assert stopped["error"] == STOPPED
