"""Helpers shared by the documents (Beanie must be initialised to build one)."""

from __future__ import annotations

import pytest
from beanie import PydanticObjectId

from models.auth import Session
from models.common import stored_id, utc_now


def _session() -> Session:
    return Session(user_id=PydanticObjectId(), token_hash="h", expires_at=utc_now())


async def test_stored_id_is_the_id_of_a_stored_document(db):
    """Tests that stored_id gives back the id a read or inserted document has."""
    # given
    session = _session()
    await session.insert()
    # when
    found = stored_id(session)
    # then
    assert found == session.id
    assert await Session.get(found) is not None


async def test_stored_id_refuses_a_document_never_stored(db):
    """Tests that a document without an id is a ValueError, not a silent None."""
    # given
    fresh = _session()
    # when / then
    with pytest.raises(ValueError, match="Session has not been stored yet"):
        stored_id(fresh)
