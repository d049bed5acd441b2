"""The committed SDL is the contract: it must match what the code serves."""

from __future__ import annotations

from pathlib import Path

from schema import schema

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_schema_matches_the_code():
    """Tests that schema.graphql is regenerated after every API change (make schema)."""
    # given
    committed = SDL.read_text(encoding="utf-8")
    # when
    served = schema.as_str() + "\n"
    # then
    assert committed == served, "schema.graphql is stale: run `make schema`"


def test_every_type_is_described():
    """Tests that the API documents itself: every type has a description."""
    # given
    graphql_schema = schema._schema
    missing = []
    # when
    for name, gql_type in graphql_schema.type_map.items():
        if name.startswith("__") or name in {
            "String",
            "Int",
            "Float",
            "Boolean",
            "ID",
            "DateTime",
            "PageInfo",
            "Node",
        }:
            continue
        if not gql_type.description:
            missing.append(name)
    # then
    assert missing == []
