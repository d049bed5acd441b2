"""Large problems in parts: split by reps and nearby visits, solve, join, polish.

A week of 50 reps has 500 routes; one search over all of them spends most of its
time on moves between routes that are far apart. :func:`solve_in_parts` splits
the problem instead:

1. **Reps** are grouped around ``parts`` seed reps picked far apart (the first
   is the rep farthest from all others on average, each next one the rep
   farthest from the seeds so far), every group taking at most its share of the
   reps, nearest seed first.
2. **Visits** go to the group of the allowed rep whose start is nearest; every
   visit of one customer goes where its first one goes, so that the minimum gap
   between them stays one part's concern. A visit no rep may serve stays in the
   first part, which reports why.
3. **Parts** are ordinary problems, solved with :func:`planner.solve` (one
   search each) in child processes, ``workers`` at a time (all at once by
   default), or by the ``solve_part`` given (a task engine's workers, say).
4. **Join and polish**: the parts' routes together are the plan; then every
   visit left unserved may still go into any route that allows it, across
   borders, at the cheapest position where it fits and pays (the same insertion
   pass that ends :func:`planner.solve`), until the time is up.

The parts never share a rep, so their routes never conflict; the join only adds.
"""

from __future__ import annotations

import math
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from planner.backends.model import Model
from planner.backends.worker import receive, send
from planner.finish import NOT_FITTED, Stopped, make_plan, polish, scheduler
from planner.gaps import repair
from planner.plan import LOWER_VALUE, SERVED, TOO_CLOSE, Plan
from planner.problem import Problem

Report = Callable[[float], None]
"""Called with a part's best objective so far."""
PartSolver = Callable[[Problem, float, int, Report], Plan]
"""Solves one part: ``(problem, time limit in seconds, seed, report) -> plan``,
calling ``report`` (from any thread) with each new best objective."""

JOIN_SHARE = 0.15
"""Share of the time limit kept for joining the parts and polishing across
their borders."""
MIN_ROUTES = 200
"""Routes (rep shifts) from which :func:`parts_for` splits a problem."""
MIN_VISITS = 4000
"""Visits from which :func:`parts_for` splits a problem."""
ROUTES_PER_PART = 125
"""About this many routes make one part."""


def parts_for(problem: Problem) -> int:
    """How many parts :func:`planner.solve` splits ``problem`` into by default.

    From :data:`MIN_ROUTES` routes and :data:`MIN_VISITS` visits on, one part per
    :data:`ROUTES_PER_PART` routes: at 5,000 visits for 50 reps x 10 days, four
    parts at once gave a better plan (23,948) than one search over all 500
    routes (23,839) in the same 60 s, with a quarter of the memory per search
    and the first plan after 3 s instead of 9 s (docs/planner.md). Smaller
    problems are solved whole.
    """
    routes = sum(len(rep.shifts) for rep in problem.reps)
    if routes < MIN_ROUTES or len(problem.visits) < MIN_VISITS:
        return 1
    return min(len(problem.reps), max(2, round(routes / ROUTES_PER_PART)))


def split(problem: Problem, parts: int) -> list[Problem]:
    """``problem`` as ``parts`` problems with disjoint reps and visits.

    Raises:
        ValueError: If ``parts`` is not between 1 and the number of reps.
    """
    if not 1 <= parts <= len(problem.reps):
        raise ValueError(
            f"parts: must be 1 to {len(problem.reps)} (the reps), got {parts!r}"
        )
    group_of = _group_reps(problem, parts)
    members: list[list[int]] = [[] for _ in range(parts)]
    for ri, g in enumerate(group_of):
        members[g].append(ri)
    visits: list[list[int]] = [[] for _ in range(parts)]
    of_customer: dict[str, int] = {}
    for vi, visit in enumerate(problem.visits):
        key = visit.customer
        if key is not None and key in of_customer:
            g = of_customer[key]
        else:
            g = _nearest_group(problem, vi, group_of)
            if key is not None:
                of_customer[key] = g
        visits[g].append(vi)
    return [
        replace(
            problem,
            name=f"{problem.name} part {g + 1}/{parts}",
            reps=tuple(problem.reps[ri] for ri in members[g]),
            visits=tuple(problem.visits[vi] for vi in visits[g]),
        )
        for g in range(parts)
    ]


def _group_reps(problem: Problem, parts: int) -> list[int]:
    """The group of every rep: balanced, around seeds picked far apart."""
    reps = problem.reps
    n = len(reps)
    dist = [[problem.travel(a.start, b.start) for b in reps] for a in reps]
    seeds = [max(range(n), key=lambda r: (sum(dist[r]), -r))]
    while len(seeds) < parts:
        seeds.append(
            max(
                (r for r in range(n) if r not in seeds),
                key=lambda r: (min(dist[r][s] for s in seeds), -r),
            )
        )
    share = math.ceil(n / parts)
    group = [-1] * n
    size = [0] * parts
    pairs = sorted((dist[r][s], r, g) for r in range(n) for g, s in enumerate(seeds))
    for _, r, g in pairs:
        if group[r] < 0 and size[g] < share:
            group[r] = g
            size[g] += 1
    return group


def _nearest_group(problem: Problem, vi: int, group_of: Sequence[int]) -> int:
    visit = problem.visits[vi]
    best: tuple[float, int] | None = None
    for ri, rep in enumerate(problem.reps):
        if problem.allows(visit, rep):
            d = problem.travel(rep.start, visit.location)
            if best is None or (d, group_of[ri]) < best:
                best = (d, group_of[ri])
    return 0 if best is None else best[1]


def solve_in_parts(
    problem: Problem,
    *,
    parts: int,
    time_limit: float,
    seed: int = 1,
    workers: int | None = None,
    solve_part: PartSolver | None = None,
    on_progress: Callable[[float, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Plan:
    """Plan ``problem`` in ``parts`` parts (see the module's text).

    Args:
        problem: The problem.
        parts: How many parts to split it into (1 to the number of reps).
        time_limit: Wall-clock seconds for the whole call.
        seed: Random seed; part ``i`` is solved with ``seed + i``.
        workers: Parts solved at the same time (each by ``solve_part`` from a
            thread of its own); by default all of them: on two cores, four
            parts at once gave the first plan after 3 s and the best one at
            60 s, two at a time after 26 s (docs/planner.md).
        solve_part: Solves one part; by default a child process each.
        on_progress: Called on the caller's thread with ``(objective, elapsed
            seconds)``: the sum of the parts' best objectives once every part
            has one (the joined plan's objective before the polish, since the
            parts share nothing), then the joined plan's before and after the
            polish.
        should_stop: Asked every 0.1 s while the parts are solved; when it
            answers true, the default part solver's children are killed and
            :class:`planner.finish.Stopped` is raised (a ``solve_part`` of
            the caller's is waited for first).

    Returns:
        The joined plan, with exact times and recomputed numbers.

    Raises:
        Stopped: ``should_stop`` answered true.
    """
    if not time_limit > 0:
        raise ValueError(f"time_limit: must be positive, got {time_limit!r}")
    begin = time.monotonic()
    deadline = begin + time_limit
    pieces = split(problem, parts)
    budget = time_limit * (1 - JOIN_SHARE)
    lanes = max(1, workers or len(pieces))
    rounds = math.ceil(len(pieces) / lanes)
    each = max(0.5, budget / rounds - 0.5)

    def progress(objective: float) -> None:
        if on_progress is not None:
            on_progress(objective, time.monotonic() - begin)

    children: list[subprocess.Popen[bytes]] = []
    solver = solve_part or partial(solve_in_child, started=children.append)

    def stop() -> bool:
        if should_stop is None or not should_stop():
            return False
        for child in list(children):
            child.kill()
        return True

    plans = _solve_all(pieces, each, seed, lanes, solver, progress, stop)
    routes, hopeless, model = _join(problem, plans)
    plan = make_plan(problem, model, hopeless, routes, time.monotonic() - begin, seed)
    if on_progress is not None:
        on_progress(plan.objective, time.monotonic() - begin)
    gaps = None
    if problem.has_gaps:
        gaps, _ = repair(problem, routes, scheduler(problem, model))
    work, blocked = polish(problem, model, routes, deadline, gaps)
    for vi in blocked:
        hopeless.setdefault(vi, TOO_CLOSE)
    plan = make_plan(work, model, hopeless, routes, time.monotonic() - begin, seed)
    if on_progress is not None:
        on_progress(plan.objective, time.monotonic() - begin)
    return plan


def _solve_all(
    pieces: list[Problem],
    each: float,
    seed: int,
    lanes: int,
    solver: PartSolver,
    progress: Report,
    stop: Callable[[], bool],
) -> list[Plan]:
    """Solve every part, ``lanes`` at a time, each within ``each`` seconds;
    ``progress`` gets the sum of the parts' bests, on this thread, which also
    asks ``stop`` (:class:`Stopped` once it answers true)."""
    plans: list[Plan | None] = [None] * len(pieces)
    errors: list[BaseException] = []
    todo = list(enumerate(pieces))
    lock = threading.Lock()
    reports: queue.SimpleQueue[tuple[int, float]] = queue.SimpleQueue()

    def reporter(i: int) -> Report:
        return lambda objective: reports.put((i, objective))

    def lane() -> None:
        while True:
            with lock:
                if not todo or errors:
                    return
                i, piece = todo.pop(0)
            try:
                plans[i] = solver(piece, each, seed + i, reporter(i))
            except BaseException as error:  # reported by the caller's thread
                with lock:
                    errors.append(error)
                return

    threads = [threading.Thread(target=lane) for _ in range(min(lanes, len(pieces)))]
    for t in threads:
        t.start()
    best: dict[int, float] = {}
    stopped = False
    while any(t.is_alive() for t in threads) or not reports.empty():
        if not stopped and stop():
            stopped = True
            with lock:
                todo.clear()
        try:
            i, objective = reports.get(timeout=0.1)
        except queue.Empty:
            continue
        best[i] = objective
        if len(best) == len(pieces):
            progress(sum(best.values()))
    for t in threads:
        t.join()
    if stopped:
        raise Stopped
    if errors:
        raise errors[0]
    return [p for p in plans if p is not None]


def _join(
    problem: Problem, plans: Sequence[Plan]
) -> tuple[dict[int, list[int]], dict[int, str], Model]:
    """The parts' routes on the whole problem's route positions, the reasons of
    visits no part could serve at all, and a model of every route each visit's
    reps drive (for the polish across borders)."""
    routes_of = [
        (ri, si) for ri, rep in enumerate(problem.reps) for si in range(len(rep.shifts))
    ]
    position = {(problem.reps[ri].id, si): k for k, (ri, si) in enumerate(routes_of)}
    routes: dict[int, list[int]] = {}
    reasons: dict[str, str] = {}
    for plan in plans:
        for route in plan.routes:
            k = position[(route.rep, route.shift)]
            routes[k] = [_index(problem, s.visit) for s in route.stops]
        reasons.update(plan.reasons)
    # Why a part could not serve a visit at all stands if no other part's route
    # takes it in the polish; a visit left for better ones gets the whole
    # plan's reason.
    hopeless = {
        vi: why
        for vi, visit in enumerate(problem.visits)
        if (why := reasons.get(visit.id, LOWER_VALUE)) not in (LOWER_VALUE, NOT_FITTED)
        and not why.startswith(SERVED)
    }
    candidates = tuple(range(len(problem.visits)))
    # A visit's allowed routes are its allowed reps' shifts: ask once per rep,
    # not once per route (500 routes for 50 reps x 10 days).
    routes_of_rep: list[list[int]] = [[] for _ in problem.reps]
    for k, (ri, _) in enumerate(routes_of):
        routes_of_rep[ri].append(k)
    reach = tuple(
        tuple(
            k
            for ri, rep in enumerate(problem.reps)
            if problem.allows(problem.visits[vi], rep)
            for k in routes_of_rep[ri]
        )
        for vi in candidates
    )
    return routes, hopeless, Model(tuple(routes_of), candidates, reach)


def _index(problem: Problem, visit_id: str) -> int:
    vi = problem.visit_index(visit_id)
    assert vi is not None, visit_id
    return vi


def solve_in_child(
    problem: Problem,
    time_limit: float,
    seed: int,
    report: Report | None = None,
    started: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> Plan:
    """Solve one part with one search in a child Python process (see
    :func:`solve_in_parts`), passing its progress to ``report``; ``started``
    hears of the child process (so that a caller may kill it)."""
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (root, env.get("PYTHONPATH", "")) if p
    )
    child = subprocess.Popen(
        [sys.executable, "-c", "from planner.decompose import _child; _child()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    if started is not None:
        started(child)
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        send(child.stdin, (problem, time_limit, seed))
        child.stdin.close()
        plan = None
        while (message := receive(child.stdout)) is not None:
            kind, value = message
            if kind == "progress" and report is not None:
                report(value)
            elif kind == "plan":
                plan = value
        code = child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if code != 0 or not isinstance(plan, Plan):
        raise RuntimeError(f"a part's search exited with code {code}")
    return plan


def _child() -> None:
    """The child of :func:`solve_in_child`: a job in, progress and the plan out
    (imported here: :mod:`planner.solve` imports this module)."""
    from planner.solve import solve

    out = sys.stdout.buffer
    job = receive(sys.stdin.buffer)
    assert job is not None
    problem, time_limit, seed = job
    plan = solve(
        problem,
        time_limit=time_limit,
        seed=seed,
        workers=1,
        parts=1,
        on_progress=lambda objective, _: send(out, ("progress", objective)),
    )
    send(out, ("plan", plan))
