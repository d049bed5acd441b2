"""Baselines for the TOPTW benchmark: plain PyVRP and plain OR-Tools.

Both are written the way a new user would write them from the libraries'
documentation, for problems with one shift per rep and one window per visit (all
the benchmark needs):

* ``pyvrp``: :class:`pyvrp.Model`, times scaled by 100 and rounded, optional
  clients with value x 1000 as prize (travel is the distance, so the prize must
  outweigh it), one vehicle type per rep, the default solver.
* ``ortools``: a routing model with a time dimension, one disjunction per visit
  with a penalty of value x 10^6 (so value always beats travel), arc cost =
  travel, guided local search.

Their routes are turned into plans by rebuilding the exact times with
:func:`planner.evaluate.schedule_route`; a stop that integer rounding made
infeasible is dropped, as the planner itself does.
"""

from __future__ import annotations

import time

from planner import Plan, Problem, SolverInfo, evaluate
from planner.evaluate import route_from_schedule, schedule_route

SCALE = 100
PRIZE = 1000
"""PyVRP prize per unit of value: a visit must pay for the scaled travel to it."""


def _times(problem: Problem) -> tuple[list, list[list[int]]]:
    rep = problem.reps[0]
    points = [rep.start] + [v.location for v in problem.visits]
    t = [[round(problem.travel(a, b) * SCALE) for b in points] for a in points]
    return points, t


def _pyvrp(problem: Problem, time_limit: float, seed: int) -> list[list[int]]:
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    _, t = _times(problem)
    m = Model()
    locations = [m.add_location(x=0, y=0) for _ in t]
    depot = m.add_depot(locations[0])
    open_, close = problem.reps[0].shifts[0]
    m.add_vehicle_type(
        num_available=len(problem.reps),
        start_depot=depot,
        end_depot=depot,
        tw_early=round(open_ * SCALE),
        tw_late=round(close * SCALE),
    )
    for k, visit in enumerate(problem.visits, start=1):
        a, b = visit.windows[0] if visit.windows else (open_, close)
        m.add_client(
            locations[k],
            service_duration=round(visit.duration * SCALE),
            tw_early=round(a * SCALE),
            tw_late=round(b * SCALE),
            prize=round(visit.value * PRIZE),
            required=False,
        )
    for i, frm in enumerate(locations):
        for j, to in enumerate(locations):
            m.add_edge(frm, to, distance=t[i][j], duration=t[i][j])
    res = m.solve(stop=MaxRuntime(time_limit), seed=seed, display=False)
    return [[a.idx for a in r if a.is_client()] for r in res.best.routes()]


def _ortools(problem: Problem, time_limit: float, seed: int) -> list[list[int]]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    _, t = _times(problem)
    n, m = len(t), len(problem.reps)
    service = [0] + [round(v.duration * SCALE) for v in problem.visits]
    manager = pywrapcp.RoutingIndexManager(n, m, 0)
    routing = pywrapcp.RoutingModel(manager)

    def transit(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return t[a][b] + service[a]

    def arc(i: int, j: int) -> int:
        return t[manager.IndexToNode(i)][manager.IndexToNode(j)]

    cb_time = routing.RegisterTransitCallback(transit)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(arc))
    open_, close = problem.reps[0].shifts[0]
    horizon = round(close * SCALE)
    routing.AddDimension(cb_time, horizon, horizon, False, "time")
    dim = routing.GetDimensionOrDie("time")
    for k, visit in enumerate(problem.visits, start=1):
        a, b = visit.windows[0] if visit.windows else (open_, close)
        index = manager.NodeToIndex(k)
        dim.CumulVar(index).SetRange(round(a * SCALE), round(b * SCALE))
        routing.AddDisjunction([index], round(visit.value * 1_000_000))
    for v in range(m):
        dim.CumulVar(routing.Start(v)).SetRange(round(open_ * SCALE), horizon)
        dim.CumulVar(routing.End(v)).SetRange(round(open_ * SCALE), horizon)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    sol = routing.SolveWithParameters(params)
    routes = []
    if sol is None:
        return routes
    for v in range(m):
        index, route = routing.Start(v), []
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node:
                route.append(node - 1)
            index = sol.Value(routing.NextVar(index))
        routes.append(route)
    return routes


def solve_baseline(
    name: str, problem: Problem, *, time_limit: float, seed: int
) -> Plan:
    """Solve ``problem`` with baseline ``name`` (``pyvrp`` or ``ortools``).

    Args:
        name: Which baseline.
        problem: A problem with one shift per rep and at most one window per visit.
        time_limit: Seconds for the solver.
        seed: Random seed (PyVRP only).

    Returns:
        A plan with exact times rebuilt from the baseline's routes.
    """
    start = time.monotonic()
    orders = (_pyvrp if name == "pyvrp" else _ortools)(problem, time_limit, seed)
    routes, served = [], set()
    for k, order in enumerate(orders):
        if not order:
            continue
        rep = problem.reps[k % len(problem.reps)]
        kept: list[int] = []
        for v in order:
            if schedule_route(problem, rep, 0, [*kept, v]) is not None:
                kept.append(v)
        sched = schedule_route(problem, rep, 0, kept)
        if kept and sched is not None:
            routes.append(route_from_schedule(problem, rep, 0, kept, sched))
            served.update(kept)
    draft = Plan(problem.name, 0.0, 0.0, 0.0, tuple(routes), ())
    ev = evaluate(problem, draft)
    return Plan(
        problem=problem.name,
        objective=ev.objective,
        value=ev.value,
        travel=ev.travel,
        routes=tuple(routes),
        unserved=tuple(v.id for i, v in enumerate(problem.visits) if i not in served),
        solver=SolverInfo(name, round(time.monotonic() - start, 3), seed),
    )
