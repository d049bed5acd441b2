"""The APQ cache on a real store: its indexes, and concurrent registrations."""

from __future__ import annotations

import asyncio

import pytest

from models import PersistedQuery
from models.persisted_query import KEEP_SECONDS
from resolvers import persisted
from resolvers.persisted import sha256

pytestmark = pytest.mark.store

QUERY = "query Count { customers(first: 1) { totalCount } }"


async def test_the_store_holds_a_ttl_and_a_unique_index(db):
    """Tests that the store expires entries on last use and keeps hashes unique."""
    # when
    indexes = await PersistedQuery.get_motor_collection().index_information()
    # then
    by_key = {tuple(tuple(k) for k in i["key"]): i for i in indexes.values()}
    assert by_key[(("used_at", 1),)]["expireAfterSeconds"] == KEEP_SECONDS
    assert by_key[(("hash", 1),)]["unique"] is True


async def test_simultaneous_registrations_keep_one_entry(db):
    """Tests that ten servers registering one hash at once store it once."""
    # when
    await asyncio.gather(*(persisted.register(sha256(QUERY), QUERY) for _ in range(10)))
    # then
    assert await PersistedQuery.count() == 1
    assert await persisted.lookup(sha256(QUERY)) == QUERY


async def test_the_http_round_trip_on_the_store(http):
    """Tests the link's hash, hash-and-query, hash sequence against the store."""
    # given
    body = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256(QUERY)}}
    }
    # when
    missing = await http.post("/graphql", json=body)
    registered = await http.post("/graphql", json={**body, "query": QUERY})
    hit = await http.post("/graphql", json=body)
    # then
    assert missing.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert registered.json() == hit.json() == {"data": {"customers": {"totalCount": 0}}}
