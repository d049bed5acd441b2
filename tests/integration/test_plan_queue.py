"""Background plans queued for the engine: limits per user and team, fair order,
discarding a queued or running plan, and a result stored once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from beanie import PydanticObjectId
from strawberry.relay import from_base64

from models import VisitPlan
from models.plan import PlanStatus
from models.rep import Role
from resolvers.access import Principal
from resolvers.plans.jobs import finish
from schema import schema
from tests.integration.test_plan_mutations import DISCARD, MONDAY, PLAN

READ = "query Read($id: ID!) { visitPlan(id: $id) { status error totals { visits } } }"


def admin() -> Principal:
    """A new admin (any rep's plans), a user of their own."""
    return Principal(user_id=PydanticObjectId(), role=Role.ADMIN)


async def plan_as(
    gql: Any, who: Principal, rep: dict[str, Any], **extra: Any
) -> tuple[dict[str, Any] | None, list[Any]]:
    """planVisits in the background as ``who``: the result and any errors."""
    day = {"firstDay": MONDAY, "lastDay": MONDAY, "timeLimitSeconds": 1}
    request = {"repIds": [rep["id"]], "background": True, **day, **extra}
    result = await schema.execute(
        PLAN,
        variable_values={"input": request},
        context_value=gql.context(principal=who),
    )
    data = result.data["planVisits"] if result.data else None
    return data, list(result.errors or [])


async def started(gql: Any, who: Principal, rep: dict[str, Any], **extra: Any) -> str:
    data, errors = await plan_as(gql, who, rep, **extra)
    assert not errors, errors
    assert data["plan"]["status"] == "RUNNING", data
    return data["plan"]["id"]


def key_of(plan_id: str) -> str:
    return from_base64(plan_id)[1]


def hold(engine: Any) -> asyncio.Event:
    """Make the engine's jobs wait for the returned event, then compute."""
    release = asyncio.Event()
    run = engine.run

    async def held(key: str, problem: Any, **options: Any) -> Any:
        engine.started.append(f"held:{key}")
        await release.wait()
        return await run(key, problem, **options)

    engine.run = held
    return release


async def until(check: Any, seconds: float = 20) -> None:
    end = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < end, "timed out"
        await asyncio.sleep(0.02)


async def test_plans_wait_for_a_place_in_turn_between_users(gql, team, jobs, engine):
    """Tests the fair order: A's second plan waits behind B's first."""
    # given: one place on the engine, held
    rep, _ = team
    engine.capacity = 1
    release = hold(engine)
    a, b = admin(), admin()
    # when
    a1 = await started(gql, a, rep)
    a2 = await started(gql, a, rep)
    b1 = await started(gql, b, rep)
    await until(lambda: len(engine.started) == 1 and jobs.slots.queued() == 2)
    release.set()
    await jobs.wait()
    # then
    order = [k.removeprefix("held:") for k in engine.started if k.startswith("held:")]
    assert order == [key_of(a1), key_of(b1), key_of(a2)]
    for plan_id in (a1, a2, b1):
        assert (await gql(READ, id=plan_id))["visitPlan"]["status"] == "DRAFT"


async def test_a_team_is_limited_across_its_users(gql, team, jobs, engine):
    """Tests the per-team limit: a manager and their rep share it."""
    # given: per user 2, per team 3
    rep, _ = team
    rep_id = PydanticObjectId(from_base64(rep["id"])[1])
    manager_id = PydanticObjectId()
    manager = Principal(
        user_id=manager_id, role=Role.MANAGER, team=(rep_id, manager_id)
    )
    the_rep = Principal(user_id=rep_id, role=Role.REP, colleagues=(manager_id,))
    jobs.per_team = 3
    release = hold(engine)
    await started(gql, manager, rep)
    await started(gql, manager, rep)
    await started(gql, the_rep, rep)
    # when
    refused, errors = await plan_as(gql, the_rep, rep)
    other = await started(gql, admin(), rep)  # another team's user still may
    release.set()
    await jobs.wait()
    again = await started(gql, the_rep, rep)  # once they are done
    await jobs.wait()
    # then
    assert refused is None
    assert errors[0].extensions == {"code": "RATE_LIMITED", "scope": "team", "limit": 3}
    assert "your team has 3 plans" in errors[0].message
    assert await VisitPlan.count() == 5
    assert other
    assert again


async def test_discarding_a_queued_plan_takes_it_off_the_queue(gql, team, jobs, engine):
    """Tests that a plan discarded while it waits never reaches the engine."""
    # given: one place, taken by a held plan
    rep, _ = team
    engine.capacity = 1
    release = hold(engine)
    who = admin()
    first = await started(gql, who, rep)
    second = await started(gql, who, rep)
    await until(lambda: len(engine.started) == 1)
    # when
    discarded = await gql(DISCARD, input={"id": second})
    release.set()
    await jobs.wait()
    # then
    assert discarded["discardVisitPlan"]["plan"]["status"] == "DISCARDED"
    assert engine.started == [f"held:{key_of(first)}", key_of(first)]
    assert (await gql(READ, id=second))["visitPlan"]["status"] == "DISCARDED"
    assert (await gql(READ, id=first))["visitPlan"]["status"] == "DRAFT"
    assert jobs.busy() == 0
    assert jobs.slots.running() == 0


async def test_discarding_a_running_plan_stops_its_computation(gql, team, jobs, engine):
    """Tests that the planner stops long before its minute is over."""
    # given: a plan computing for a minute
    rep, _ = team
    plan_id = await started(gql, admin(), rep, timeLimitSeconds=60)
    await until(lambda: key_of(plan_id) in engine.started)
    # when
    began = time.monotonic()
    await gql(DISCARD, input={"id": plan_id})
    await jobs.wait()
    took = time.monotonic() - began
    # then
    assert engine.stopped == [key_of(plan_id)]
    assert took < 30, took
    stored = await VisitPlan.get(PydanticObjectId(key_of(plan_id)))
    assert stored.status == PlanStatus.DISCARDED
    assert stored.error is None
    assert jobs.slots.running() == 0


async def test_a_result_is_stored_once(gql, team, jobs):
    """Tests finish: a second result, or one for a stale copy, changes nothing."""
    # given: a plan computed in the background
    rep, _ = team
    plan_id = await started(gql, admin(), rep)
    job = jobs._jobs[PydanticObjectId(key_of(plan_id))]
    stale = await VisitPlan.get(job.doc.id)
    await jobs.wait()
    stored = await VisitPlan.get(job.doc.id)
    from planner import solve

    other = solve(job.built.problem, time_limit=1, seed=9, max_iterations=1)
    # when
    again = await finish(job.doc, job.req, job.built, other, None)
    late = await finish(stale, job.req, job.built, other, None)
    # then
    after = await VisitPlan.get(job.doc.id)
    assert stored.status == PlanStatus.DRAFT
    assert (again, late) == (False, False)
    assert after.model_dump() == stored.model_dump()


async def test_a_waiting_plan_behind_another_comes_back_as_a_background_plan(
    gql, team, jobs, engine
):
    """Tests that while one request's plan holds the worker, a second waiting
    planVisits answers at once with a running background plan, then is ready."""
    rep, _ = team
    day = {"firstDay": MONDAY, "lastDay": MONDAY, "timeLimitSeconds": 2}
    request = {"repIds": [rep["id"]], **day}

    async def plan() -> Any:
        result = await schema.execute(
            PLAN,
            variable_values={"input": request},
            context_value=gql.context(principal=admin()),
        )
        assert not result.errors, result.errors
        return result.data["planVisits"]["plan"]

    # when: two at once
    first, second = await asyncio.gather(plan(), plan())
    # then: one waited for its plan, the other came back running and finishes
    assert sorted([first["status"], second["status"]]) == ["DRAFT", "RUNNING"]
    running = first if first["status"] == "RUNNING" else second
    doc = await VisitPlan.get(PydanticObjectId(key_of(running["id"])))
    await until(lambda: not jobs.busy())
    await doc.sync()
    assert doc.status == PlanStatus.DRAFT


async def test_refused_background_plans_build_no_problem(
    gql, team, jobs, engine, monkeypatch
):
    """Tests that a plan over the user's limit is refused before its problem is
    built."""
    from resolvers.plans import jobs as jobs_module

    rep, _ = team
    who = admin()
    release = hold(engine)
    for _ in range(jobs.per_user):
        await started(gql, who, rep)
    built: list[Any] = []
    prepare = jobs_module.prepare

    async def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(args)
        return await prepare(*args, **kwargs)

    monkeypatch.setattr(jobs_module, "prepare", counting)
    # when
    _, errors = await plan_as(gql, who, rep)
    release.set()
    # then
    assert errors[0].extensions["code"] == "RATE_LIMITED"
    assert built == []


async def test_a_burst_from_one_user_builds_only_the_plans_it_may_have(
    gql, team, jobs, engine, monkeypatch
):
    """Tests that of ten simultaneous background plans of one user, as many as
    the limit allows build their problem and start; the others are refused."""
    from resolvers.plans import jobs as jobs_module

    rep, _ = team
    who = admin()
    release = hold(engine)
    built: list[Any] = []
    prepare = jobs_module.prepare

    async def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(args)
        await asyncio.sleep(0.05)  # building a problem takes its time
        return await prepare(*args, **kwargs)

    monkeypatch.setattr(jobs_module, "prepare", counting)
    # when
    answers = await asyncio.gather(*(plan_as(gql, who, rep) for _ in range(10)))
    release.set()
    # then
    codes = sorted(
        errors[0].extensions["code"] if errors else data["plan"]["status"]
        for data, errors in answers
    )
    assert (
        codes == ["RATE_LIMITED"] * (10 - jobs.per_user) + ["RUNNING"] * jobs.per_user
    )
    assert len(built) == jobs.per_user
