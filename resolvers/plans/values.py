"""The value of visiting a customer: its priority score (docs/scoring.md).

The planner maximises the sum of these values minus travel cost. A customer's
value is its priority score, 0 to 100, computed from the scoring settings an
admin can change; re-planning adds a bonus to keep visits already planned. A
plan over several weeks may visit a customer again: its k-th visit in the plan
is worth ``REPEAT_FACTOR ** (k - 1)`` of the first, so that the planner spreads
its time over many customers before it comes back to one.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The share of the value each further visit of a customer in one plan keeps.
REPEAT_FACTOR = 0.5


@dataclass(frozen=True)
class ValueParts:
    """A customer's visit value and what it is made of."""

    score: float
    summary: str = ""
    bonus: float = 0.0
    #: Which visit of the customer in the plan this is (1 for the first).
    repeat: int = 1

    @property
    def total(self) -> float:
        """The value itself."""
        return round((self.score + self.bonus) * REPEAT_FACTOR ** (self.repeat - 1), 2)

    def explain(self) -> str:
        """The value in plain words."""
        parts = [f"priority {self.score:g}"]
        if self.summary:
            parts[0] += f": {self.summary}"
        if self.bonus:
            parts.append(f"+ {self.bonus:g} to keep the visit already planned")
        if self.repeat > 1:
            share = REPEAT_FACTOR ** (self.repeat - 1)
            parts.append(f"x {share:g} as visit {self.repeat} in this plan")
        return f"value {self.total:g} ({' '.join(parts)})"
