"""The calendar feed's window, ETag matching and log redaction (no database)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from log_privacy import PathWithoutQuery, redacted_path
from resolvers.calendar_feed import window
from server import etag_matches


@pytest.mark.parametrize(
    ("zone", "now", "start", "end"),
    [
        # UTC, the zone of users who set none: whole UTC days
        (
            "UTC",
            datetime(2026, 6, 15, 23, 30, tzinfo=UTC),
            datetime(2026, 5, 16, tzinfo=UTC),
            datetime(2026, 9, 14, tzinfo=UTC),
        ),
        # Berlin on the day clocks go forward: local midnights, CET then CEST
        (
            "Europe/Berlin",
            datetime(2026, 3, 29, 12, 0, tzinfo=UTC),
            datetime(2026, 2, 26, 23, 0, tzinfo=UTC),
            datetime(2026, 6, 27, 22, 0, tzinfo=UTC),
        ),
        # 23:30 UTC is already the next day in Berlin
        (
            "Europe/Berlin",
            datetime(2026, 6, 15, 23, 30, tzinfo=UTC),
            datetime(2026, 5, 16, 22, 0, tzinfo=UTC),
            datetime(2026, 9, 14, 22, 0, tzinfo=UTC),
        ),
    ],
)
def test_the_window_is_whole_local_days(zone, now, start, end):
    """Tests that the feed spans 30 days back to 90 days ahead, local days."""
    # when
    got = window(ZoneInfo(zone), now)
    # then
    assert got == (start, end)


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abd"', False),
        ("abc", False),
    ],
)
def test_if_none_match_compares_weakly(header, matches):
    """Tests If-None-Match parsing against the ETag '"abc"'."""
    # when / then
    assert etag_matches(header, '"abc"') is matches


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/calendar/vpc_secret.ics", "/calendar/[redacted]"),
        ("/calendar/vpc_secret.ics?x=vpc_secret", "/calendar/[redacted]"),
        ("/CALENDAR/vpc_secret", "/CALENDAR/[redacted]"),
        ("/prefix/calendar/vpc_secret.ics", "/prefix/calendar/[redacted]"),
        ("/graphql?query=%7Bme%7D", "/graphql"),
        ("/healthz", "/healthz"),
    ],
)
def test_paths_are_logged_without_secrets(path, logged):
    """Tests that feed tokens and query strings are cut from logged paths."""
    # given
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )
    # when
    PathWithoutQuery().filter(record)
    # then
    assert redacted_path(path) == logged
    assert record.getMessage() == f'127.0.0.1:5000 - "GET {logged} HTTP/1.1" 200'
    assert "secret" not in record.getMessage()
