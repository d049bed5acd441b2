"""Sort keys as Beanie takes them."""

from __future__ import annotations

from beanie import SortDirection

from resolvers.pagination import sort_keys


def test_sort_keys_turn_directions_into_beanie_sort_directions():
    """Tests that 1 and -1 become Beanie's ascending and descending directions."""
    # given
    sort = [("name", 1), ("at", -1)]
    # when
    keys = sort_keys(sort)
    # then
    assert keys == [("name", SortDirection.ASCENDING), ("at", SortDirection.DESCENDING)]
    assert all(type(way) is SortDirection for _, way in keys)
