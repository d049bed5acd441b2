"""Directive counting walks fields, inline fragments and named fragments."""

from __future__ import annotations

from graphql import parse

from defenses.limits import count_directives

DOCUMENT = """
query {
  a @skip(if: false) {
    ... on Query @include(if: true) { b @skip(if: false) }
    ...F
  }
}
fragment F on Query { c @include(if: true) @skip(if: false) }
"""


def test_directives_are_counted_in_fields_and_both_kinds_of_fragment():
    """Tests that directives on fields, inline fragments and fragments all count."""
    # given
    document = parse(DOCUMENT)
    # when
    count = count_directives(document)
    # then
    assert count == 5
