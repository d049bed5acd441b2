"""Breaks: placing them in a route's exact schedule, and checking them in a plan.

A rep takes a break wherever he is: at the route start before leaving, on arrival
at a stop before its service, or after a service before driving on. A travel leg
is never split and no service overlaps a break. A break is needed when its
shift's route has a stop and returns later than ``latest - duration``.

:func:`place_breaks` finds the earliest schedule of a visit order with its
breaks: a small dynamic programme over the points of the route (start, each
arrival, each service end) and the set of breaks already taken, keeping the
earliest time of each, since arriving earlier never hurts (one may wait).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planner.plan import Route
from planner.problem import Break, Problem, Rep
from planner.timing import BUILD_TOL, CHECK_TOL, allowance, window_start

Placed = tuple[int, float, float]
"""A break taken: ``(index into rep.breaks, start, end)``."""


@dataclass(frozen=True)
class _Trail:
    """One step of a partial schedule, linked back to the previous step."""

    prev: _Trail | None
    kind: str  # "break", "arrive" or "serve"
    point: int
    a: float
    b: float = 0.0
    index: int = -1


@dataclass(frozen=True)
class Timed:
    """The earliest schedule of a visit order with its breaks (see evaluate)."""

    depart: float
    stops: tuple[tuple[float, float, float], ...]
    return_: float
    travel: float
    breaks: tuple[Placed, ...]


def needed(brk: Break, back: float, rel: float) -> bool:
    """Whether a route with stops returning at ``back`` must take ``brk``."""
    return back > brk.latest - brk.duration + allowance(brk.latest, rel)


def _take_breaks(
    labels: dict[int, tuple[float, _Trail | None]],
    breaks: Sequence[tuple[int, Break]],
    point: int,
) -> None:
    """Add, in place, every label reached by taking more breaks at ``point``."""
    frontier = list(labels)
    while frontier:
        nxt = []
        for mask in frontier:
            t, trail = labels[mask]
            for j, (bi, brk) in enumerate(breaks):
                if mask >> j & 1:
                    continue
                start = brk.earliest if brk.earliest > t else t
                end = start + brk.duration
                if end > brk.latest + allowance(brk.latest, BUILD_TOL):
                    continue
                m = mask | 1 << j
                if m not in labels or end < labels[m][0]:
                    labels[m] = (end, _Trail(trail, "break", point, start, end, bi))
                    nxt.append(m)
        frontier = nxt


def _forward(
    problem: Problem,
    rep: Rep,
    shift: int,
    visits: Sequence[int],
    breaks: Sequence[tuple[int, Break]],
    step: float | None,
) -> tuple[float, _Trail | None] | None:
    """Earliest return with all needed breaks taken, and its trail."""
    open_, close = rep.shifts[shift]
    late = close + allowance(close, BUILD_TOL)
    labels: dict[int, tuple[float, _Trail | None]] = {0: (open_, None)}
    here = rep.start
    for k, vi in enumerate(visits):
        v = problem.visits[vi]
        _take_breaks(labels, breaks, 2 * k)
        d = problem.travel(here, v.location)
        arrived: dict[int, tuple[float, _Trail | None]] = {}
        for mask, (t, trail) in labels.items():
            if t + d <= late:
                arrived[mask] = (t + d, _Trail(trail, "arrive", 2 * k + 1, t + d))
        _take_breaks(arrived, breaks, 2 * k + 1)
        labels = {}
        for mask, (t, trail) in arrived.items():
            start = window_start(v, t, step=step)
            if start is not None and start + v.duration <= late:
                end = start + v.duration
                labels[mask] = (end, _Trail(trail, "serve", 2 * k + 2, start, end))
        if not labels:
            return None
        here = v.location
    _take_breaks(labels, breaks, 2 * len(visits))
    d = problem.travel(here, rep.end)
    best: tuple[float, int, _Trail | None] | None = None
    for mask, (t, trail) in labels.items():
        back = t + d
        if back > late:
            continue
        if any(
            not mask >> j & 1 and needed(brk, back, BUILD_TOL)
            for j, (_, brk) in enumerate(breaks)
        ):
            continue
        key = (back, mask.bit_count(), trail)
        if best is None or key[:2] < best[:2]:
            best = key
    return None if best is None else (best[0], best[2])


def place_breaks(
    problem: Problem,
    rep: Rep,
    shift: int,
    visits: Sequence[int],
    *,
    depart_late: bool = True,
    step: float | None = None,
) -> Timed | None:
    """The earliest schedule of a non-empty visit order with the shift's breaks.

    Args:
        problem: The problem.
        rep: The rep driving the route.
        shift: Index into ``rep.shifts``.
        visits: Visit indices in service order (at least one).
        depart_late: Leave as late as the first service allows; a break taken on
            arrival at the first stop is then taken before leaving when it fits.
        step: If given, service starts are multiples of it.

    Returns:
        The schedule, or ``None`` when no placement of the breaks fits.
    """
    breaks = [(bi, rep.breaks[bi]) for bi in rep.shift_breaks(shift)]
    found = _forward(problem, rep, shift, visits, breaks, step)
    if found is None:
        return None
    back, trail = found
    steps: list[_Trail] = []
    while trail is not None:
        steps.append(trail)
        trail = trail.prev
    steps.reverse()
    open_ = rep.shifts[shift][0]
    arrive = [0.0] * len(visits)
    served: list[tuple[float, float]] = []
    placed: list[tuple[int, int, float, float]] = []  # (point, index, start, end)
    for s in steps:
        if s.kind == "arrive":
            arrive[s.point // 2] = s.a
        elif s.kind == "serve":
            served.append((s.a, s.b))
        else:
            placed.append((s.point, s.index, s.a, s.b))
    first = problem.travel(rep.start, problem.visits[visits[0]].location)
    depart = max([open_] + [e for p, _, _, e in placed if p == 0])
    if depart_late:
        depart, placed = _leave_late(rep, placed, depart, first, served[0][0])
    arrive[0] = depart + first
    travel = sum(
        problem.travel(a, b)
        for a, b in zip(
            [rep.start] + [problem.visits[v].location for v in visits],
            [problem.visits[v].location for v in visits] + [rep.end],
            strict=True,
        )
    )
    return Timed(
        depart=depart,
        stops=tuple((a, s, e) for a, (s, e) in zip(arrive, served, strict=True)),
        return_=back,
        travel=travel,
        breaks=tuple((bi, s, e) for _, bi, s, e in placed),
    )


def _leave_late(
    rep: Rep,
    placed: list[tuple[int, int, float, float]],
    depart: float,
    first: float,
    service: float,
) -> tuple[float, list[tuple[int, int, float, float]]]:
    """Move breaks taken on arrival at the first stop to before leaving, each as
    late as it may, when the first service still starts on time; then leave as
    late as the first break on arrival (or the first service) allows."""
    on_arrival = [b for b in placed if b[0] == 1]
    if on_arrival:
        t = service - first
        moved = []
        for _, bi, _, _ in reversed(on_arrival):
            brk = rep.breaks[bi]
            end = min(t, brk.latest)
            start = end - brk.duration
            if start < max(brk.earliest, depart):
                break
            moved.append((0, bi, start, end))
            t = start
        else:
            rest = [b for b in placed if b[0] != 1]
            return service - first, sorted(rest + moved, key=lambda b: b[2])
    nxt = on_arrival[0][2] if on_arrival else service
    return max(depart, nxt - first), placed


def check_breaks(
    problem: Problem,
    rep: Rep,
    route: Route,
    busy: Sequence[tuple[float, float]],
    where: str,
    out: list[str],
) -> None:
    """Append to ``out`` what is wrong with the breaks of ``route``.

    Args:
        problem: The problem.
        rep: The route's rep.
        route: The route (its shift exists).
        busy: Travel legs and services of the route, as ``(start, end)``.
        where: Prefix of the messages.
        out: Where violations go.
    """
    taken: dict[int, tuple[float, float]] = {}
    for k, rb in enumerate(route.breaks):
        bw = f"{where} break {k}"
        if not 0 <= rb.break_index < len(rep.breaks):
            out.append(f"{bw}: rep {rep.id} has no break {rb.break_index}")
            continue
        brk = rep.breaks[rb.break_index]
        if rep.break_shift(brk) != route.shift:
            out.append(f"{bw}: break {rb.break_index} is not in shift {route.shift}")
            continue
        if rb.break_index in taken:
            out.append(f"{bw}: break {rb.break_index} is taken twice")
        taken[rb.break_index] = (rb.start, rb.end)
        if rb.start < brk.earliest - allowance(brk.earliest, CHECK_TOL) or (
            rb.end > brk.latest + allowance(brk.latest, CHECK_TOL)
        ):
            out.append(
                f"{bw}: {rb.start:g}-{rb.end:g} is outside its window "
                f"{brk.earliest:g}-{brk.latest:g}"
            )
        if rb.end - rb.start < brk.duration - allowance(brk.duration, CHECK_TOL):
            out.append(
                f"{bw}: lasts {rb.end - rb.start:g}, shorter than {brk.duration:g}"
            )
        for a, b in [*busy, *(x for i, x in taken.items() if i != rb.break_index)]:
            if min(b, rb.end) - max(a, rb.start) > allowance(rb.end, CHECK_TOL):
                out.append(
                    f"{bw}: {rb.start:g}-{rb.end:g} overlaps travel, service or "
                    f"another break at {a:g}-{b:g}"
                )
                break
    if not route.stops:
        return
    for bi in rep.shift_breaks(route.shift):
        if bi not in taken and needed(rep.breaks[bi], route.return_, CHECK_TOL):
            brk = rep.breaks[bi]
            out.append(
                f"{where}: break {bi} ({brk.duration:g} within "
                f"{brk.earliest:g}-{brk.latest:g}) is needed but not taken"
            )
