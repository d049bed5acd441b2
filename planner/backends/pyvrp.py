"""PyVRP backend: the problem as a prize-collecting VRP with time windows.

This is the only module of the planner that imports PyVRP. The mapping:

* every (rep, shift) pair that can serve something (or every segment of it,
  below) is a vehicle type with one vehicle, ``tw_early``/``tw_late`` = the
  shift, start and end depots at the rep's start and end points;
* a visit fixed in time to one route (a confirmed or pinned visit) is no
  client at all: the route is split there into segments, each a vehicle type
  from one fixed visit to the next (:mod:`planner.backends.anchors`), so the
  search can neither move nor drop it (``Settings.anchors``; otherwise it is a
  required client);
* every visit with one window is an optional client; a visit with several windows
  is an optional, mutually exclusive client group with one client per window, so
  at most one of its windows is used;
* a visit restricted to some reps is made unreachable (huge travel times) in the
  routing profiles of the other reps; reps with the same restrictions share a
  profile;
* value becomes the client prize; travel cost becomes the distance matrix. With
  no travel cost the distance matrix carries a small tie-break (shorter routes
  leave room for more visits) that is kept below the smallest value;
* required visits get a prize larger than all other prizes and travel together,
  so the search serves as many of them as possible before anything else, yet
  never fails when they cannot all be served;
* every break of a modelled shift is a required dummy client at a location
  with zero travel to and from every point ("wherever the rep is"), its window
  the break's start times and its service the break's duration. A load
  dimension per rep with breaks keeps each dummy on its rep's vehicles (the
  others have no capacity in it); shift windows keep it in its shift. Dummies
  are stripped from the routes; the exact rebuild places the breaks.

Solvers work in integers. Times are scaled by :data:`TIME_SCALE` with travel and
service times rounded up and windows rounded inwards, so an integer schedule that
is feasible is also feasible with the exact floating-point times that
:mod:`planner.evaluate` rebuilds from the route order.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from pyvrp import (
    Activity,
    Client,
    ClientGroup,
    CostEvaluator,
    Depot,
    IteratedLocalSearch,
    Location,
    PenaltyManager,
    ProblemData,
    RandomNumberGenerator,
    Solution,
    VehicleType,
)
from pyvrp import (
    Route as SolRoute,
)
from pyvrp.IteratedLocalSearch import (
    IteratedLocalSearchCallbacks,
    IteratedLocalSearchParams,
)
from pyvrp.PenaltyManager import PenaltyParams
from pyvrp.search import (
    OPERATORS,
    LocalSearch,
    NeighbourhoodParams,
    PerturbationManager,
    PerturbationParams,
    compute_neighbours,
)

from planner.backends import neighbours
from planner.backends import start as warm_start
from planner.backends.anchors import Segment, anchors, join, segments
from planner.backends.model import (
    Model,
    Progress,
    merge_windows,
    points,
    travel_block,
)
from planner.problem import Problem

TIME_SCALE = 1000
"""Integer time units per problem time unit when travel costs nothing (reduced for
very long horizons)."""
TRAVEL_TIME_SCALE = 10
"""Integer time units per problem time unit when travel has a cost."""
SECOND_TIME_SCALE = 60
"""Integer time units per problem time unit (seconds per minute) of the second
search when travel has a cost (:func:`portfolio_for`)."""
SECOND_MODEL_MAX_CANDIDATES = 1000
"""Above this many candidate visits the two searches both run the first model:
on the 2,500-candidate CRM instances a search on the seconds grid had not found
a feasible solution after 55 s (see docs/planner.md)."""
TRAVEL_WEIGHT_MIN = 0.3
"""An hour of driving must cost at least this many median visit values for the
travel settings; below it travel hardly changes which visits pay, and the
settings of pure value (:data:`SCORE_ONLY`) apply."""
HOUR = 60.0
"""Problem time units per hour (the formats' unit is the minute)."""
PRIZE_TOP = 100_000
"""Target integer prize of the most valuable (non-required) visit."""
TIE_BREAK = 0.5
"""With no travel cost, all routes' travel together may cost at most this share
of the smallest value: shorter routes are preferred, never at a loss of value."""
BLOCKED_NEIGHBOURS_MIN_CLIENTS = 2000
"""From this many PyVRP clients on, neighbourhoods are computed location by
location: PyVRP's dense computation took 15-30 s and about 1.9 GB for the 15,366
clients of a 2,500-visit week, this one 1-9 s (docs/planner.md)."""
ROW_BLOCK = 512
"""Rows of the travel matrices computed at a time (bounds temporary memory)."""


@dataclass(frozen=True)
class Settings:
    """How one search runs.

    Attributes:
        time_scale: Integer time units per problem time unit.
        num_neighbours: Size of every client's granular neighbourhood.
        perturbations: Fewest and most clients one perturbation moves.
        history_length: Length of the late-acceptance history.
        skip_operators: PyVRP operators left out.
        restart_patience: Iterations without a new best after which the search
            restarts from a ruined best (``None``: never).
        penalties: ``"prize"`` starts the time-warp penalty near prize per time
            unit (:func:`_penalties`); ``"midpoint"`` uses PyVRP's default start.
        hard_required: Required visits are constraints of the search rather than
            visits with a prize above everything else.
        distance: ``"value"`` measures travel cost in prize units (prizes near
            :data:`PRIZE_TOP`); ``"time"`` makes a route's distance its integer
            travel time and scales prizes to match, so that PyVRP's neighbourhoods
            and penalties see one unit for time and cost (only with a travel
            cost).
        anchors: Fixed visits split their routes into segments
            (:mod:`planner.backends.anchors`) rather than being required clients.
        start: ``"empty"`` builds the first solution by inserting into empty
            routes; ``"random"`` spreads every client over random routes first,
            as ``pyvrp.solve`` does, which keeps visits of several days from
            starting out on one route.
    """

    time_scale: int
    num_neighbours: int = 50
    perturbations: tuple[int, int] = (1, 25)
    history_length: int = 300
    skip_operators: tuple[str, ...] = ()
    restart_patience: int | None = None
    penalties: str = "midpoint"
    hard_required: bool = False
    distance: str = "value"
    anchors: bool = True
    start: str = "empty"


SCORE_ONLY = Settings(
    time_scale=TIME_SCALE,
    skip_operators=("Swap21", "Swap22"),
    restart_patience=3000,
    penalties="prize",
)
"""Settings when travel costs nothing and only the value served counts (the
team orienteering problems of the TOPTW benchmark). Exchanging pairs of stops
costs more time than it gains there, and restarts from a ruined best escape the
plateaus that a pure score objective has (see docs/planner.md)."""


def settings_for(
    problem: Problem, model: Model, *, required_fit: bool = False
) -> Settings:
    """Choose the search settings for the shape of ``problem``.

    When travel costs nothing, or so little that an hour of it costs under
    :data:`TRAVEL_WEIGHT_MIN` median visit values, the value served decides and
    :data:`SCORE_ONLY` applies, required visits soft. Otherwise PyVRP's own
    search settings do better (see docs/benchmarks/planner_crm.md) on a coarse
    time grid, :data:`TRAVEL_TIME_SCALE` units per time unit: PyVRP ranks a
    client's neighbours by distance plus weighted waiting and lateness in
    *time* units, and the coarse grid keeps that ranking led by travel. There,
    with ``required_fit`` (a plan serving every required visit is known to
    exist), required visits are hard constraints of the search; otherwise they
    carry a prize above everything else, so that the search serves as many as
    it can and never fails.
    """
    t0 = min(problem.reps[ri].shifts[si][0] for ri, si in model.routes)
    t1 = max(problem.reps[ri].shifts[si][1] for ri, si in model.routes)
    if _travel_weight(problem, model) >= TRAVEL_WEIGHT_MIN:
        base = Settings(time_scale=TRAVEL_TIME_SCALE, hard_required=required_fit)
    else:
        base = SCORE_ONLY
    scale = base.time_scale
    while scale > 1 and (t1 - t0) * scale > 1e12:
        scale //= 10
    return replace(base, time_scale=scale)


def portfolio_for(
    problem: Problem, model: Model, *, required_fit: bool = False, searches: int = 2
) -> list[Settings]:
    """Settings for ``searches`` parallel searches of ``problem``.

    A single search runs :func:`settings_for`. When travel costs, two searches
    model the problem differently, as each finds better plans on some shapes
    (see docs/planner.md), so running both gets the better of the two: the
    first keeps fixed visits as required clients; the second splits routes at
    fixed visits (``anchors``), counts time in seconds and makes distance equal
    to travel time (:data:`SECOND_TIME_SCALE`, ``distance="time"``), so that it
    ranks neighbours and weighs time warp differently. Further searches repeat
    the first settings with their own seeds. Problems with breaks or more than
    :data:`SECOND_MODEL_MAX_CANDIDATES` candidates run the first settings in
    every search (the second model did worse on both in the CRM benchmark).
    """
    chosen = settings_for(problem, model, required_fit=required_fit)
    out = [chosen] * max(1, searches)
    if (
        searches > 1
        and chosen.time_scale == TRAVEL_TIME_SCALE
        and len(model.candidates) <= SECOND_MODEL_MAX_CANDIDATES
        and not _break_dims(problem, model)
    ):
        t0 = min(problem.reps[ri].shifts[si][0] for ri, si in model.routes)
        t1 = max(problem.reps[ri].shifts[si][1] for ri, si in model.routes)
        if (t1 - t0) * SECOND_TIME_SCALE <= 1e12:
            out = [replace(chosen, anchors=False)] * searches
            out[1] = replace(chosen, time_scale=SECOND_TIME_SCALE, distance="time")
    return out


def _travel_weight(problem: Problem, model: Model) -> float:
    """What an hour of driving costs, in median visit values."""
    values = sorted(x for x in _regular_values(problem, model) if x > 0)
    if not values or problem.travel_cost <= 0:
        return 0.0
    return problem.travel_cost * HOUR / values[len(values) // 2]


Shared = tuple[float, list[tuple[int, list[int]]]]
"""A best solution passed between parallel searches of the same problem: its cost
and its routes as (vehicle type, client indices). Both searches build the same
PyVRP data, so the indices mean the same in each."""


@dataclass
class _Built:
    data: ProblemData
    client_visit: list[int]
    """Visit index of every client (-1 for a break dummy)."""
    segments: list[Segment]
    """The route segment of every vehicle type (see :mod:`.anchors`)."""
    model: Model
    prize_scale: float
    t0: float
    """Problem time of integer time 0."""
    time_scale: int
    """Integer time units per problem time unit."""


def _regular_values(problem: Problem, model: Model) -> list[float]:
    return [
        problem.visits[v].value
        for v in model.candidates
        if not problem.visits[v].required
    ]


def _total_shift(problem: Problem, model: Model) -> float:
    return sum(
        problem.reps[ri].shifts[si][1] - problem.reps[ri].shifts[si][0]
        for ri, si in model.routes
    )


def _factors(
    problem: Problem, model: Model, tie_break: float = TIE_BREAK
) -> tuple[float, float]:
    """Integer prize units per unit of value, and distance units per time unit
    travelled."""
    regular = _regular_values(problem, model)
    top = max([x for x in regular if x > 0], default=1.0)
    prize_scale = PRIZE_TOP / top
    if problem.travel_cost > 0:
        return prize_scale, problem.travel_cost * prize_scale
    smallest = min([x for x in regular if x > 0], default=top)
    total = max(_total_shift(problem, model), 1e-9)
    return prize_scale, tie_break * smallest * prize_scale / total


def _break_dims(problem: Problem, model: Model) -> dict[int, int]:
    """Load dimension of every rep that has breaks in a modelled shift."""
    dims: dict[int, int] = {}
    for ri, si in model.routes:
        if problem.reps[ri].shift_breaks(si):
            dims.setdefault(ri, len(dims))
    return dims


def _break_clients(
    problem: Problem,
    model: Model,
    dims: dict[int, int],
    location: int,
    scale: tuple[float, int, int],
) -> list[Client]:
    """Required dummy clients, one per break of a modelled shift."""
    t0, time_scale, horizon = scale
    out = []
    for ri, si in model.routes:
        rep = problem.reps[ri]
        for bi in rep.shift_breaks(si):
            brk = rep.breaks[bi]
            lo = max(0, math.ceil((brk.earliest - t0) * time_scale - 1e-6))
            hi = min(
                horizon,
                math.floor((brk.latest - brk.duration - t0) * time_scale + 1e-6),
            )
            delivery = [0] * len(dims)
            delivery[dims[ri]] = 1
            out.append(
                Client(
                    location=location,
                    delivery=delivery,
                    service_duration=math.ceil(brk.duration * time_scale - 1e-6),
                    tw_early=lo,
                    tw_late=max(lo, hi),
                    required=True,
                    name=f"break {rep.id}#{bi}",
                )
            )
    return out


def build(
    problem: Problem,
    model: Model,
    time_scale: int,
    tie_break: float = TIE_BREAK,
    hard_required: bool = False,
    distance: str = "value",
    split: bool = True,
) -> _Built:
    """Build the PyVRP data for ``model``.

    Args:
        problem: The problem.
        model: Routes and candidate visits to model.
        time_scale: Integer time units per problem time unit.
        tie_break: See :data:`TIE_BREAK`.
        hard_required: See :class:`Settings`.
        distance: See :class:`Settings`.
        split: Split routes at fixed visits (``Settings.anchors``).

    Returns:
        The PyVRP data with the maps back to visits and routes.
    """
    pts, _, depot_of = points(problem, model)
    dims = _break_dims(problem, model)
    if dims:
        # One more location for the break dummies; its travel row and column
        # stay zero.
        pts = [*pts, pts[0]]
    n = len(pts)
    nd = len(depot_of)
    t0 = min(problem.reps[ri].shifts[si][0] for ri, si in model.routes)
    t1 = max(problem.reps[ri].shifts[si][1] for ri, si in model.routes)
    horizon = math.floor((t1 - t0) * time_scale)

    regular = _regular_values(problem, model)
    total_shift = _total_shift(problem, model)
    prize_scale, dist_factor = _factors(problem, model, tie_break)
    in_time = distance == "time" and problem.travel_cost > 0
    if in_time:
        # A unit of distance is a unit of travel time: a value v is worth
        # v / travel_cost problem time units of driving.
        prize_scale = time_scale / problem.travel_cost
        dist_factor = time_scale

    dur = np.empty((n, n), dtype=np.int64)
    dist = np.empty((n, n), dtype=np.int64)
    for lo in range(0, n, ROW_BLOCK):
        rows = slice(lo, min(n, lo + ROW_BLOCK))
        t = travel_block(problem, pts, rows)
        dur[rows] = np.ceil(t * time_scale - 1e-6)
        dist[rows] = dur[rows] if in_time else np.rint(t * dist_factor)
        del t
    np.fill_diagonal(dur, 0)
    np.fill_diagonal(dist, 0)
    if dims:
        dur[-1, :] = dur[:, -1] = dist[-1, :] = dist[:, -1] = 0

    # Profiles: reps with the same forbidden visits share one.
    forbidden_of: list[frozenset[int]] = []
    for ri in range(len(problem.reps)):
        rep = problem.reps[ri]
        forbidden_of.append(
            frozenset(
                k
                for k, v in enumerate(model.candidates)
                if not problem.allows(problem.visits[v], rep)
            )
        )
    profile_keys: dict[frozenset[int], int] = {}
    for ri, _ in model.routes:
        profile_keys.setdefault(forbidden_of[ri], len(profile_keys))
    # pyvrp's stubs spell a matrix ``ndarray[int]``, a shape of ``int``; any array
    # type is accepted here and converted by pyvrp.
    durations: list[np.ndarray[Any, Any]] = []
    distances: list[np.ndarray[Any, Any]] = []
    for key in profile_keys:
        if not key:
            durations.append(dur)
            distances.append(dist)
            continue
        pd = dur.copy()
        cols = np.fromiter((nd + k for k in key), dtype=np.int64)
        # Longer than the whole horizon, so no feasible route takes such an edge;
        # small enough that penalised time warp cannot overflow 64 bits.
        forbidden = 2 * horizon + 1
        pd[:, cols] = forbidden
        pd[cols, :] = forbidden
        pd[cols, cols] = 0
        durations.append(pd)
        distances.append(dist)

    locations = [Location(0.0, 0.0) for _ in pts]
    depots = [Depot(location=i, tw_early=0, tw_late=horizon) for i in range(nd)]
    fixed = anchors(problem, model) if split else {}
    anchored = {i for chain in fixed.values() for i in chain}
    # An anchor's location is also the depot its route's segments meet at.
    anchor_depot = {}
    for i in sorted(anchored):
        anchor_depot[i] = len(depots)
        depots.append(Depot(location=nd + i, tw_early=0, tw_late=horizon))
    segs = segments(problem, model, fixed)
    vehicle_types = []
    for j, seg in enumerate(segs):
        ri, si = model.routes[seg.route]
        rep = problem.reps[ri]
        start = depot_of[rep.start] if seg.start is None else anchor_depot[seg.start]
        end = depot_of[rep.end] if seg.end is None else anchor_depot[seg.end]
        vehicle_types.append(
            VehicleType(
                num_available=1,
                start_depot=start,
                end_depot=end,
                tw_early=math.ceil((seg.open - t0) * time_scale - 1e-6),
                tw_late=math.floor((seg.close - t0) * time_scale + 1e-6),
                profile=profile_keys[forbidden_of[ri]],
                capacity=[
                    horizon + 1 if d == dims.get(ri) else 0 for d in range(len(dims))
                ],
                name=f"{rep.id}#{si}.{j}",
            )
        )

    big = round(sum(regular) * prize_scale + dist_factor * total_shift) + 1
    clients: list[Client] = []
    groups: list[ClientGroup] = []
    client_visit: list[int] = []
    for k, v in enumerate(model.candidates):
        if k in anchored:
            continue
        visit = problem.visits[v]
        hard = hard_required and visit.required
        soft_required = visit.required and not hard
        prize = big if soft_required else round(visit.value * prize_scale)
        windows = merge_windows(visit.windows, t0, t1)
        scaled = []
        for a, b in windows:
            lo = max(0, math.ceil((a - t0) * time_scale - 1e-6))
            hi = min(horizon, math.floor((b - t0) * time_scale + 1e-6))
            if lo <= hi:
                scaled.append((lo, hi))
        group = None
        if len(scaled) > 1:
            group = len(groups)
            groups.append(ClientGroup(required=hard))
        for lo, hi in scaled:
            if group is not None:
                groups[group].add_client(len(clients))
            clients.append(
                Client(
                    location=nd + k,
                    delivery=[0] * len(dims),
                    service_duration=math.ceil(visit.duration * time_scale - 1e-6),
                    tw_early=lo,
                    tw_late=hi,
                    prize=prize,
                    required=hard and group is None,
                    group=group,
                    name=visit.id,
                )
            )
            client_visit.append(v)
    if dims:
        dummies = _break_clients(problem, model, dims, n - 1, (t0, time_scale, horizon))
        clients += dummies
        client_visit += [-1] * len(dummies)
    data = ProblemData(
        locations, clients, depots, vehicle_types, distances, durations, groups
    )
    return _Built(data, client_visit, segs, model, prize_scale, t0, time_scale)


def _routes(built: _Built, sol: Solution) -> list[tuple[int, list[int]]]:
    parts = {}
    for route in sol.routes():
        visits = [built.client_visit[a.idx] for a in route if a.is_client()]
        parts[route.vehicle_type()] = [v for v in visits if v >= 0]
    return join(built.segments, parts, built.model)


class _Stop:
    """Stops a search run at the deadline, the iteration budget, or when a run
    has gone ``patience`` iterations without a new best (then it is restarted)."""

    def __init__(
        self,
        deadline: float,
        max_iterations: int | None,
        poll: Callable[[], None] | None,
        patience: float,
    ) -> None:
        self.deadline = deadline
        self.max_iterations = max_iterations
        self.poll = poll
        self.patience = patience
        self.iterations = 0
        self.last_best = 0
        self.stalled = False

    def done(self) -> bool:
        if self.max_iterations is not None and self.iterations >= self.max_iterations:
            return True
        return time.monotonic() >= self.deadline

    def __call__(self, best_cost: float) -> bool:
        if self.poll is not None:
            self.poll()
        if self.done():
            return True
        self.iterations += 1
        if self.iterations - self.last_best > self.patience:
            self.stalled = True
            return True
        return False


class _Tracker(IteratedLocalSearchCallbacks):
    """Keeps the best feasible solution over all runs and reports new ones."""

    def __init__(
        self,
        built: _Built,
        stop: _Stop,
        evaluator: CostEvaluator,
        report: Progress | None,
        share: Callable[[Shared], None] | None = None,
    ) -> None:
        self.built = built
        self.stop = stop
        self.evaluator = evaluator
        self.report = report
        self.share = share
        self.best: Solution | None = None
        self.best_cost = math.inf

    def offer(self, sol: Solution) -> None:
        if not sol.is_feasible():
            return
        cost = self.evaluator.cost(sol)
        if cost < self.best_cost:
            self.best, self.best_cost = sol, cost
            if self.share is not None:
                self.share((float(cost), _raw(sol)))
            if self.report is not None:
                self.report(time.monotonic(), _routes(self.built, sol))

    def adopt(self, shared: Shared | None) -> Solution | None:
        """Take another search's best if it beats this one's (not reported back)."""
        if shared is None or not shared[0] < self.best_cost:
            return None
        data = self.built.data
        sol = Solution(
            data, [SolRoute(data, clients, vt) for vt, clients in shared[1] if clients]
        )
        if not sol.is_feasible():
            return None
        self.best, self.best_cost = sol, self.evaluator.cost(sol)
        return sol

    def on_best(self, best: Solution) -> None:
        self.stop.last_best = self.stop.iterations
        self.offer(best)


def _raw(sol: Solution) -> list[tuple[int, list[int]]]:
    return [
        (route.vehicle_type(), [a.idx for a in route if a.is_client()])
        for route in sol.routes()
    ]


def _ruin(data: ProblemData, sol: Solution, rng: random.Random) -> Solution:
    """Remove a random stretch (10-40 %) of every route, keeping the rest."""
    routes = []
    for route in sol.routes():
        clients = [a.idx for a in route if a.is_client()]
        n = len(clients)
        if n:
            size = max(1, round(n * rng.uniform(0.1, 0.4)))
            at = rng.randrange(0, n - size + 1)
            clients = clients[:at] + clients[at + size :]
        if clients:
            routes.append(SolRoute(data, clients, route.vehicle_type()))
    return Solution(data, routes)


def _neighbours(data: ProblemData, size: int) -> dict[Activity, list[Activity]]:
    """Every client's granular neighbourhood: PyVRP's own below
    :data:`BLOCKED_NEIGHBOURS_MIN_CLIENTS` clients, the same proximity computed
    location by location (:mod:`planner.backends.neighbours`) above it."""
    size = min(size, max(1, data.num_clients - 1))
    if data.num_clients >= BLOCKED_NEIGHBOURS_MIN_CLIENTS:
        return neighbours.compute(data, size)
    return compute_neighbours(data, NeighbourhoodParams(num_neighbours=size))


def _penalties(data: ProblemData) -> PenaltyManager:
    """Penalty manager whose time-warp penalty starts near prize per time unit.

    A unit of time warp should cost about what a unit of time can earn; starting
    there (rather than PyVRP's fixed midpoint) lets the search balance feasible
    and infeasible solutions from the first iterations.
    """
    prizes = sorted(c.prize for c in data.clients()) or [1]
    dur = data.duration_matrix(0)
    per_client = sorted(
        c.service_duration + int(np.partition(dur[c.location], 1)[1])
        for c in data.clients()
    ) or [1]
    rate = prizes[len(prizes) // 2] / max(1, per_client[len(per_client) // 2])
    init = max(1e-6, rate)
    params = PenaltyParams(
        min_penalty=init * 1e-3,
        max_penalty=max(init * 1e4, 1.0),
        solutions_between_updates=100,
    )
    return PenaltyManager(([init] * data.num_load_dimensions, init, init), params)


def run(
    problem: Problem,
    model: Model,
    *,
    seed: int,
    deadline: float,
    max_iterations: int | None = None,
    report: Progress | None = None,
    poll: Callable[[], None] | None = None,
    share: Callable[[Shared], None] | None = None,
    fetch: Callable[[], Shared | None] | None = None,
    settings: Settings | None = None,
    start: Sequence[tuple[int, Sequence[int]]] | None = None,
) -> list[tuple[int, list[int]]]:
    """Solve ``model`` with PyVRP's iterated local search.

    Args:
        problem: The problem.
        model: Routes and candidate visits.
        seed: Random seed.
        deadline: ``time.monotonic()`` value at which to stop.
        max_iterations: Optional iteration budget (makes runs reproducible).
        report: Called with ``(now, routes)`` whenever a new best is found.
        poll: Called once per iteration (lets the caller serve other work).
        share: Called with every new best, for searches running in parallel.
        fetch: Returns the best of the parallel searches (or ``None``); when this
            search restarts, it restarts from that one if it is better than its own.
        settings: The search settings (default: :func:`settings_for`).
        start: Feasible routes ``(route position, visit indices)`` to start from
            (see :mod:`planner.backends.start`) rather than empty routes.

    Returns:
        The best feasible solution found as ``(route position, visit indices)``.
    """
    if not model.candidates or not model.routes:
        return []
    settings = settings if settings is not None else settings_for(problem, model)
    built = build(
        problem,
        model,
        settings.time_scale,
        hard_required=settings.hard_required,
        distance=settings.distance,
        split=settings.anchors,
    )
    data = built.data
    rng = RandomNumberGenerator(seed=seed)
    ls = LocalSearch(
        data,
        rng,
        _neighbours(data, settings.num_neighbours),
        PerturbationManager(PerturbationParams(*settings.perturbations)),
    )
    for op in OPERATORS:
        if op.supports(data) and op.__name__ not in settings.skip_operators:
            ls.add_operator(op(data))
    if settings.penalties == "prize":
        pm = _penalties(data)
    else:
        penalty_params = PenaltyParams()
        pm = PenaltyManager(penalty_params.midpoint_penalties(data), penalty_params)
    patience = settings.restart_patience
    stop = _Stop(deadline, max_iterations, poll, patience=patience or math.inf)
    tracker = _Tracker(built, stop, pm.cost_evaluator(), report, share)
    if start:
        first = warm_start.solution(problem, built, start)
        tracker.offer(first)
        init = ls(first, pm.cost_evaluator(), exhaustive=True)
    else:
        first = (
            Solution.make_random(data, rng)
            if settings.start == "random"
            else Solution(data, [])
        )
        init = ls(first, pm.max_cost_evaluator(), exhaustive=True)
    tracker.offer(init)
    shuffle = random.Random(seed)
    params = IteratedLocalSearchParams(
        history_length=settings.history_length, callbacks=tracker
    )
    while True:
        stop.stalled = False
        stop.last_best = stop.iterations
        IteratedLocalSearch(data, pm, ls, init, params).run(stop, collect_stats=False)
        if not stop.stalled or stop.done():
            break
        # Restart from a partly destroyed copy of the best solution found so far,
        # by this search or a parallel one.
        if fetch is not None:
            tracker.adopt(fetch())
        base = tracker.best if tracker.best is not None else init
        init = ls(_ruin(data, base, shuffle), pm.cost_evaluator(), exhaustive=True)
        tracker.offer(init)
    best = tracker.best if tracker.best is not None else Solution(data, [])
    return _routes(built, best)
