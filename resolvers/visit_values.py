"""The default value of visiting a customer, until scoring supplies its own.

value = tier base * due factor + open-demand points, where

* tier base: A 100, B 60, C 30;
* due factor: days since the last completed visit divided by the tier's target
  interval (A 14, B 30, C 90 days), between 0.25 and 3; a customer never visited
  counts as twice due;
* open-demand points: urgent 40, high 20, normal 10, low 5 for each open demand.

See docs/planning.md for a worked example.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from models.customer import Tier
from models.demand import Priority

TIER_BASE = {Tier.A: 100.0, Tier.B: 60.0, Tier.C: 30.0}
TARGET_DAYS = {Tier.A: 14.0, Tier.B: 30.0, Tier.C: 90.0}
DEMAND_POINTS = {
    Priority.URGENT: 40.0,
    Priority.HIGH: 20.0,
    Priority.NORMAL: 10.0,
    Priority.LOW: 5.0,
}
NEVER_VISITED_FACTOR = 2.0
MIN_FACTOR, MAX_FACTOR = 0.25, 3.0


@dataclass(frozen=True)
class ValueParts:
    """A customer's visit value and what it is made of."""

    base: float
    due_factor: float
    demand_points: float
    bonus: float = 0.0

    @property
    def total(self) -> float:
        """The value itself."""
        return round(self.base * self.due_factor + self.demand_points + self.bonus, 2)

    def explain(self) -> str:
        """The value in plain words."""
        parts = [f"tier {self.base:g} x due {self.due_factor:.2f}"]
        if self.demand_points:
            parts.append(f"+ {self.demand_points:g} for open demands")
        if self.bonus:
            parts.append(f"+ {self.bonus:g} to keep the visit already planned")
        return f"value {self.total:g} ({' '.join(parts)})"


def visit_value(
    tier: Tier,
    last_completed: datetime | None,
    open_demand_priorities: Sequence[Priority],
    now: datetime,
) -> ValueParts:
    """The default value of visiting a customer at ``now``."""
    if last_completed is None:
        factor = NEVER_VISITED_FACTOR
    else:
        elapsed = (now - last_completed).total_seconds() / 86_400
        factor = min(MAX_FACTOR, max(MIN_FACTOR, elapsed / TARGET_DAYS[tier]))
    points = sum(DEMAND_POINTS[p] for p in open_demand_priorities)
    return ValueParts(
        base=TIER_BASE[tier], due_factor=round(factor, 4), demand_points=points
    )
