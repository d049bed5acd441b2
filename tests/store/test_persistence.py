"""The embedded store keeps its data, and its indexes, across restarts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pymongo.errors import DuplicateKeyError

from models import Customer, Rep
from store import EmbeddedStore, open_database

pytestmark = pytest.mark.store

DATABASE = "visitplan_persistence"


async def test_customer_and_indexes_survive_a_restart(tmp_path: Path) -> None:
    """Tests that a restarted store still holds the customer and the same indexes."""
    # given
    with EmbeddedStore(tmp_path / "data") as store:
        client, db = await open_database(store.uri, DATABASE)
        customer = Customer(
            name="Café Frischluft",
            tags=["cafe"],
            addresses=[{"label": "main", "location": {"coordinates": [11.58, 48.14]}}],
        )
        await customer.insert()
        await Rep(name="Ute", email="ute@example.com").insert()
        indexes_before = {
            name: await db[name].index_information() for name in ("customers", "reps")
        }
        client.close()

    # when: a new process on the same directory, and Beanie set up again
    with EmbeddedStore(tmp_path / "data") as store:
        client, db = await open_database(store.uri, DATABASE)
        try:
            found = await Customer.get(customer.id)
            indexes_after = {
                name: await db[name].index_information()
                for name in ("customers", "reps")
            }
            with pytest.raises(DuplicateKeyError):
                await Rep(name="Ute again", email="ute@example.com").insert()
        finally:
            client.close()

    # then
    assert found is not None
    assert found.name == "Café Frischluft"
    assert found.addresses[0].location.coordinates == [11.58, 48.14]
    assert indexes_after == indexes_before
