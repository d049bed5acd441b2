"""Bounds of planning requests shared by planVisits and replanDay."""

from __future__ import annotations

from typing import TypeVar

from resolvers.errors import Invalid
from resolvers.plans.problem import Travel

T = TypeVar("T")

#: Seconds a planning request needs beyond its solver time (reads, storing).
OVERHEAD_S = 3.0


def check_time_limit(
    seconds: float, low: float, high: float, budget: float | None, field: str
) -> None:
    """Refuse a solver time limit outside ``low``..``high`` or the request's budget.

    The server stops a request after its time budget (the request timeout), so a
    planner asked to run longer could never answer.

    Raises:
        Invalid: Naming ``field``, with the bounds that hold.
    """
    if budget is not None and budget - OVERHEAD_S < high:
        high = max(low, budget - OVERHEAD_S)
        if not low <= seconds <= high:
            raise Invalid(
                f"{field} must be between {low:g} and {high:g}: the server stops "
                f"requests after {budget:g} s (VISITPLAN_REQUEST_TIMEOUT)",
                field=field,
            )
    if not low <= seconds <= high:
        raise Invalid(f"{field} must be between {low:g} and {high:g}", field=field)


def check_visit_and_travel(visit_minutes: float, travel: Travel) -> None:
    """Refuse a visit length or travel settings outside sensible bounds.

    Raises:
        Invalid: Naming the first input field out of bounds.
    """
    checks = [
        (visit_minutes, 5, 480, "visitMinutes"),
        (travel.speed_kmh, 1, 200, "speedKmh"),
        (travel.road_factor, 1, 3, "roadFactor"),
        (travel.cost_per_minute, 0, 1000, "travelCostPerMinute"),
    ]
    for value, low, high, name in checks:
        if not low <= value <= high:
            raise Invalid(f"{name} must be between {low:g} and {high:g}", field=name)


def opened(part: T | None, name: str) -> T:
    """``part`` of the server that its lifespan opens and the Context carries.

    Raises:
        RuntimeError: The context carries none (a bug of whoever built it).
    """
    if part is None:
        raise RuntimeError(f"no {name} in the context: the server's lifespan opens it")
    return part
