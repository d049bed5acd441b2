"""Fixtures of the store lane: a wire-protocol MongoDB and a fresh database per test.

The test session starts the embedded store (SecantusDB) once, as its own process,
the first time a store test asks for it; with ``MONGODB_URI`` set, that MongoDB is
used instead. Each test gets a uniquely named database with Beanie initialised on
it and a Motor client of its own: Motor clients belong to the event loop that first
uses them, and pytest-asyncio gives every test function its own loop, so only the
store process is shared across tests.

The root conftest's ``db`` fixture is overridden here, so its ``gql`` caller runs
GraphQL documents against the store instead of mongomock.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from beanie import init_beanie
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from models import DOCUMENT_MODELS
from server import create_app
from settings import Settings
from store import EmbeddedStore
from tests.conftest import sign_in
from tests.store.support import CommandLog, unique_database_name


@pytest.fixture(scope="session")
def store_uri() -> Iterator[str]:
    """The MongoDB of this session: ``MONGODB_URI``, or the embedded store."""
    given = os.environ.get("MONGODB_URI")
    if given:
        yield given
        return
    store = EmbeddedStore(Path(":memory:")).start()
    try:
        yield store.uri
    finally:
        store.stop()


@pytest.fixture
def database_name() -> str:
    """The name of this test's database."""
    return unique_database_name()


@pytest.fixture
def commands() -> CommandLog:
    """The commands this test's Motor client sends."""
    return CommandLog()


@pytest.fixture
async def store_client(
    store_uri: str, database_name: str, commands: CommandLog
) -> AsyncIterator[AsyncIOMotorClient]:
    """A Motor client for this test; its database is dropped afterwards."""
    client: AsyncIOMotorClient = AsyncIOMotorClient(
        store_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=10_000,
        event_listeners=[commands],
    )
    try:
        yield client
    finally:
        await client.drop_database(database_name)
        client.close()


@pytest.fixture
async def db(
    store_client: AsyncIOMotorClient, database_name: str
) -> AsyncIOMotorDatabase:
    """A fresh database on the store with Beanie initialised on it."""
    database = store_client[database_name]
    await init_beanie(database=database, document_models=DOCUMENT_MODELS)
    return database


@pytest.fixture
async def http(db: AsyncIOMotorDatabase) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the app, which uses the Beanie set up on ``db``."""
    app = create_app(Settings(database=db.name), connect=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        await sign_in(client)
        yield client
