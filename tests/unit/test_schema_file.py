"""The committed SDL is the contract: it must match what the code serves."""

from __future__ import annotations

import json
from pathlib import Path

from cli.server import possible_types
from schema import schema

ROOT = Path(__file__).resolve().parents[2]
SDL = ROOT / "schema.graphql"
POSSIBLE_TYPES = ROOT / "possibleTypes.json"

ABSTRACT_TYPES = """
{ __schema { types { name kind possibleTypes { name } } } }
"""


def test_committed_schema_matches_the_code():
    """Tests that schema.graphql is regenerated after every API change (make schema)."""
    # given
    committed = SDL.read_text(encoding="utf-8")
    # when
    served = schema.as_str() + "\n"
    # then
    assert committed == served, "schema.graphql is stale: run `make schema`"


def test_committed_possible_types_match_the_code():
    """Tests that possibleTypes.json is regenerated after every API change (make schema)."""
    # given
    committed = json.loads(POSSIBLE_TYPES.read_text(encoding="utf-8"))
    # when
    served = possible_types()
    # then
    assert committed == served, "possibleTypes.json is stale: run `make schema`"


async def test_possible_types_are_what_introspection_says():
    """Tests that the file maps every interface and union to introspection's members."""
    # given
    result = await schema.execute(ABSTRACT_TYPES)
    assert result.errors is None
    # when
    introspected = {
        t["name"]: sorted(p["name"] for p in t["possibleTypes"])
        for t in result.data["__schema"]["types"]
        if t["kind"] in {"INTERFACE", "UNION"} and not t["name"].startswith("__")
    }
    # then
    assert possible_types() == introspected
    assert {"ValidationError", "NotFoundError"} <= set(introspected["Error"])
    assert "VisitPayload" in introspected["VisitResult"]


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
