"""A rep's flexible break: set with the working hours, refused when it cannot fit."""

from __future__ import annotations

import pytest

from models import Rep
from tests.integration.factories import db_id, hours, make_rep

UPDATE = """
mutation Update($input: UpdateRepInput!) {
  updateRep(input: $input) {
    __typename
    ... on RepPayload { rep { flexibleBreak { minutes earliest latest } } }
    ... on Error { code field message }
  }
}
"""


async def test_a_flexible_break_is_set_and_removed(gql):
    """Tests that updateRep stores a flexible break and null removes it."""
    # given
    rep = await make_rep(gql, workingHours=hours("08:00", "17:00"))
    lunch = {"minutes": 30, "earliest": "12:00", "latest": "14:00"}
    # when
    data = await gql(UPDATE, input={"id": rep["id"], "flexibleBreak": lunch})
    # then
    assert data["updateRep"] == {
        "__typename": "RepPayload",
        "rep": {"flexibleBreak": lunch},
    }
    stored = await Rep.get(db_id(rep["id"]))
    assert stored.flexible_break.minutes == 30
    # when
    data = await gql(UPDATE, input={"id": rep["id"], "flexibleBreak": None})
    # then
    assert data["updateRep"]["rep"]["flexibleBreak"] is None


@pytest.mark.parametrize(
    "bad",
    [
        {"minutes": 30, "earliest": "14:00", "latest": "12:00"},
        {"minutes": 90, "earliest": "12:00", "latest": "13:00"},
        {"minutes": 0, "earliest": "12:00", "latest": "13:00"},
        {"minutes": 30, "earliest": "noon", "latest": "13:00"},
    ],
)
async def test_a_flexible_break_that_cannot_fit_is_refused(gql, bad):
    """Tests that a bad flexible break gets a validation error and is not stored."""
    # given
    rep = await make_rep(gql, workingHours=hours("08:00", "17:00"))
    # when
    data = await gql(UPDATE, input={"id": rep["id"], "flexibleBreak": bad})
    # then
    assert data["updateRep"]["__typename"] == "ValidationError", data
    assert (await Rep.get(db_id(rep["id"]))).flexible_break is None
