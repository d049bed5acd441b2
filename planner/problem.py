"""The visit planning problem (version 1 of the JSON format) and its validation.

A :class:`Problem` is pure data: frozen dataclasses of tuples, numbers and string
ids. :func:`problem_from_dict` turns the decoded JSON into a ``Problem`` and raises
``ValueError`` naming the offending field (``visits[3].windows[0]``) when the input
is malformed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

METRICS = ("euclidean", "haversine", "matrix")
EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius used by the ``haversine`` metric."""

Point = tuple[float, float] | int
"""A location: ``(x, y)``, ``(lat, lng)`` or a matrix index, depending on the metric."""


@dataclass(frozen=True)
class Break:
    """A break the rep takes wherever he is, inside one of his shifts.

    Attributes:
        earliest: The break may start at this time at the earliest.
        latest: The break must be over by this time.
        duration: Length of the break; equal to ``latest - earliest`` for a fixed
            break (lunch 12:00-13:00), shorter for a flexible one (30 minutes
            anywhere between 12:00 and 14:00).
    """

    earliest: float
    latest: float
    duration: float

    @property
    def fixed(self) -> bool:
        """Whether the break has no slack (``duration == latest - earliest``)."""
        return self.duration >= self.latest - self.earliest


@dataclass(frozen=True)
class Rep:
    """A field representative: where each route starts and ends, and the shifts.

    Attributes:
        id: Unique rep id.
        start: Where every route of this rep begins.
        end: Where every route of this rep ends.
        shifts: Working periods ``(open, close)``; each one is a separate route.
        breaks: Breaks, each inside one of the shifts (see :meth:`break_shift`).
    """

    id: str
    start: Point
    end: Point
    shifts: tuple[tuple[float, float], ...]
    breaks: tuple[Break, ...] = ()

    def break_shift(self, brk: Break) -> int | None:
        """Return the index of the first shift holding ``brk``, or ``None``."""
        for k, (open_, close) in enumerate(self.shifts):
            if open_ <= brk.earliest and brk.latest <= close:
                return k
        return None

    def shift_breaks(self, shift: int) -> tuple[int, ...]:
        """Return the indices into :attr:`breaks` of the breaks of ``shift``."""
        return tuple(
            i for i, b in enumerate(self.breaks) if self.break_shift(b) == shift
        )


@dataclass(frozen=True)
class Visit:
    """A candidate customer visit.

    Attributes:
        id: Unique visit id.
        location: Where the visit takes place.
        duration: Service time.
        windows: ``(a, b)`` pairs within which service may start; empty means any
            time within the shift.
        value: Benefit of serving the visit.
        required: Whether the visit must be served.
        reps: Ids of the reps allowed to serve it, or ``None`` for any rep.
        customer: Visits sharing a customer id are occurrences of one customer
            (several visits of one customer in one plan); ``None`` for none.
        min_gap: Two served occurrences of the same customer start at least the
            larger of their ``min_gap`` apart (time units, as windows).
    """

    id: str
    location: Point
    duration: float = 0.0
    windows: tuple[tuple[float, float], ...] = ()
    value: float = 0.0
    required: bool = False
    reps: tuple[str, ...] | None = None
    customer: str | None = None
    min_gap: float = 0.0


@dataclass(frozen=True)
class Problem:
    """A visit planning problem.

    Attributes:
        name: Free-form problem name, copied into the plan.
        metric: ``euclidean``, ``haversine`` or ``matrix``.
        reps: The reps and their shifts.
        visits: The candidate visits.
        speed: Distance units per time unit (ignored for ``matrix``).
        travel_cost: Cost per time unit travelled.
        matrix: Travel times between point indices (``matrix`` metric only).
    """

    name: str
    metric: str
    reps: tuple[Rep, ...]
    visits: tuple[Visit, ...]
    speed: float = 1.0
    travel_cost: float = 0.0
    matrix: tuple[tuple[float, ...], ...] | None = None
    _rep_index: dict[str, int] = field(
        init=False, repr=False, compare=False, hash=False
    )
    _visit_index: dict[str, int] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_rep_index", {r.id: i for i, r in enumerate(self.reps)}
        )
        object.__setattr__(
            self, "_visit_index", {v.id: i for i, v in enumerate(self.visits)}
        )

    def rep_index(self, rep_id: str) -> int | None:
        """Return the position of rep ``rep_id``, or ``None`` if unknown."""
        return self._rep_index.get(rep_id)

    def visit_index(self, visit_id: str) -> int | None:
        """Return the position of visit ``visit_id``, or ``None`` if unknown."""
        return self._visit_index.get(visit_id)

    def travel(self, a: Point, b: Point) -> float:
        """Return the travel time from point ``a`` to point ``b``.

        Args:
            a: Origin, in the problem's metric.
            b: Destination, in the problem's metric.

        Returns:
            The travel time (distance divided by speed, or the matrix entry).
        """
        # A point's shape follows the metric, which mypy cannot see; narrowing it
        # with isinstance would cost time on the planner's hottest call.
        if self.metric == "matrix":
            assert self.matrix is not None
            return self.matrix[a][b]  # type: ignore[index]
        if self.metric == "euclidean":
            return math.hypot(a[0] - b[0], a[1] - b[1]) / self.speed  # type: ignore[index]
        return haversine_km(a, b) / self.speed  # type: ignore[arg-type]

    def allows(self, visit: Visit, rep: Rep) -> bool:
        """Return whether ``rep`` may serve ``visit``."""
        return visit.reps is None or rep.id in visit.reps

    @property
    def has_breaks(self) -> bool:
        """Whether any rep has a break."""
        return any(r.breaks for r in self.reps)

    @property
    def has_gaps(self) -> bool:
        """Whether some visits of one customer must be apart (``min_gap > 0``)."""
        return any(v.customer is not None and v.min_gap > 0 for v in self.visits)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in kilometres between two ``(lat, lng)`` points."""
    lat1, lng1, lat2, lng2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


# --------------------------------------------------------------------------- parsing


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _number(x: Any, where: str, *, minimum: float | None = None) -> float:
    if not _is_number(x):
        raise ValueError(f"{where}: expected a finite number, got {x!r}")
    if minimum is not None and x < minimum:
        raise ValueError(f"{where}: must not be negative, got {x!r}")
    return float(x)


def _list(x: Any, where: str) -> Sequence[Any]:
    if not isinstance(x, list | tuple):
        raise ValueError(f"{where}: expected a list, got {type(x).__name__}")
    return x


def _ident(x: Any, where: str) -> str:
    if not isinstance(x, str) or not x:
        raise ValueError(f"{where}: expected a non-empty string id, got {x!r}")
    return x


def _point(x: Any, where: str, metric: str, size: int) -> Point:
    if metric == "matrix":
        if not isinstance(x, int) or isinstance(x, bool):
            raise ValueError(f"{where}: expected a matrix index (integer), got {x!r}")
        if not 0 <= x < size:
            raise ValueError(f"{where}: index {x} is outside the {size}x{size} matrix")
        return x
    if not isinstance(x, list | tuple) or len(x) != 2 or not all(map(_is_number, x)):
        raise ValueError(f"{where}: expected a point [x, y] of two numbers, got {x!r}")
    if metric == "haversine" and not (-90 <= x[0] <= 90 and -180 <= x[1] <= 180):
        raise ValueError(f"{where}: expected [lat, lng] in degrees, got {x!r}")
    return (float(x[0]), float(x[1]))


def _interval(x: Any, where: str, what: str) -> tuple[float, float]:
    if not isinstance(x, list | tuple) or len(x) != 2:
        raise ValueError(f"{where}: expected a pair [{what}], got {x!r}")
    lo = _number(x[0], f"{where}[0]")
    hi = _number(x[1], f"{where}[1]")
    if hi < lo:
        raise ValueError(f"{where}: end {hi:g} is before start {lo:g}")
    return (lo, hi)


def _matrix(x: Any) -> tuple[tuple[float, ...], ...]:
    rows = _list(x, "matrix")
    n = len(rows)
    if n == 0:
        raise ValueError("matrix: must not be empty")
    out = []
    for i, row in enumerate(rows):
        row = _list(row, f"matrix[{i}]")
        if len(row) != n:
            raise ValueError(
                f"matrix: not square, row {i} has {len(row)} entries, expected {n}"
            )
        out.append(
            tuple(_number(v, f"matrix[{i}][{j}]", minimum=0) for j, v in enumerate(row))
        )
    return tuple(out)


def _break(x: Any, where: str, shifts: tuple[tuple[float, float], ...]) -> Break:
    if not isinstance(x, Mapping):
        raise ValueError(f"{where}: expected an object")
    for key in ("earliest", "latest", "duration"):
        if key not in x:
            raise ValueError(f"{where}.{key}: missing")
    earliest = _number(x["earliest"], f"{where}.earliest")
    latest = _number(x["latest"], f"{where}.latest")
    duration = _number(x["duration"], f"{where}.duration")
    if not latest > earliest:
        raise ValueError(
            f"{where}.latest: {latest:g} is not after earliest {earliest:g}"
        )
    if not 0 < duration <= latest - earliest:
        raise ValueError(
            f"{where}.duration: must be positive and at most latest - earliest "
            f"({latest - earliest:g}), got {duration:g}"
        )
    inside = [(a, b) for a, b in shifts if a <= earliest <= b]
    if not inside:
        raise ValueError(f"{where}.earliest: {earliest:g} is not inside any shift")
    if not any(latest <= b for _, b in inside):
        close = max(b for _, b in inside)
        raise ValueError(
            f"{where}.latest: {latest:g} is after the close {close:g} of the shift "
            "holding earliest"
        )
    return Break(earliest, latest, duration)


def _rep(x: Any, i: int, metric: str, size: int) -> Rep:
    where = f"reps[{i}]"
    if not isinstance(x, Mapping):
        raise ValueError(f"{where}: expected an object")
    for key in ("id", "start", "end", "shifts"):
        if key not in x:
            raise ValueError(f"{where}.{key}: missing")
    shifts = tuple(
        _interval(s, f"{where}.shifts[{k}]", "open, close")
        for k, s in enumerate(_list(x["shifts"], f"{where}.shifts"))
    )
    breaks = x.get("breaks")
    breaks = () if breaks is None else _list(breaks, f"{where}.breaks")
    return Rep(
        id=_ident(x["id"], f"{where}.id"),
        start=_point(x["start"], f"{where}.start", metric, size),
        end=_point(x["end"], f"{where}.end", metric, size),
        shifts=shifts,
        breaks=tuple(
            _break(b, f"{where}.breaks[{k}]", shifts) for k, b in enumerate(breaks)
        ),
    )


def _visit(x: Any, i: int, metric: str, size: int, rep_ids: set[str]) -> Visit:
    where = f"visits[{i}]"
    if not isinstance(x, Mapping):
        raise ValueError(f"{where}: expected an object")
    for key in ("id", "location"):
        if key not in x:
            raise ValueError(f"{where}.{key}: missing")
    windows = x.get("windows")
    windows = () if windows is None else _list(windows, f"{where}.windows")
    required = x.get("required", False)
    if required is None:
        required = False
    if not isinstance(required, bool):
        raise ValueError(f"{where}.required: expected true or false, got {required!r}")
    reps = x.get("reps")
    if reps is not None:
        reps = tuple(
            _ident(r, f"{where}.reps[{k}]")
            for k, r in enumerate(_list(reps, f"{where}.reps"))
        )
        if not reps:
            raise ValueError(f"{where}.reps: empty list (use null to allow any rep)")
        for k, r in enumerate(reps):
            if r not in rep_ids:
                raise ValueError(f"{where}.reps[{k}]: unknown rep {r!r}")
    customer = x.get("customer")
    if customer is not None:
        customer = _ident(customer, f"{where}.customer")
    min_gap = x.get("min_gap")
    if min_gap is not None:
        min_gap = _number(min_gap, f"{where}.min_gap", minimum=0)
    return Visit(
        id=_ident(x["id"], f"{where}.id"),
        location=_point(x["location"], f"{where}.location", metric, size),
        duration=_number(x.get("duration", 0), f"{where}.duration", minimum=0),
        windows=tuple(
            _interval(w, f"{where}.windows[{k}]", "start, end")
            for k, w in enumerate(windows)
        ),
        value=_number(x.get("value", 0), f"{where}.value", minimum=0),
        required=required,
        reps=reps,
        customer=customer,
        min_gap=min_gap or 0.0,
    )


def problem_from_dict(data: Any) -> Problem:
    """Build and validate a :class:`Problem` from decoded version-1 JSON.

    Args:
        data: The decoded JSON object.

    Returns:
        The validated problem.

    Raises:
        ValueError: When a field is missing or malformed; the message names it.
    """
    if not isinstance(data, Mapping):
        raise ValueError("problem: expected a JSON object")
    version = data.get("version", 1)
    if version != 1:
        raise ValueError(f"version: unsupported version {version!r} (expected 1)")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise ValueError(f"name: expected a string, got {name!r}")
    metric = data.get("metric")
    if metric not in METRICS:
        raise ValueError(
            f"metric: unknown metric {metric!r} "
            "(expected euclidean, haversine or matrix)"
        )
    speed = _number(data.get("speed", 1.0), "speed")
    if speed <= 0:
        raise ValueError(f"speed: must be positive, got {speed:g}")
    travel_cost = _number(data.get("travel_cost", 0.0), "travel_cost", minimum=0)
    matrix = None
    if metric == "matrix":
        if "matrix" not in data:
            raise ValueError("matrix: missing (required by metric 'matrix')")
        matrix = _matrix(data["matrix"])
    size = len(matrix) if matrix else 0
    if "reps" not in data:
        raise ValueError("reps: missing")
    reps = tuple(
        _rep(r, i, metric, size) for i, r in enumerate(_list(data["reps"], "reps"))
    )
    if not reps:
        raise ValueError("reps: at least one rep is needed")
    seen: set[str] = set()
    for i, rep in enumerate(reps):
        if rep.id in seen:
            raise ValueError(f"reps[{i}].id: duplicate id {rep.id!r}")
        seen.add(rep.id)
    if "visits" not in data:
        raise ValueError("visits: missing")
    visits = tuple(
        _visit(v, i, metric, size, seen)
        for i, v in enumerate(_list(data["visits"], "visits"))
    )
    vseen: set[str] = set()
    for i, visit in enumerate(visits):
        if visit.id in vseen:
            raise ValueError(f"visits[{i}].id: duplicate id {visit.id!r}")
        vseen.add(visit.id)
    return Problem(
        name=name,
        metric=metric,
        reps=reps,
        visits=visits,
        speed=speed,
        travel_cost=travel_cost,
        matrix=matrix,
    )


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """Return the version-1 JSON object of ``problem``."""
    out: dict[str, Any] = {
        "version": 1,
        "name": problem.name,
        "metric": problem.metric,
        "speed": problem.speed,
        "travel_cost": problem.travel_cost,
        "reps": [_rep_to_dict(r) for r in problem.reps],
        "visits": [_visit_to_dict(v) for v in problem.visits],
    }
    if problem.matrix is not None:
        out["matrix"] = [list(row) for row in problem.matrix]
    return out


def _rep_to_dict(r: Rep) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.id,
        "start": list(r.start) if isinstance(r.start, tuple) else r.start,
        "end": list(r.end) if isinstance(r.end, tuple) else r.end,
        "shifts": [list(s) for s in r.shifts],
    }
    # Optional fields are written only when set, so that a problem without them
    # is written exactly as before they existed.
    if r.breaks:
        out["breaks"] = [
            {"earliest": b.earliest, "latest": b.latest, "duration": b.duration}
            for b in r.breaks
        ]
    return out


def _visit_to_dict(v: Visit) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": v.id,
        "location": list(v.location) if isinstance(v.location, tuple) else v.location,
        "duration": v.duration,
        "windows": [list(w) for w in v.windows],
        "value": v.value,
        "required": v.required,
        "reps": list(v.reps) if v.reps is not None else None,
    }
    if v.customer is not None:
        out["customer"] = v.customer
    if v.min_gap:
        out["min_gap"] = v.min_gap
    return out
