"""Priority scores, slots, periods and coverage on hand-computed cases (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from models import Customer
from models.common import GeoPoint
from models.customer import LifecycleStatus, Tier
from models.demand import Priority
from models.scoring import ScoringSettings
from resolvers.common import haversine_km
from resolvers.scoring.coverage import covered
from resolvers.scoring.effectiveness import PeriodSpec, Tally, Unit, period_bounds
from resolvers.scoring.priority import History, score, suggested_days
from resolvers.scoring.recommendations import Busy, best_slot

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
#: Beanie documents can only be built once Beanie knows their collection; no query
#: is sent (the in-memory database only initialises them).
pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def s() -> ScoringSettings:
    """The default settings."""
    return ScoringSettings()


def customer(**extra: object) -> Customer:
    """A customer with the given fields."""
    data = {"name": "Bäckerei Huber", "tier": Tier.B, "status": LifecycleStatus.ACTIVE}
    data.update(extra)
    return Customer.model_validate(data)


def points(p: object) -> dict[str, float]:
    """Points per component."""
    return {c.name: c.points for c in p.components}  # type: ignore[attr-defined]


def test_worked_example_of_docs(s: ScoringSettings) -> None:
    """Tests that the worked example of docs/scoring.md adds up to 84.75."""
    # given
    history = History(
        last_visit=NOW - timedelta(days=45),
        results=(8, 7, 6, 4, 5, 3),
        results_sum=21.0,
        minutes=180.0,
        reference=5.0,
        demands=((Priority.URGENT, 15.0), (Priority.NORMAL, 60.0)),
    )

    # when
    p = score(customer(tags=["Key_Account"]), history, NOW, s)

    # then
    assert points(p) == {
        "overdue": 26.25,
        "demands": 25.0,
        "trend": 6.5,
        "lifecycle": 10.0,
        "strategic": 10.0,
        "effectiveness": 7.0,
    }
    assert p.score == 84.75
    assert p.suggested_days == 21
    assert p.effectiveness == 7.0
    assert "overdue by 15 days" in p.reasons
    assert "1 urgent demand, 1 normal demand" in p.reasons
    assert "results rising (4.0 → 7.0)" in p.reasons


def test_never_visited_counts_as_fully_overdue(s: ScoringSettings) -> None:
    """Tests that a lead never visited scores 35 + 5 + 8 + 5 = 53."""
    p = score(customer(status=LifecycleStatus.LEAD), History(), NOW, s)
    assert points(p)["overdue"] == 35.0
    assert p.score == 53.0
    assert p.days_since is None
    assert p.reasons == ("never visited",)


def test_exactly_at_target_is_half_overdue(s: ScoringSettings) -> None:
    """Tests that a B customer visited exactly 30 days ago gets half the overdue points."""
    p = score(customer(), History(last_visit=NOW - timedelta(days=30)), NOW, s)
    assert points(p)["overdue"] == 17.5
    assert p.components[0].detail == "due now"


def test_far_overdue_is_capped(s: ScoringSettings) -> None:
    """Tests that the overdue component stops at its weight (C, 900 days)."""
    p = score(
        customer(tier=Tier.C), History(last_visit=NOW - timedelta(days=900)), NOW, s
    )
    assert points(p)["overdue"] == 35.0
    assert p.components[0].detail == "overdue by 810 days"


@pytest.mark.parametrize("status", [LifecycleStatus.CHURNED, LifecycleStatus.ARCHIVED])
def test_churned_and_archived_score_zero(
    status: LifecycleStatus, s: ScoringSettings
) -> None:
    """Tests that churned and archived customers score 0 whatever their history."""
    history = History(demands=((Priority.URGENT, 1.0),))
    p = score(customer(status=status), history, NOW, s)
    assert p.score == 0.0
    assert all(c.points == 0 for c in p.components)


def test_weights_are_normalised_by_their_sum(s: ScoringSettings) -> None:
    """Tests that doubling every weight leaves the score unchanged."""
    doubled = ScoringSettings(
        weights={k: 2 * v for k, v in s.weights.model_dump().items()}
    )
    history = History(last_visit=NOW - timedelta(days=10))
    assert (
        score(customer(), history, NOW, doubled).score
        == score(customer(), history, NOW, s).score
    )


@pytest.mark.parametrize(
    ("relative", "days"),
    [(None, 30), (1.0, 30), (1.5, 20), (4.0, 15), (0.5, 60), (0.1, 60)],
)
def test_suggested_frequency_follows_effectiveness(
    relative: float | None, days: int, s: ScoringSettings
) -> None:
    """Tests the suggested interval for a B customer at several relative E."""
    assert suggested_days(30, relative, s) == days


@pytest.mark.parametrize(
    "data",
    [
        {"weights": {"overdue": -1}},
        {
            "weights": dict.fromkeys(
                [
                    "overdue",
                    "demands",
                    "trend",
                    "lifecycle",
                    "strategic",
                    "effectiveness",
                ],
                0,
            )
        },
        {"target_days": {"a": 0}},
        {"demand_points": {"urgent": -5}},
        {"lifecycle": {"lead": 1.5}},
        {"strategic_tags": [""]},
        {"speed_kmh": 0},
    ],
)
def test_settings_refuse_bad_values(data: dict[str, object]) -> None:
    """Tests that out-of-range settings are refused."""
    with pytest.raises(ValidationError):
        ScoringSettings.model_validate(data)


def at(hhmm: str) -> datetime:
    """A moment on 2025-06-03 (UTC)."""
    h, m = hhmm.split(":")
    return datetime(2025, 6, 3, int(h), int(m), tzinfo=UTC)


X = GeoPoint.at(48.137, 11.575)
Y = GeoPoint.at(48.150, 11.580)
C = GeoPoint.at(48.137, 11.615)  # about 3 km east of X


def travel(a: GeoPoint | None, b: GeoPoint | None) -> float:
    """Minutes at 30 km/h on roads 1.3 x the great circle."""
    return 0.0 if a is None or b is None else haversine_km(a, b) * 1.3 / 30 * 60


def test_best_slot_follows_the_morning_visit() -> None:
    """Tests that a customer open 10-12 gets the slot at 10:00 plus travel from X."""
    # given
    busy = [Busy(at("09:00"), at("10:00"), X), Busy(at("14:00"), at("15:00"), Y)]
    t_in = travel(X, C)

    # when
    slot = best_slot(
        [(at("08:00"), at("17:00"))],
        busy,
        X,
        [(at("10:00"), at("12:00"))],
        C,
        45,
        travel,
        at("06:00"),
    )

    # then
    assert slot is not None
    assert 7 < t_in < 8
    assert slot.start == at("10:08")
    assert slot.end == at("10:53")
    assert slot.travel_in == round(t_in, 1)


def test_no_slot_when_the_opening_is_taken() -> None:
    """Tests that no slot is offered when visits fill the opening hours."""
    busy = [Busy(at("09:30"), at("12:00"), X)]
    slot = best_slot(
        [(at("08:00"), at("17:00"))],
        busy,
        X,
        [(at("10:00"), at("12:00"))],
        C,
        45,
        travel,
        at("06:00"),
    )
    assert slot is None


def test_slot_never_starts_in_the_past() -> None:
    """Tests that the slot starts at ``not_before`` at the earliest."""
    slot = best_slot(
        [(at("08:00"), at("17:00"))], [], None, None, C, 30, travel, at("13:20")
    )
    assert slot is not None
    assert slot.start == at("13:20")


@pytest.mark.parametrize(
    ("spec", "first", "last", "n"),
    [
        (
            PeriodSpec(Unit.DAY, date(2025, 5, 31), count=2),
            date(2025, 5, 31),
            date(2025, 6, 2),
            2,
        ),
        (
            PeriodSpec(Unit.WEEK, date(2025, 6, 4)),
            date(2025, 6, 2),
            date(2025, 6, 9),
            1,
        ),
        (
            PeriodSpec(Unit.MONTH, date(2024, 12, 15), count=3),
            date(2024, 12, 1),
            date(2025, 3, 1),
            3,
        ),
        (
            PeriodSpec(Unit.CUSTOM, date(2025, 5, 1), date(2025, 5, 10), 2),
            date(2025, 5, 1),
            date(2025, 5, 21),
            2,
        ),
    ],
)
def test_period_bounds_are_utc_calendar_periods(
    spec: PeriodSpec, first: date, last: date, n: int
) -> None:
    """Tests period alignment: weeks start on Monday, months on the 1st, in UTC."""
    bounds = period_bounds(spec)
    assert len(bounds) == n
    assert bounds[0][0] == datetime(first.year, first.month, first.day, tzinfo=UTC)
    assert bounds[-1][1] == datetime(last.year, last.month, last.day, tzinfo=UTC)


def test_empty_tally_has_no_effectiveness() -> None:
    """Tests that no visits give None, not a division by zero."""
    assert Tally().effectiveness(include_travel=True) is None
    assert Tally(visits=2, minutes=90, results=12).effectiveness(False) == 8.0
    assert (
        Tally(visits=2, minutes=90, results=12, travel_minutes=30).effectiveness(True)
        == 6.0
    )


def test_coverage_boundaries() -> None:
    """Tests that a gap of exactly the target is covered and one day more is not."""
    first, last = at("00:00"), at("00:00") + timedelta(days=30)
    before = first - timedelta(days=10)
    assert covered([before, before + timedelta(days=14)], first, last, 14) is False
    assert covered(
        [before, first + timedelta(days=4), last - timedelta(days=12)], first, last, 14
    )
    assert covered([first - timedelta(days=15)], first, last, 90)
    assert covered([], first, last, 90) is False
    two_weeks = first + timedelta(days=14)
    assert covered(
        [first - timedelta(days=3), first + timedelta(days=11)], first, two_weeks, 14
    )
    assert not covered(
        [first - timedelta(days=3), first + timedelta(days=12)], first, two_weeks, 14
    )
