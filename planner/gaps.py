"""Several visits of one customer: keeping served occurrences ``min_gap`` apart.

The backend ignores gaps. After the exact rebuild, :func:`repair` drops the
lower-value occurrence of every pair that starts too close, and the polish asks
a :class:`Gaps` index whether an insertion keeps every gap before making it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from planner.evaluate import Schedule
from planner.problem import Problem
from planner.timing import BUILD_TOL, allowance

Scheduler = Callable[[int, list[int]], Schedule | None]
"""Exact schedule of a visit order on a route position, or ``None``."""


def gap_customers(problem: Problem) -> frozenset[str]:
    """Customers with at least one occurrence that asks for a gap."""
    return frozenset(
        v.customer for v in problem.visits if v.customer is not None and v.min_gap > 0
    )


def cut_windows(
    windows: Sequence[tuple[float, float]], cuts: Sequence[tuple[float, float]]
) -> tuple[tuple[float, float], ...]:
    """``windows`` without the open intervals ``cuts`` (their ends are kept)."""
    out = list(windows)
    for lo, hi in cuts:
        parts = [(a, min(b, lo)) for a, b in out]
        parts += [(max(a, hi), b) for a, b in out]
        out = [(a, b) for a, b in parts if a <= b]
    return tuple(sorted(set(out)))


class Gaps:
    """Service starts of the served occurrences of customers with gaps, per route."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.customers = gap_customers(problem)
        self.starts: dict[int, list[tuple[str, float, float, int]]] = {}
        shifts = [s for r in problem.reps for s in r.shifts]
        self.horizon = (min(a for a, _ in shifts), max(b for _, b in shifts))

    def _entries(
        self, seq: Sequence[int], sched: Schedule
    ) -> list[tuple[str, float, float, int]]:
        out = []
        for v, (_, start, _) in zip(seq, sched.stops, strict=True):
            visit = self.problem.visits[v]
            if visit.customer in self.customers:
                out.append((visit.customer, start, visit.min_gap, v))
        return out

    def set_route(self, k: int, seq: Sequence[int], sched: Schedule | None) -> None:
        """Record the starts of route ``k`` (none if ``sched`` is ``None``)."""
        self.starts[k] = [] if sched is None else self._entries(seq, sched)

    def conflicts(
        self, k: int, seq: Sequence[int], sched: Schedule
    ) -> list[tuple[int, int]]:
        """Pairs of visits too close if route ``k`` became ``seq`` with ``sched``."""
        mine = self._entries(seq, sched)
        others = [e for j, es in self.starts.items() if j != k for e in es]
        out = []
        for i, (c, s, g, v) in enumerate(mine):
            for c2, s2, g2, v2 in [*mine[i + 1 :], *others]:
                gap = max(g, g2)
                if c2 == c and abs(s - s2) < gap - allowance(gap, BUILD_TOL):
                    out.append((v, v2))
        return out

    def narrowed(self, v: int) -> tuple[tuple[float, float], ...] | None:
        """Windows of visit ``v`` outside the gaps around its served occurrences.

        Returns ``None`` when no served occurrence constrains ``v``; an empty
        tuple when nothing is left. Scheduling ``v`` with these windows lets the
        rep wait for the gap to pass instead of starting too early.
        """
        visit = self.problem.visits[v]
        if visit.customer not in self.customers:
            return None
        cut = sorted(
            (s - max(g, visit.min_gap), s + max(g, visit.min_gap))
            for es in self.starts.values()
            for c, s, g, w in es
            if c == visit.customer and w != v and max(g, visit.min_gap) > 0
        )
        if not cut:
            return None
        return cut_windows(visit.windows or (self.horizon,), cut)

    def fits(self, k: int, seq: Sequence[int], sched: Schedule) -> bool:
        """Whether route ``k`` as ``seq`` with ``sched`` keeps every gap."""
        return not self.conflicts(k, seq, sched)


def repair(
    problem: Problem, routes: dict[int, list[int]], schedule: Scheduler
) -> tuple[Gaps, set[int]]:
    """Drop occurrences until no two served ones of a customer start too close.

    Of each too-close pair the occurrence to drop is the one not required, else
    the one of lower value. Dropping a stop moves later stops of its route, so
    the check runs again until nothing is too close.

    Args:
        problem: The problem.
        routes: Visit orders per route position; changed in place.
        schedule: Exact scheduler of a route position and visit order.

    Returns:
        The index of the remaining starts and the visits dropped.
    """
    gaps = Gaps(problem)
    scheds = {k: schedule(k, seq) for k, seq in routes.items()}
    for k, seq in routes.items():
        gaps.set_route(k, seq, scheds[k])
    dropped: set[int] = set()
    while True:
        pairs = [
            p
            for k, seq in routes.items()
            if (current := scheds[k]) is not None
            for p in gaps.conflicts(k, seq, current)
        ]
        if not pairs:
            return gaps, dropped
        worst = min(
            (v for p in pairs for v in p),
            key=lambda v: (problem.visits[v].required, problem.visits[v].value, -v),
        )
        k = next(k for k, seq in routes.items() if worst in seq)
        routes[k].remove(worst)
        dropped.add(worst)
        sched = schedule(k, routes[k])
        kept: list[int] = []
        if sched is None:  # without the triangle inequality, rebuild greedily
            for v in list(routes[k]):
                if schedule(k, [*kept, v]) is not None:
                    kept.append(v)
                else:
                    dropped.add(v)
            routes[k] = kept
            sched = schedule(k, kept)
        scheds[k] = sched
        gaps.set_route(k, routes[k], sched)
