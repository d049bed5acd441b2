"""Parallel searches pass their best to each other at restarts."""

from __future__ import annotations

import time

from planner import evaluate, load_problem, solve
from planner.backends import pyvrp as backend
from planner.backends.worker import Child
from planner.solve import analyse
from tests.unit.planner.conftest import DATA

RESTARTING = backend.SCORE_ONLY
assert RESTARTING.restart_patience is not None


def _obvious():
    problem = load_problem(DATA / "obvious.json")
    model, _ = analyse(problem)
    return problem, model


def _best_shared(problem, model) -> backend.Shared:
    shared: list[backend.Shared] = []
    backend.run(
        problem,
        model,
        seed=1,
        deadline=time.monotonic() + 30,
        max_iterations=200,
        share=shared.append,
    )
    costs = [cost for cost, _ in shared]
    assert costs == sorted(costs, reverse=True), "each shared best improves"
    return shared[-1]


def _tracker(problem, model):
    built = backend.build(problem, model, backend.TIME_SCALE)
    evaluator = backend._penalties(built.data).cost_evaluator()
    stop = backend._Stop(time.monotonic() + 30, None, None, patience=10)
    return built, backend._Tracker(built, stop, evaluator, report=None)


def _served(problem, model, routes) -> set[str]:
    return {problem.visits[v].id for _, visits in routes for v in visits}


def test_a_better_shared_best_is_adopted() -> None:
    problem, model = _obvious()
    shared = _best_shared(problem, model)
    built, tracker = _tracker(problem, model)

    sol = tracker.adopt(shared)

    assert sol is not None
    assert tracker.best_cost == shared[0]
    assert _served(problem, model, backend._routes(built, sol)) == {"a", "b", "c", "d"}


def test_a_shared_best_that_is_not_better_is_ignored() -> None:
    problem, model = _obvious()
    shared = _best_shared(problem, model)
    _, tracker = _tracker(problem, model)
    assert tracker.adopt(shared) is not None

    assert tracker.adopt(shared) is None
    assert tracker.adopt((shared[0] + 1.0, shared[1])) is None
    assert tracker.adopt(None) is None
    assert tracker.best_cost == shared[0]


def test_an_infeasible_shared_solution_is_ignored() -> None:
    problem, model = _obvious()
    built, tracker = _tracker(problem, model)
    # All five visits, "far" included, do not fit in the one shift.
    clients = list(range(built.data.num_clients))

    assert tracker.adopt((-1e18, [(0, clients)])) is None
    assert tracker.best is None


def test_a_restart_fetches_the_parallel_best() -> None:
    problem, model = _obvious()
    shared = _best_shared(problem, model)
    calls: list[float] = []

    def fetch() -> backend.Shared:
        calls.append(time.monotonic())
        return shared

    routes = backend.run(
        problem,
        model,
        seed=2,
        deadline=time.monotonic() + 30,
        max_iterations=3 * RESTARTING.restart_patience,
        fetch=fetch,
        settings=RESTARTING,
    )

    assert calls, "a stalled search restarts and asks for the parallel best"
    assert _served(problem, model, routes) == {"a", "b", "c", "d"}


def test_a_child_search_reports_its_best_for_sharing() -> None:
    problem, model = _obvious()
    child = Child((problem, model, 7, time.monotonic() + 30, 200, RESTARTING, None))
    progress: list[float] = []

    routes = child.wait(30, lambda now, _: progress.append(now))

    assert progress
    assert child.shared is not None
    cost, raw = child.shared
    assert isinstance(cost, float)
    assert raw
    assert all(isinstance(vt, int) for vt, _ in raw)
    assert routes is not None
    assert _served(problem, model, routes) == {"a", "b", "c", "d"}
    child.share(child.shared)  # the child has finished: nothing to send to, no error


def test_two_searches_sharing_give_a_checked_plan() -> None:
    problem = load_problem(DATA / "restricted.json")

    plan = solve(problem, time_limit=1.0, seed=5, workers=2)

    assert evaluate(problem, plan).ok
    assert plan.objective == 10.0
