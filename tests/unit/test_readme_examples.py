"""The GraphQL examples in the README and the docs are valid against the schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import parse, validate

from schema import schema

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"```graphql\n(.*?)```", re.S)


def examples() -> list[tuple[str, str]]:
    """(file and number, document) of every graphql block in the docs."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for n, block in enumerate(BLOCK.findall(path.read_text(encoding="utf-8")), 1):
            found.append((f"{path.name}#{n}", block))
    return found


@pytest.mark.parametrize(
    ("where", "document"), examples(), ids=[w for w, _ in examples()]
)
def test_example_is_valid(where, document):
    """Tests that a documented operation parses and validates."""
    # when
    errors = validate(schema._schema, parse(document))
    # then
    assert errors == [], f"{where}: {errors}"


def test_there_are_examples():
    """Tests that the docs do show operations."""
    assert len(examples()) >= 8
