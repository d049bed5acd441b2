"""Shared fixtures for the planner tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "planner"


def read(name: str) -> dict[str, Any]:
    """Return the decoded JSON of ``tests/data/planner/NAME.json``."""
    return json.loads((DATA / f"{name}.json").read_text())


@pytest.fixture
def base() -> dict[str, Any]:
    """A small valid euclidean problem as a dict, safe to mutate."""
    return copy.deepcopy(
        {
            "version": 1,
            "name": "base",
            "metric": "euclidean",
            "speed": 1.0,
            "travel_cost": 0.0,
            "reps": [
                {"id": "r1", "start": [0, 0], "end": [0, 0], "shifts": [[0, 100]]},
                {"id": "r2", "start": [0, 0], "end": [0, 0], "shifts": [[0, 100]]},
            ],
            "visits": [
                {
                    "id": "a",
                    "location": [3, 4],
                    "duration": 2,
                    "windows": [[0, 50]],
                    "value": 7,
                    "required": False,
                    "reps": None,
                },
                {
                    "id": "b",
                    "location": [6, 8],
                    "duration": 1,
                    "windows": [[20, 30]],
                    "value": 3,
                    "required": False,
                    "reps": ["r1"],
                },
            ],
        }
    )
