"""The planner's entry point: analyse, search, rebuild exact times, polish, explain.

:func:`solve` runs the PyVRP backend (by default two seeds in parallel processes),
rebuilds every route's times in exact floating point with
:func:`planner.evaluate.schedule_route`, drops stops if integer rounding ever let an
infeasible one through, inserts any visit that still fits, and explains every
visit's fate in plain words.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable, Sequence

from planner.backends import pyvrp as backend
from planner.backends.model import Model, estimate_bytes
from planner.backends.worker import Child
from planner.decompose import parts_for, solve_in_parts
from planner.evaluate import schedule_route
from planner.exchange import exchange
from planner.finish import Stopped, make_plan, polish, scheduler
from planner.gaps import Gaps, repair
from planner.plan import (
    NO_WINDOW,
    NO_WINDOW_BREAKS,
    NOT_ALLOWED,
    TOO_CLOSE,
    Plan,
)
from planner.problem import Problem, Rep

ProgressCallback = Callable[[float, float], None]
"""Called with ``(best objective so far, elapsed seconds)``."""
SEED_STRIDE = 1_000_003
#: PyVRP seeds are unsigned 32-bit; leaves room for a stride per search.
MAX_SEED = 2**31 - 1
PARALLEL_MEMORY_LIMIT = 1 << 30
"""Above this estimated memory per search, a single search runs (no second copy)."""
WARM_START_MIN_CANDIDATES = 1000
"""From this many candidates on, the searches start from cheapest insertion
(:func:`_insertion_start`) rather than from empty routes."""
WARM_START_SHARE = 0.4
"""At most this share of the time limit goes to the insertion start."""
PROGRESS_EVERY = 1.0
"""Seconds between progress reports of the insertion start."""


class Infeasible(Exception):
    """Required visits cannot all be served.

    Attributes:
        visits: Ids of the required visits left unserved.
        plan: The best plan found, serving everything else it could.
    """

    def __init__(self, visits: tuple[str, ...], plan: Plan | None = None) -> None:
        super().__init__("required visits cannot be served: " + ", ".join(visits))
        self.visits = visits
        self.plan = plan


Solution = list[tuple[int, list[int]]]


def analyse(problem: Problem) -> tuple[Model, dict[int, str]]:
    """Find which visits each route can reach and which visits no rep can serve.

    Args:
        problem: The problem.

    Returns:
        The backend model (routes, candidate visits and their reachable routes) and
        the reason of every visit that cannot be served at all.
    """
    routes = tuple(
        (ri, si) for ri, rep in enumerate(problem.reps) for si in range(len(rep.shifts))
    )
    candidates, reach, hopeless = [], [], {}
    for vi, visit in enumerate(problem.visits):
        allowed, anyone = [], False
        for k, (ri, si) in enumerate(routes):
            rep = problem.reps[ri]
            ok = problem.allows(visit, rep)
            if not ok and anyone:
                continue
            if schedule_route(problem, rep, si, [vi], depart_late=False) is None:
                continue
            anyone = True
            if ok:
                allowed.append(k)
        if allowed:
            candidates.append(vi)
            reach.append(tuple(allowed))
        elif anyone:
            hopeless[vi] = NOT_ALLOWED
        else:
            hopeless[vi] = _unreachable(problem, routes, vi)
    used = sorted({k for r in reach for k in r})
    pos = {k: i for i, k in enumerate(used)}
    model = Model(
        routes=tuple(routes[k] for k in used),
        candidates=tuple(candidates),
        reach=tuple(tuple(pos[k] for k in r) for r in reach),
    )
    return model, hopeless


def _unreachable(problem: Problem, routes: Sequence[tuple[int, int]], vi: int) -> str:
    """Why no route reaches visit ``vi``: its windows, or the reps' breaks."""
    visit = problem.visits[vi]
    for ri, si in routes:
        rep = problem.reps[ri]
        if rep.breaks and problem.allows(visit, rep):
            free = dataclasses.replace(rep, breaks=())
            if schedule_route(problem, free, si, [vi], depart_late=False):
                return NO_WINDOW_BREAKS
    return NO_WINDOW


def _score(problem: Problem, model: Model, sol: Solution) -> tuple[int, float]:
    """(required visits served, objective) of a solution, from exact travel times."""
    req = value = travel = 0.0
    for k, visits in sol:
        rep = problem.reps[model.routes[k][0]]
        here = rep.start
        for v in visits:
            visit = problem.visits[v]
            travel += problem.travel(here, visit.location)
            value += visit.value
            req += visit.required
            here = visit.location
        travel += problem.travel(here, rep.end)
    return int(req), value - problem.travel_cost * travel


def _search(
    problem: Problem,
    model: Model,
    seeds: list[int],
    deadline: float,
    max_iterations: int | None,
    progress: Callable[[tuple[int, float], float], None],
    settings: list[backend.Settings],
    start: Solution | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[Solution]:
    """Run one backend search per seed and settings: the first here, the others in
    children, all from ``start`` when given.

    The backend polls once per iteration; a ``should_stop`` that answers true
    there ends the search (and its children) with :class:`Stopped`.
    """

    def handle(now: float, sol: Solution) -> None:
        progress(_score(problem, model, sol), now)

    children = [
        Child((problem, model, s, deadline, max_iterations, chosen, start))
        for s, chosen in zip(seeds[1:], settings[1:], strict=True)
    ]

    def poll() -> None:
        if should_stop is not None and should_stop():
            raise Stopped
        for child in children:
            child.drain(handle)

    def share(shared: backend.Shared) -> None:
        for child in children:
            child.share(shared)

    def fetch() -> backend.Shared | None:
        offers = [c.shared for c in children if c.shared is not None]
        return min(offers, key=lambda s: s[0]) if offers else None

    # Searches share their best at restarts; with an iteration budget they do not,
    # so that runs stay reproducible. Costs compare only between equal settings.
    exchange = bool(children) and max_iterations is None and len(set(settings)) == 1
    try:
        first = backend.run(
            problem,
            model,
            seed=seeds[0],
            deadline=deadline,
            max_iterations=max_iterations,
            report=handle,
            poll=poll if children or should_stop is not None else None,
            share=share if exchange else None,
            fetch=fetch if exchange else None,
            settings=settings[0],
            start=start,
        )
    except BaseException:
        for child in children:
            child.wait(0, handle)
        raise
    sols = [first]
    for child in children:
        sol = child.wait(max(0.0, deadline - time.monotonic()) + 30.0, handle)
        if sol is not None:
            sols.append(sol)
    return sols


def _insertion_start(
    problem: Problem,
    model: Model,
    begin: float,
    time_limit: float,
    max_iterations: int | None,
    progress: Callable[[tuple[int, float], float], None],
    should_stop: Callable[[], bool] | None = None,
) -> Solution | None:
    """Routes by cheapest insertion for the searches to start from, on problems
    of :data:`WARM_START_MIN_CANDIDATES` candidates or more (there PyVRP's search
    from empty routes had not reached them after a minute; docs/planner.md).

    Problems with breaks or minimum gaps start empty: the backend models breaks
    as clients the insertion does not place, and gaps need their repair first.
    With an iteration budget the insertion runs to completion (reproducible);
    otherwise it stops after :data:`WARM_START_SHARE` of the time limit with what
    it has inserted. ``progress`` hears of the routes so far every
    :data:`PROGRESS_EVERY` seconds; ``should_stop`` is asked after every
    insertion (:class:`Stopped` when it answers true).
    """
    if len(model.candidates) < WARM_START_MIN_CANDIDATES or problem.has_gaps:
        return None
    if any(problem.reps[ri].shift_breaks(si) for ri, si in model.routes):
        return None
    until = (
        math.inf
        if max_iterations is not None
        else begin + WARM_START_SHARE * time_limit
    )
    routes: dict[int, list[int]] = {}
    last = [time.monotonic()]

    def report() -> None:
        if should_stop is not None and should_stop():
            raise Stopped
        # The routes are feasible after every insertion: a plan to show early.
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            progress(_score(problem, model, list(routes.items())), now)

    polish(problem, model, routes, until, on_insert=report)
    return [(k, visits) for k, visits in sorted(routes.items()) if visits] or None


def _required_fit(problem: Problem, model: Model) -> bool:
    """Whether cheapest insertion fits every required candidate into the routes.

    When it does, the search may treat required visits as hard constraints (a
    plan serving them all exists); otherwise they stay soft, so that the search
    still serves as many of them as it can.
    """
    required = [i for i, v in enumerate(model.candidates) if problem.visits[v].required]
    if len(required) < sum(v.required for v in problem.visits):
        return False  # some required visit cannot be served by anyone
    required.sort(key=lambda i: (len(model.reach[i]), _window_span(problem, i, model)))
    routes: dict[int, list[int]] = {}
    travel: dict[int, float] = {}
    for i in required:
        v = model.candidates[i]
        best: tuple[float, int, int] | None = None
        for k in model.reach[i]:
            ri, si = model.routes[k]
            rep = problem.reps[ri]
            seq = routes.get(k, [])
            for pos in range(len(seq) + 1):
                s = schedule_route(problem, rep, si, [*seq[:pos], v, *seq[pos:]])
                if s is not None:
                    extra = s.travel - travel.get(k, 0.0)
                    if best is None or extra < best[0]:
                        best = (extra, k, pos)
        if best is None:
            return False
        extra, k, pos = best
        routes.setdefault(k, []).insert(pos, v)
        travel[k] = travel.get(k, 0.0) + extra
    return True


def _window_span(problem: Problem, i: int, model: Model) -> float:
    visit = problem.visits[model.candidates[i]]
    return sum(b - a for a, b in visit.windows) if visit.windows else math.inf


def _rebuild(problem: Problem, model: Model, sol: Solution) -> dict[int, list[int]]:
    """Keep each route's order, dropping stops that exact times cannot serve."""
    out: dict[int, list[int]] = {}
    for k, visits in sol:
        ri, si = model.routes[k]
        rep = problem.reps[ri]
        if schedule_route(problem, rep, si, visits) is not None:
            out[k] = list(visits)
            continue
        if rep.breaks:
            # The backend models a break with no travel around it, so an order
            # may be one stop too long: first try leaving out a single stop.
            best = _drop_one(problem, rep, si, visits)
            if best is not None:
                out[k] = best
                continue
        kept: list[int] = []
        for v in visits:
            if schedule_route(problem, rep, si, [*kept, v]) is not None:
                kept.append(v)
        out[k] = kept
    return out


def _drop_one(
    problem: Problem, rep: Rep, si: int, visits: list[int]
) -> list[int] | None:
    """The most valuable feasible order with one stop of ``visits`` left out."""
    best: tuple[tuple[bool, float, int], list[int]] | None = None
    for pos in range(len(visits)):
        seq = visits[:pos] + visits[pos + 1 :]
        if schedule_route(problem, rep, si, seq) is None:
            continue
        left = problem.visits[visits[pos]]
        key = (not left.required, -left.value, pos)
        if best is None or key > best[0]:
            best = (key, seq)
    return None if best is None else best[1]


def solve(
    problem: Problem,
    *,
    time_limit: float,
    seed: int = 1,
    on_progress: ProgressCallback | None = None,
    max_iterations: int | None = None,
    workers: int | None = None,
    strict: bool = False,
    parts: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Plan:
    """Plan the visits of ``problem``.

    Args:
        problem: The problem.
        time_limit: Wall-clock seconds for the whole call.
        seed: Random seed; the same seed and ``max_iterations`` give the same plan
            (as long as the time limit is not reached first).
        on_progress: Called with ``(best objective so far, elapsed seconds)``.
        max_iterations: Optional iteration budget per search.
        workers: Parallel searches (each with its own seed); default two, or one
            on a single-core machine or when one search needs over 1 GiB.
        strict: Raise :class:`Infeasible` (carrying the plan) instead of returning
            a plan whose ``infeasible_required`` is not empty.
        parts: Solve the problem in this many parts
            (:func:`planner.decompose.solve_in_parts`, with ``workers`` parts
            at a time); by default :func:`planner.decompose.parts_for` decides,
            and without an iteration budget only. 1 solves it whole.
        should_stop: Asked where the search polls (once per iteration, after
            every insertion of the start, and between the stages); when it
            answers true the search and its child process end and
            :class:`Stopped` is raised. It must be cheap: read a flag. A
            problem solved in parts is asked only before and after them.

    Returns:
        The best plan found, with exact times and recomputed numbers.

    Raises:
        ValueError: If ``time_limit`` is not positive or ``seed`` is outside
            0..``MAX_SEED``.
        Infeasible: With ``strict``, when required visits cannot all be served.
        Stopped: ``should_stop`` answered true.
    """
    if not time_limit > 0:
        raise ValueError(f"time_limit: must be positive, got {time_limit!r}")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed: must be 0 to {MAX_SEED}, got {seed!r}")
    if parts is None:
        parts = parts_for(problem) if max_iterations is None else 1
    if parts > 1:
        _check_stop(should_stop)
        plan = solve_in_parts(
            problem,
            parts=parts,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            on_progress=on_progress,
            should_stop=should_stop,
        )
        _check_stop(should_stop)
        if strict and plan.infeasible_required:
            raise Infeasible(plan.infeasible_required, plan)
        return plan
    begin = time.monotonic()
    deadline = begin + time_limit
    model, hopeless = analyse(problem)
    n_workers = workers
    if n_workers is None:
        n_workers = min(2, os.cpu_count() or 1)
        if estimate_bytes(problem, model) > PARALLEL_MEMORY_LIMIT:
            n_workers = 1
    best_seen: list[tuple[int, float]] = []

    def progress(score: tuple[int, float], now: float) -> None:
        if not best_seen or score > best_seen[0]:
            best_seen[:] = [score]
            if on_progress is not None:
                on_progress(score[1], now - begin)

    reserve = min(1.0, 0.05 * time_limit + 0.02 * len(model.candidates) / 100)
    seeds = [seed + SEED_STRIDE * i for i in range(max(1, n_workers))]
    sols: list[Solution] = []
    if model.candidates:
        settings = backend.portfolio_for(
            problem,
            model,
            required_fit=_required_fit(problem, model),
            searches=len(seeds),
        )
        end = deadline - reserve
        start = _insertion_start(
            problem, model, begin, time_limit, max_iterations, progress, should_stop
        )
        if start:
            progress(_score(problem, model, start), time.monotonic())
        _check_stop(should_stop)
        sols = _search(
            problem,
            model,
            seeds,
            end,
            max_iterations,
            progress,
            settings,
            start,
            should_stop,
        )
    _check_stop(should_stop)
    rebuilt = [_rebuild(problem, model, s) for s in sols] or [{}]
    routes = max(
        rebuilt, key=lambda r: _score(problem, model, [(k, v) for k, v in r.items()])
    )
    gaps: Gaps | None = None
    too_close: set[int] = set()
    if problem.has_gaps:
        gaps, too_close = repair(problem, routes, scheduler(problem, model))
    # With an iteration budget the insertion pass runs to completion, so that the
    # same seed and budget always give the same plan.
    until = deadline if max_iterations is None else math.inf
    work, blocked = polish(problem, model, routes, until, gaps)
    if exchange(work, model, routes, until):
        # Visits given up for more valuable ones may fit another route.
        work, more = polish(work, model, routes, until, gaps)
        blocked |= more
    for v in too_close | blocked:
        hopeless.setdefault(v, TOO_CLOSE)
    plan = make_plan(work, model, hopeless, routes, time.monotonic() - begin, seed)
    if on_progress is not None:
        on_progress(plan.objective, time.monotonic() - begin)
    if strict and plan.infeasible_required:
        raise Infeasible(plan.infeasible_required, plan)
    return plan


def _check_stop(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise Stopped
