"""The value of visiting a customer: its priority score (docs/scoring.md).

The planner maximises the sum of these values minus travel cost. A customer's
value is its priority score, 0 to 100, computed from the scoring settings an
admin can change; re-planning adds a bonus to keep visits already planned.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ValueParts:
    """A customer's visit value and what it is made of."""

    score: float
    summary: str = ""
    bonus: float = 0.0

    @property
    def total(self) -> float:
        """The value itself."""
        return round(self.score + self.bonus, 2)

    def explain(self) -> str:
        """The value in plain words."""
        parts = [f"priority {self.score:g}"]
        if self.summary:
            parts[0] += f": {self.summary}"
        if self.bonus:
            parts.append(f"+ {self.bonus:g} to keep the visit already planned")
        return f"value {self.total:g} ({' '.join(parts)})"
