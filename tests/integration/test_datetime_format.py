"""Every DateTime the API answers reads one way: RFC 3339, UTC, milliseconds, ``Z``.

Inputs stay lenient: any RFC 3339 offset, with or without fractions.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from models.common import rfc3339
from tests.integration.factories import make_customer, make_rep, make_visit

SHAPE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

VISIT = """
query($id: ID!) { node(id: $id) { ... on Visit {
  plannedStart plannedEnd checkIn { at } stamp { createdAt updatedAt } } } }
"""
CHECK_IN = """
mutation($id: ID!, $at: DateTime!) { checkInVisit(input: {id: $id, at: $at}) {
  __typename ... on VisitPayload { visit { checkIn { at } } } } }
"""
EXPORT = """
mutation($id: ID!) { exportPersonalData(customerId: $id) {
  ... on PersonalDataExport { data } } }
"""
TRAIL = "{ auditRecords(first: 5) { at changes { field after } } }"


def times(value):
    """Every string in ``value`` that looks like a time (has a ``T`` and a colon)."""
    if isinstance(value, dict):
        return [t for item in value.values() for t in times(item)]
    if isinstance(value, list):
        return [t for item in value for t in times(item)]
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\d[T ]\d\d:", value):
        return [value]
    return []


@pytest.mark.parametrize(
    ("sent", "answered"),
    [
        ("2026-11-20T09:00:00Z", "2026-11-20T09:00:00.000Z"),
        ("2026-11-20T09:00:00+00:00", "2026-11-20T09:00:00.000Z"),
        ("2026-11-20T14:30:00+05:30", "2026-11-20T09:00:00.000Z"),
        ("2026-11-20T01:00:00-08:00", "2026-11-20T09:00:00.000Z"),
        ("2026-11-20T10:00:00.5+01:00", "2026-11-20T09:00:00.500Z"),
        ("2026-11-20T09:00:00.123456Z", "2026-11-20T09:00:00.123Z"),
    ],
    ids=["z", "utc-offset", "india", "pacific", "fraction", "microseconds"],
)
async def test_any_offset_is_taken_and_answered_in_utc(gql, sent, answered):
    """Tests that a time sent with any offset comes back as UTC with ``Z``."""
    # given
    customer, rep = await make_customer(gql), await make_rep(gql)
    # when
    visit = await make_visit(gql, customer, rep, sent, "2026-11-20T10:00:00Z")
    stored = (await gql(VISIT, id=visit["id"]))["node"]
    # then
    assert visit["plannedStart"] == answered
    assert stored["plannedStart"] == answered


async def test_every_time_of_an_object_has_the_one_shape(gql):
    """Tests that planned, checked-in and stamp times all read the same way."""
    # given
    customer, rep = await make_customer(gql), await make_rep(gql)
    visit = await make_visit(gql, customer, rep)
    await gql(CHECK_IN, id=visit["id"], at="2026-11-20T10:05:07.250+01:00")
    # when
    data = (await gql(VISIT, id=visit["id"]))["node"]
    # then
    found = times(data)
    assert len(found) == 5, data
    assert all(SHAPE.match(t) for t in found), found
    assert data["checkIn"]["at"] == "2026-11-20T09:05:07.250Z"


async def test_times_inside_json_fields_have_the_same_shape(gql):
    """Tests that the audit trail and the personal data export write times alike."""
    # given
    customer, rep = await make_customer(gql), await make_rep(gql)
    await make_visit(gql, customer, rep, "2026-11-20T10:00:00+01:00")
    # when
    exported = (await gql(EXPORT, id=customer["id"]))["exportPersonalData"]["data"]
    trail = (await gql(TRAIL))["auditRecords"]
    # then
    assert exported["visits"][0]["planned_start"] == "2026-11-20T09:00:00.000Z"
    in_trail = times(trail)
    assert "2026-11-20T09:00:00.000Z" in in_trail
    assert all(SHAPE.match(t) for t in in_trail), in_trail


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05.000Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=UTC), "2026-01-02T03:04:05.999Z"),
        (
            datetime(2026, 1, 2, 0, 30, tzinfo=timezone(timedelta(hours=2))),
            "2026-01-01T22:30:00.000Z",
        ),
        (datetime(1900, 1, 1, tzinfo=UTC), "1900-01-01T00:00:00.000Z"),
    ],
    ids=["naive-is-utc", "cut-not-rounded", "other-offset", "first-year"],
)
def test_rfc3339_writes_utc_milliseconds(moment, written):
    """Tests the one writer of API times on naive, offset and fractional values."""
    assert rfc3339(moment) == written
