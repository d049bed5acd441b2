"""Plain library models of the CRM-shaped problems: PyVRP and OR-Tools.

Both are what a developer writes in an afternoon from each library's
documentation, with default solver settings:

* ``pyvrp``: :class:`pyvrp.Model`; times in seconds; one vehicle type per (rep,
  day) with the shift as its window; every visit an optional client with its
  value as prize (travel, in seconds, costs ``travel_cost / 60`` per second, so
  prizes are value x 120 / (travel_cost x 2)); a visit with several windows is a
  mutually exclusive client group with one client per window; a required visit is
  required (a required group when it has several windows); one routing profile
  per group of reps with the same restrictions, other reps' visits unreachable.
* ``ortools``: a routing model with a time dimension in seconds, one vehicle per
  (rep, day), one disjunction per visit over its per-window copies (penalty =
  prize; a required visit's penalty exceeds all prizes together), ``VehicleVar``
  restrictions, arc cost = travel, guided local search.

Routes are turned into plans by rebuilding exact times with
:func:`planner.evaluate.schedule_route`; a stop that rounding made infeasible is
dropped.
"""

from __future__ import annotations

import math
import time

from planner import Plan, Problem, SolverInfo, evaluate
from planner.evaluate import route_from_schedule, schedule_route

SCALE = 60
"""Integer units per minute: seconds."""


def _vehicles(problem: Problem) -> list[tuple[int, int]]:
    return [
        (ri, si) for ri, rep in enumerate(problem.reps) for si in range(len(rep.shifts))
    ]


def _points(problem: Problem) -> tuple[list, dict]:
    pts: list = []
    index: dict = {}
    for rep in problem.reps:
        for p in (rep.start, rep.end):
            key = tuple(p) if isinstance(p, list) else p
            if key not in index:
                index[key] = len(pts)
                pts.append(p)
    return pts, index


def _copies(problem: Problem) -> list[tuple[int, float, float]]:
    """(visit, window start, window end) per window, in scaled seconds."""
    out = []
    for vi, v in enumerate(problem.visits):
        for a, b in v.windows or [(None, None)]:
            out.append((vi, a, b))
    return out


def _travel(problem: Problem, a, b) -> int:
    return math.ceil(problem.travel(a, b) * SCALE - 1e-6)


def _prize_factor(problem: Problem) -> float:
    return SCALE / max(problem.travel_cost, 1e-9)


def _pyvrp(
    problem: Problem, time_limit: float, seed: int
) -> list[tuple[int, list[int]]]:
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    vehicles = _vehicles(problem)
    depots, depot_index = _points(problem)
    copies = _copies(problem)
    m = Model()
    locs = [m.add_location(x=0, y=0) for _ in depots]
    dep = [m.add_depot(loc) for loc in locs]
    horizon = round(max(s[1] for r in problem.reps for s in r.shifts) * SCALE) + 1
    restrictions = {}
    for rep in problem.reps:
        forbidden = frozenset(
            vi for vi, v in enumerate(problem.visits) if not problem.allows(v, rep)
        )
        restrictions.setdefault(forbidden, len(restrictions))
    profiles = [m.add_profile() for _ in restrictions]
    for ri, si in vehicles:
        rep = problem.reps[ri]
        forbidden = frozenset(
            vi for vi, v in enumerate(problem.visits) if not problem.allows(v, rep)
        )
        a, b = rep.shifts[si]
        m.add_vehicle_type(
            num_available=1,
            start_depot=dep[depot_index[_key(rep.start)]],
            end_depot=dep[depot_index[_key(rep.end)]],
            tw_early=math.ceil(a * SCALE),
            tw_late=math.floor(b * SCALE),
            profile=profiles[restrictions[forbidden]],
        )
    factor = _prize_factor(problem)
    visit_locs = [m.add_location(x=0, y=0) for _ in problem.visits]
    groups = {}
    clients = []
    for vi, a, b in copies:
        v = problem.visits[vi]
        several = len(v.windows) > 1
        if several and vi not in groups:
            groups[vi] = m.add_client_group(required=v.required)
        lo = 0 if a is None else math.ceil(a * SCALE)
        hi = horizon if b is None else math.floor(b * SCALE)
        clients.append(
            m.add_client(
                visit_locs[vi],
                service_duration=math.ceil(v.duration * SCALE),
                tw_early=lo,
                tw_late=max(lo, hi),
                prize=round(v.value * factor),
                required=v.required and not several,
                group=groups.get(vi),
            )
        )
    all_points = list(depots) + [v.location for v in problem.visits]
    all_locs = locs + visit_locs
    owner = [None] * len(depots) + list(range(len(problem.visits)))
    big = 10 * horizon
    for forbidden, p in restrictions.items():
        for i, frm in enumerate(all_locs):
            for j, to in enumerate(all_locs):
                if i == j:
                    continue
                t = _travel(problem, all_points[i], all_points[j])
                if owner[i] in forbidden or owner[j] in forbidden:
                    m.add_edge(frm, to, distance=big, duration=big, profile=profiles[p])
                else:
                    m.add_edge(frm, to, distance=t, duration=t, profile=profiles[p])
    res = m.solve(stop=MaxRuntime(time_limit), seed=seed, display=False)
    out = []
    for route in res.best.routes():
        visits = [copies[a.idx][0] for a in route if a.is_client()]
        out.append((route.vehicle_type(), visits))
    return out


def _key(p):
    return tuple(p) if isinstance(p, list) else p


def _ortools(
    problem: Problem, time_limit: float, seed: int
) -> list[tuple[int, list[int]]]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    vehicles = _vehicles(problem)
    depots, depot_index = _points(problem)
    copies = _copies(problem)
    points = list(depots) + [problem.visits[vi].location for vi, _, _ in copies]
    nd = len(depots)
    n = len(points)
    t = [[_travel(problem, a, b) for b in points] for a in points]
    service = [0] * nd + [
        math.ceil(problem.visits[vi].duration * SCALE) for vi, _, _ in copies
    ]
    starts = [depot_index[_key(problem.reps[ri].start)] for ri, _ in vehicles]
    ends = [depot_index[_key(problem.reps[ri].end)] for ri, _ in vehicles]
    manager = pywrapcp.RoutingIndexManager(n, len(vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)

    def transit(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return t[a][b] + service[a]

    def arc(i: int, j: int) -> int:
        return t[manager.IndexToNode(i)][manager.IndexToNode(j)]

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(arc))
    horizon = round(max(s[1] for r in problem.reps for s in r.shifts) * SCALE) + 1
    routing.AddDimension(
        routing.RegisterTransitCallback(transit), horizon, horizon, False, "time"
    )
    dim = routing.GetDimensionOrDie("time")
    factor = _prize_factor(problem)
    required_penalty = 1 + round(sum(v.value for v in problem.visits) * factor) * 10
    by_visit: dict[int, list[int]] = {}
    for c, (vi, a, b) in enumerate(copies):
        index = manager.NodeToIndex(nd + c)
        lo = 0 if a is None else math.ceil(a * SCALE)
        hi = horizon if b is None else math.floor(b * SCALE)
        dim.CumulVar(index).SetRange(lo, max(lo, hi))
        by_visit.setdefault(vi, []).append(index)
        v = problem.visits[vi]
        barred = [
            k
            for k, (ri, _) in enumerate(vehicles)
            if not problem.allows(v, problem.reps[ri])
        ]
        if barred:
            routing.VehicleVar(index).RemoveValues(barred)
    for vi, indices in by_visit.items():
        v = problem.visits[vi]
        # A required visit gets a penalty above any other plan's worth: with no
        # penalty at all, the first-solution heuristic finds no plan whenever the
        # required visits are hard to fit.
        penalty = round(v.value * factor) if not v.required else required_penalty
        routing.AddDisjunction(indices, penalty)
    for k, (ri, si) in enumerate(vehicles):
        a, b = problem.reps[ri].shifts[si]
        dim.CumulVar(routing.Start(k)).SetRange(
            math.ceil(a * SCALE), math.floor(b * SCALE)
        )
        dim.CumulVar(routing.End(k)).SetRange(
            math.ceil(a * SCALE), math.floor(b * SCALE)
        )
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    sol = routing.SolveWithParameters(params)
    out: list[tuple[int, list[int]]] = []
    if sol is None:
        return out
    for k in range(len(vehicles)):
        index, route = routing.Start(k), []
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node >= nd:
                route.append(copies[node - nd][0])
            index = sol.Value(routing.NextVar(index))
        out.append((k, route))
    return out


def solve_baseline(
    name: str, problem: Problem, *, time_limit: float, seed: int
) -> Plan:
    """Solve ``problem`` with baseline ``name`` (``pyvrp`` or ``ortools``).

    Returns:
        A plan with exact times rebuilt from the baseline's routes.
    """
    start = time.monotonic()
    orders = (_pyvrp if name == "pyvrp" else _ortools)(problem, time_limit, seed)
    vehicles = _vehicles(problem)
    routes, served = [], set()
    for k, order in orders:
        if not order:
            continue
        ri, si = vehicles[k]
        rep = problem.reps[ri]
        kept: list[int] = []
        for v in order:
            if schedule_route(problem, rep, si, [*kept, v]) is not None:
                kept.append(v)
        sched = schedule_route(problem, rep, si, kept)
        if kept and sched is not None:
            routes.append(route_from_schedule(problem, rep, si, kept, sched))
            served.update(kept)
    draft = Plan(problem.name, 0.0, 0.0, 0.0, tuple(routes), ())
    ev = evaluate(problem, draft)
    missing = tuple(
        v.id for i, v in enumerate(problem.visits) if v.required and i not in served
    )
    return Plan(
        problem=problem.name,
        objective=ev.objective,
        value=ev.value,
        travel=ev.travel,
        routes=tuple(routes),
        unserved=tuple(v.id for i, v in enumerate(problem.visits) if i not in served),
        solver=SolverInfo(name, round(time.monotonic() - start, 3), seed),
        infeasible_required=missing,
    )
