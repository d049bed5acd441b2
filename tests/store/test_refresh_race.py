"""Refresh-token rotation on a real store: two refreshes cannot share a token."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models.auth import Session
from resolvers import auth
from resolvers.access import Unauthenticated
from tests.conftest import TEST_PASSWORD, TEST_SECRET, make_user

pytestmark = pytest.mark.store


async def test_two_refreshes_racing_on_one_token_revoke_the_session(db: Any) -> None:
    """Tests that only one refresh wins a race and the loser ends the session."""
    # given
    await make_user("admin", "admin@example.com")
    keys = auth.Auth(secret=TEST_SECRET)
    first = await auth.sign_in(keys, "admin@example.com", TEST_PASSWORD, None)
    # when
    results = await asyncio.gather(
        *(auth.refresh_session(keys, first.refresh_token) for _ in range(4)),
        return_exceptions=True,
    )
    # then
    won = [r for r in results if isinstance(r, auth.Tokens)]
    assert len(won) <= 1
    assert all(isinstance(r, Unauthenticated) for r in results if r not in won), results
    session = await Session.find_one({})
    assert session is not None
    assert session.revoked_at is not None
