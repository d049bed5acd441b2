"""docs/configuration.md lists every setting and every variable settings.py reads."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import settings

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "configuration.md"


def test_every_setting_is_documented():
    """Tests that each field of Settings has a row in docs/configuration.md."""
    # given
    text = PAGE.read_text(encoding="utf-8")
    # when
    missing = [
        f.name
        for f in dataclasses.fields(settings.Settings)
        if f"| `{f.name}` |" not in text
    ]
    # then
    assert missing == []


def test_every_variable_is_documented():
    """Tests that each environment variable settings.py reads is named on the page."""
    # given
    text = PAGE.read_text(encoding="utf-8")
    source = Path(settings.__file__).read_text(encoding="utf-8")
    # when
    variables = set(re.findall(r"(?:environ\.get|_flag)\(\s*\"([A-Z_]+)\"", source))
    missing = sorted(v for v in variables if f"`{v}`" not in text)
    # then
    assert len(variables) >= 12
    assert missing == []
