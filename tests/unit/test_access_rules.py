"""The row-rule combinator: intersections and implied rules stay index-friendly."""

from __future__ import annotations

import pytest

from resolvers.access import restrict

RULE = {"access": {"$in": ["owner:r1", "territory:North"]}}


@pytest.mark.parametrize(
    ("query", "rule", "expected"),
    [
        ({}, RULE, RULE),
        ({"tier": "A"}, {}, {"tier": "A"}),
        ({"territory": "North"}, RULE, {"territory": "North"}),  # implied by the key
        ({"owner_id": "r1"}, RULE, {"owner_id": "r1"}),
        ({"territory": "South"}, RULE, {"territory": "South", **RULE}),
        ({"rep_id": "a"}, {"rep_id": {"$in": ["a", "b"]}}, {"rep_id": "a"}),
        ({"rep_id": "c"}, {"rep_id": {"$in": ["a", "b"]}}, {"rep_id": {"$in": []}}),
        (
            {"rep_id": {"$in": ["a", "c"]}},
            {"rep_id": {"$in": ["a", "b"]}},
            {"rep_id": "a"},
        ),
        (
            {"rep_id": {"$gt": 1}},
            {"rep_id": {"$in": ["a"]}},
            {"$and": [{"rep_id": {"$gt": 1}}, {"rep_id": {"$in": ["a"]}}]},
        ),
    ],
)
def test_restrict(query, rule, expected):
    """Tests how a query and an access rule combine."""
    assert restrict(query, rule) == expected
