"""Schemathesis hooks for the fuzz lane: what counts as a server fault.

Errors the API gives on purpose carry an ``extensions.code`` (VALIDATION,
FORBIDDEN, NOT_FOUND, ...) or are query validation errors (no path), and a 504
with code TIMEOUT is the request timeout doing its job on a busy machine. Any
other 5xx, or an error at a field path with no code or with
INTERNAL_SERVER_ERROR, is a fault.
"""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.check
def no_unexpected_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """Fail on a 5xx or on an error the server did not mean to give."""
    if response.status_code == 504 and '"TIMEOUT"' in response.text:
        return None  # the request timeout at work (a slow machine), not a fault
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:300]}")
    try:
        body = response.json()
    except ValueError:
        return None
    for error in (body or {}).get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        # A masked fault is INTERNAL_SERVER_ERROR wherever it is; an error at a
        # field without a code was not meant either.
        if code == "INTERNAL_SERVER_ERROR" or (error.get("path") and code is None):
            raise AssertionError(f"unexpected error ({code}): {error.get('message')}")
    return None
