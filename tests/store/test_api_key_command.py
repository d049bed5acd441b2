"""``visitplan apikey create`` on a store: the key acts for a real user."""

from __future__ import annotations

from collections.abc import Iterator

import pymongo
import pytest

from cli import main

pytestmark = pytest.mark.store


@pytest.fixture
def store_db(store_uri: str, database_name: str) -> Iterator[pymongo.database.Database]:
    """This test's database, through a plain client (the command opens its own)."""
    client: pymongo.MongoClient = pymongo.MongoClient(store_uri, tz_aware=True)
    try:
        yield client[database_name]
    finally:
        client.drop_database(database_name)
        client.close()


def _user(db: pymongo.database.Database, name: str, role: str) -> object:
    return db.reps.insert_one(
        {"name": name, "email": f"{name}@example.com", "role": role, "active": True}
    ).inserted_id


def _create(store_uri: str, database_name: str, *extra: str) -> int:
    return main(
        [
            "apikey",
            "create",
            "--name",
            "Partner GmbH",
            "--scopes",
            "customers:read,customers:write",
            "--mongodb-uri",
            store_uri,
            "--database",
            database_name,
            *extra,
        ]
    )


def test_a_key_made_without_creator_acts_for_the_first_admin(
    store_db, store_uri, database_name, capsys
):
    """Tests that without --creator the key is the first active admin's (the
    help says so), not a key of nobody."""
    # given
    _user(store_db, "gone", "admin")
    store_db.reps.update_one({"name": "gone"}, {"$set": {"active": False}})
    first = _user(store_db, "ada", "admin")
    _user(store_db, "bob", "admin")
    # when
    code = _create(store_uri, database_name)
    # then
    assert code == 0
    assert "vpk_" in capsys.readouterr().out
    key = store_db.api_keys.find_one()
    assert key["created_by"] == first
    assert key["scopes"] == ["customers:read", "customers:write"]


def test_a_key_names_its_creator_with_creator(store_db, store_uri, database_name):
    """Tests that --creator makes the key that manager's."""
    # given
    _user(store_db, "ada", "admin")
    manager = _user(store_db, "max", "manager")
    # when
    code = _create(store_uri, database_name, "--creator", "max@example.com")
    # then
    assert code == 0
    assert store_db.api_keys.find_one()["created_by"] == manager


def test_without_an_admin_the_command_refuses(
    store_db, store_uri, database_name, capsys
):
    """Tests that with nobody to act for, nothing is stored and it says why."""
    # given
    _user(store_db, "max", "manager")
    # when
    code = _create(store_uri, database_name)
    # then
    assert code == 1
    assert "no active admin" in capsys.readouterr().err
    assert store_db.api_keys.count_documents({}) == 0
