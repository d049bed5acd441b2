"""What the scoring modules share: access rules, pipeline pieces, travel time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from beanie import PydanticObjectId

from models.common import GeoPoint
from models.customer import LifecycleStatus
from models.scoring import ScoringSettings
from resolvers import access
from resolvers.access import (
    customer_filter,
    demand_filter,
    rep_filter,
    restrict,
    visit_filter,
)
from resolvers.common import haversine_km
from resolvers.context import Context

#: Customers worth a visit; churned and archived ones score 0.
VISITABLE = (LifecycleStatus.LEAD, LifecycleStatus.ACTIVE, LifecycleStatus.DORMANT)


@dataclass(frozen=True)
class Rules:
    """The row rules of one principal, added to every read of the scores.

    ``Rules()`` restricts nothing: the planner's own reads use it, because its
    candidates were chosen under the caller's rules already.
    """

    customers: dict[str, Any] = field(default_factory=dict)
    visits: dict[str, Any] = field(default_factory=dict)
    demands: dict[str, Any] = field(default_factory=dict)
    reps: dict[str, Any] = field(default_factory=dict)
    #: The users whose rows the principal sees; ``None`` for all.
    people: frozenset[PydanticObjectId] | None = None
    #: The principal, for the field rules; ``None`` restricts nothing.
    who: access.Principal | None = None

    @classmethod
    def of(cls, ctx: Context) -> Rules:
        """The rules of the request's principal."""
        return cls(
            customers=customer_filter(ctx),
            visits=visit_filter(ctx),
            demands=demand_filter(ctx),
            reps=rep_filter(ctx),
            people=access.reps_seen(access.principal(ctx)),
            who=access.principal(ctx),
        )

    def personal(self, rep_id: PydanticObjectId | None) -> bool:
        """Whether the principal may read the personal data of ``rep_id`` (its
        home, say), and so anything computed from it."""
        return self.who is None or access.sees_personal(self.who, rep_id)

    def seen(self, rep_id: PydanticObjectId | None) -> bool:
        """Whether the principal may see the user ``rep_id`` (an invisible user
        is shown, and filtered on, as if there were none)."""
        return rep_id is not None and (self.people is None or rep_id in self.people)


def tidy(query: dict[str, Any]) -> dict[str, Any]:
    """``query`` with one-value ``$in`` lists turned into plain equality.

    Equality is the shape every query planner serves from a compound index,
    while ``$in`` counts as a range; a rep's own rule names one rep.
    """
    out: dict[str, Any] = {}
    for key, value in query.items():
        if isinstance(value, dict) and set(value) == {"$in"} and len(value["$in"]) == 1:
            out[key] = value["$in"][0]
        elif key == "$and":
            out[key] = [tidy(part) for part in value]
        else:
            out[key] = value
    return out


def narrowed(query: dict[str, Any], rule: dict[str, Any]) -> dict[str, Any]:
    """``query`` restricted by ``rule``, in an index-friendly shape (see
    ``resolvers.access.restrict``), with one-value lists as equality."""
    return tidy(restrict(tidy(query), rule))


#: Whether a completed visit counts towards E: a recorded result and a duration.
OK = {
    "$and": [
        {"$gte": [{"$ifNull": ["$outcome.result", -1]}, 0]},
        {"$gt": [{"$ifNull": ["$duration_min", 0]}, 0]},
    ]
}
#: A check-in whose geofence says VERIFIED (older check-ins have none).
VERIFIED_CHECK_IN = {"$eq": [{"$ifNull": ["$check_in.geofence", "none"]}, "verified"]}


def scored(min_minutes: float) -> dict[str, Any]:
    """``$project`` fields: ``r`` the result (-1 when none), ``t`` the minutes
    counted in T, ``ok``, and ``u`` whether the check-in was not verified.

    A visit shorter than ``min_minutes`` (the ``minCountedMinutes`` setting)
    counts that long, so a visit of a few seconds cannot make E explode.
    """
    minutes = {"$ifNull": ["$duration_min", 0]}
    return {
        "r": {"$ifNull": ["$outcome.result", -1]},
        "t": {"$cond": [{"$lt": [minutes, min_minutes]}, min_minutes, minutes]},
        "ok": OK,
        "u": {"$cond": [VERIFIED_CHECK_IN, 0, 1]},
    }


def when_ok(value: Any, cond: Any = "$ok") -> dict[str, Any]:
    """``value`` for a scored visit, 0 otherwise (after a ``scored`` projection)."""
    return {"$cond": [cond, value, 0]}


def travel_minutes(
    a: GeoPoint | None, b: GeoPoint | None, settings: ScoringSettings
) -> float:
    """Minutes from ``a`` to ``b``: great-circle km x road factor / speed.

    Unknown places cost no time.
    """
    if a is None or b is None:
        return 0.0
    return haversine_km(a, b) * settings.road_factor / settings.speed_kmh * 60


def ratio(part: float, whole: float) -> float | None:
    """``part / whole``, or ``None`` when ``whole`` is 0."""
    return None if whole <= 0 else part / whole


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean, or ``None`` of nothing."""
    return sum(values) / len(values) if values else None


def days_between(a: datetime, b: datetime) -> float:
    """Days from ``a`` to ``b`` (fractional)."""
    return (b - a).total_seconds() / 86_400
