"""Scoring in the API: the descriptions of the settings, shared by the settings
type and the input that changes them (docs/scoring.md explains each)."""

from __future__ import annotations

WEIGHTS = {
    name: f"Weight of the {name} component, 0 to 1000 (default {default})."
    for name, default in (
        ("overdue", 35),
        ("demands", 25),
        ("trend", 10),
        ("lifecycle", 10),
        ("strategic", 10),
        ("effectiveness", 10),
    )
}

TARGETS = {
    tier.lower(): f"Days between visits aimed at for tier {tier}, 1 to 3650 "
    f"(default {default})."
    for tier, default in (("A", 14), ("B", 30), ("C", 90))
}

DEMAND_POINTS = {
    name: f"Points of one open {name} demand, 0 to 1000 (default {default})."
    for name, default in (("urgent", 8), ("high", 4), ("normal", 2), ("low", 1))
}

LIFECYCLE = {
    name: f"Lifecycle value of a {name} customer, 0 to 1 (default {default})."
    for name, default in (("lead", 0.8), ("active", 1.0), ("dormant", 0.4))
}

SETTINGS = {
    "weights": "How much each priority component counts.",
    "target_days": "Target visit interval per tier, days.",
    "overdue_cap": "Days since the last visit ÷ target at which overdue is full, "
    "1 to 10 (default 2).",
    "never_visited": "Overdue value of a customer never visited, 0 to 1 (default 1).",
    "demand_points": "Points of one open demand by priority.",
    "demand_age_days": "Age in days at which a demand's points have doubled, "
    "1 to 3650 (default 30).",
    "demand_cap": "Demand points that fill the demands component, above 0, at "
    "most 1000 (default 16).",
    "trend_visits": "Results in each half of the trend comparison, 1 to 20 "
    "(default 3).",
    "lifecycle": "Lifecycle value per status (churned and archived score 0).",
    "strategic_tags": "Tags that make a customer strategic: at most 50, each 1 to "
    "100 characters, stored in lower case.",
    "effectiveness_days": "Window of the effectiveness component and the "
    "suggested interval, days, 1 to 3650 (default 180).",
    "faster_ratio": "Relative effectiveness at or above which a shorter interval "
    "is suggested, 1 to 10 (default 1.25).",
    "slower_ratio": "Relative effectiveness at or below which a longer interval "
    "is suggested, above 0, at most 1 (default 0.75).",
    "speed_kmh": "Travel speed of recommendations and of the effectiveness "
    "travel estimate, km/h, 1 to 200 (default 30).",
    "road_factor": "Road km per great-circle km, 1 to 3 (default 1.3).",
    "visit_minutes": "Length of a recommended visit, minutes, 5 to 480 (default 45).",
    "km_penalty": "Rank points a recommendation loses per km, 0 to 100 (default 2).",
    "max_km_penalty": "The most rank points distance takes, 0 to 100 (default 40).",
    "check_in_radius_m": "Metres from the nearest customer address within which "
    "a check-in is VERIFIED, 10 to 100,000 (default 500).",
    "check_in_early_minutes": "How many minutes before its planned start a visit "
    "may be checked in, 0 to 1440 (default 720).",
    "max_visit_minutes": "Longest visit, check-in to check-out, minutes, 15 to "
    "1440 (default 720).",
    "min_counted_minutes": "A shorter visit counts this many minutes in T of "
    "effectiveness, 0 to 240 (default 15).",
}
