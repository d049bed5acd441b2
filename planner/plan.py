"""The result of planning: routes with timed stops, and what was left unserved.

A :class:`Plan` is pure data. :func:`plan_to_dict` writes the version-1 JSON fields
exactly as the format describes them, plus two extra fields: ``reasons`` (why each
visit was served or not) and ``infeasible_required`` (required visits that could not
be served). :func:`plan_from_dict` reads a plan back, naming malformed fields.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SERVED = "served"
NO_WINDOW = "no window reachable in any shift"
NOT_ALLOWED = "not allowed for any rep with time"
LOWER_VALUE = "lower value than what was chosen"
NO_WINDOW_BREAKS = "no window outside the rep's breaks"
TOO_CLOSE = "too close in time to another visit of the same customer"


@dataclass(frozen=True)
class Stop:
    """One served visit on a route.

    Attributes:
        visit: Visit id.
        arrive: Arrival time (previous end or departure plus travel time).
        start: Start of service (inside one of the visit's windows).
        end: End of service (``start`` plus the visit's duration).
    """

    visit: str
    arrive: float
    start: float
    end: float


@dataclass(frozen=True)
class RouteBreak:
    """A break taken on a route.

    Attributes:
        break_index: Index into the rep's ``breaks`` (``break`` in JSON).
        start: When the break starts.
        end: When it ends (at least ``start`` plus the break's duration).
    """

    break_index: int
    start: float
    end: float


@dataclass(frozen=True)
class Route:
    """The route of one rep during one of its shifts.

    Attributes:
        rep: Rep id.
        shift: Index into the rep's shifts.
        depart: When the rep leaves its start point.
        return_: When the rep is back at its end point (``return`` in JSON).
        stops: The visits served, in order.
        breaks: The breaks taken, in time order.
    """

    rep: str
    shift: int
    depart: float
    return_: float
    stops: tuple[Stop, ...]
    breaks: tuple[RouteBreak, ...] = ()


@dataclass(frozen=True)
class SolverInfo:
    """Which solver produced the plan, how long it ran and with which seed."""

    name: str
    seconds: float
    seed: int


@dataclass(frozen=True)
class Plan:
    """A plan for a problem.

    Attributes:
        problem: Name of the problem planned.
        objective: Total value minus travel cost times travel time.
        value: Total value of the served visits.
        travel: Total travel time of all routes.
        routes: Routes with at least one stop.
        unserved: Ids of the visits not served, in problem order.
        solver: Solver details, if known.
        infeasible_required: Required visits that could not be served.
        reasons: ``(visit id, reason)`` for every visit, in problem order.
    """

    problem: str
    objective: float
    value: float
    travel: float
    routes: tuple[Route, ...]
    unserved: tuple[str, ...]
    solver: SolverInfo | None = None
    infeasible_required: tuple[str, ...] = ()
    reasons: tuple[tuple[str, str], ...] = ()

    @property
    def feasible(self) -> bool:
        """Whether every required visit is served."""
        return not self.infeasible_required

    def reason(self, visit_id: str) -> str | None:
        """Return the recorded reason for ``visit_id``, if any."""
        return dict(self.reasons).get(visit_id)


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """Return the version-1 JSON object of ``plan``."""
    out: dict[str, Any] = {
        "version": 1,
        "problem": plan.problem,
        "objective": plan.objective,
        "value": plan.value,
        "travel": plan.travel,
        "routes": [_route_to_dict(r) for r in plan.routes],
        "unserved": list(plan.unserved),
    }
    if plan.solver is not None:
        out["solver"] = {
            "name": plan.solver.name,
            "seconds": plan.solver.seconds,
            "seed": plan.solver.seed,
        }
    if plan.reasons:
        out["reasons"] = dict(plan.reasons)
    out["infeasible_required"] = list(plan.infeasible_required)
    return out


def _route_to_dict(r: Route) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rep": r.rep,
        "shift": r.shift,
        "depart": r.depart,
        "return": r.return_,
        "stops": [
            {"visit": s.visit, "arrive": s.arrive, "start": s.start, "end": s.end}
            for s in r.stops
        ],
    }
    if r.breaks:
        out["breaks"] = [
            {"break": b.break_index, "start": b.start, "end": b.end} for b in r.breaks
        ]
    return out


def _num(x: Any, where: str) -> float:
    if not isinstance(x, int | float) or isinstance(x, bool) or not math.isfinite(x):
        raise ValueError(f"{where}: expected a finite number, got {x!r}")
    return float(x)


def _str(x: Any, where: str) -> str:
    if not isinstance(x, str):
        raise ValueError(f"{where}: expected a string, got {x!r}")
    return x


def _list(x: Any, where: str) -> list[Any]:
    if not isinstance(x, list | tuple):
        raise ValueError(f"{where}: expected a list")
    return list(x)


def _obj(x: Any, where: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(x, Mapping):
        raise ValueError(f"{where}: expected an object")
    for key in keys:
        if key not in x:
            raise ValueError(f"{where}.{key}: missing")
    return x


def _stop(x: Any, where: str) -> Stop:
    x = _obj(x, where, ("visit", "arrive", "start", "end"))
    return Stop(
        visit=_str(x["visit"], f"{where}.visit"),
        arrive=_num(x["arrive"], f"{where}.arrive"),
        start=_num(x["start"], f"{where}.start"),
        end=_num(x["end"], f"{where}.end"),
    )


def _index(x: Any, where: str) -> int:
    if not isinstance(x, int) or isinstance(x, bool):
        raise ValueError(f"{where}: expected an integer index, got {x!r}")
    return x


def _break(x: Any, where: str) -> RouteBreak:
    x = _obj(x, where, ("break", "start", "end"))
    return RouteBreak(
        break_index=_index(x["break"], f"{where}.break"),
        start=_num(x["start"], f"{where}.start"),
        end=_num(x["end"], f"{where}.end"),
    )


def _route(x: Any, where: str) -> Route:
    x = _obj(x, where, ("rep", "shift", "depart", "return", "stops"))
    shift = _index(x["shift"], f"{where}.shift")
    breaks = x.get("breaks")
    breaks = [] if breaks is None else _list(breaks, f"{where}.breaks")
    return Route(
        rep=_str(x["rep"], f"{where}.rep"),
        shift=shift,
        depart=_num(x["depart"], f"{where}.depart"),
        return_=_num(x["return"], f"{where}.return"),
        stops=tuple(
            _stop(s, f"{where}.stops[{k}]")
            for k, s in enumerate(_list(x["stops"], f"{where}.stops"))
        ),
        breaks=tuple(_break(b, f"{where}.breaks[{k}]") for k, b in enumerate(breaks)),
    )


def plan_from_dict(data: Any) -> Plan:
    """Build a :class:`Plan` from decoded version-1 JSON.

    Only the structure is checked here; whether the plan is feasible for a problem
    is for :func:`planner.evaluate` to say.

    Args:
        data: The decoded JSON object.

    Returns:
        The plan.

    Raises:
        ValueError: When a field is missing or malformed; the message names it.
    """
    x = _obj(data, "plan", ("objective", "value", "travel", "routes"))
    version = x.get("version", 1)
    if version != 1:
        raise ValueError(f"version: unsupported version {version!r} (expected 1)")
    solver = None
    if x.get("solver") is not None:
        s = _obj(x["solver"], "solver", ())
        seed = s.get("seed", 0)
        solver = SolverInfo(
            name=str(s.get("name", "")),
            seconds=_num(s.get("seconds", 0.0), "solver.seconds"),
            seed=seed if isinstance(seed, int) else 0,
        )
    reasons = x.get("reasons") or {}
    if not isinstance(reasons, Mapping):
        raise ValueError("reasons: expected an object")
    return Plan(
        problem=_str(x.get("problem", ""), "problem"),
        objective=_num(x["objective"], "objective"),
        value=_num(x["value"], "value"),
        travel=_num(x["travel"], "travel"),
        routes=tuple(
            _route(r, f"routes[{i}]")
            for i, r in enumerate(_list(x["routes"], "routes"))
        ),
        unserved=tuple(
            _str(u, f"unserved[{k}]")
            for k, u in enumerate(_list(x.get("unserved", []), "unserved"))
        ),
        solver=solver,
        infeasible_required=tuple(
            _str(u, f"infeasible_required[{k}]")
            for k, u in enumerate(
                _list(x.get("infeasible_required", []), "infeasible_required")
            )
        ),
        reasons=tuple((str(k), str(v)) for k, v in reasons.items()),
    )
