"""Tolerances and window arithmetic shared by schedules and the checker."""

from __future__ import annotations

import math

from planner.problem import Visit

CHECK_TOL = 1e-6
"""Relative tolerance of the checker (times and reported numbers)."""
BUILD_TOL = 1e-9
"""Relative tolerance used when building schedules (stricter than the checker)."""


def allowance(x: float, rel: float) -> float:
    """Tolerance ``rel`` relative to ``x``, absolute below 1."""
    return rel * max(1.0, abs(x))


def up(x: float, step: float | None) -> float:
    """The smallest multiple of ``step`` not below ``x`` (``x`` without a step)."""
    if step is None:
        return x
    return math.ceil(x / step - 1e-9) * step


def window_start(
    visit: Visit, arrive: float, tol: float = BUILD_TOL, step: float | None = None
) -> float | None:
    """Return the earliest service start at or after ``arrive``, or ``None``.

    Args:
        visit: The visit.
        arrive: Arrival time.
        tol: Relative tolerance on the window end.
        step: If given, starts are multiples of it (a time grid).

    Returns:
        ``max(arrive, a)`` (moved up to the grid) for the earliest window ``[a, b]``
        that still contains it, ``arrive`` (on the grid) when the visit has no
        windows, ``None`` when every window has closed.
    """
    if not visit.windows:
        return up(arrive, step)
    best = None
    for a, b in visit.windows:
        s = up(a if a > arrive else arrive, step)
        if s <= b + allowance(b, tol) and (best is None or s < best):
            best = s
    return best
