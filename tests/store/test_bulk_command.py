"""``visitplan import`` and ``export`` end to end on a store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pymongo
import pytest

from cli import main

pytestmark = pytest.mark.store

ACCOUNTS = Path(__file__).parents[1] / "data" / "bulk" / "salesforce_accounts.csv"


@pytest.fixture
def store_db(store_uri: str, database_name: str) -> Iterator[pymongo.database.Database]:
    """This test's database, through a plain client (the command opens its own)."""
    client: pymongo.MongoClient = pymongo.MongoClient(store_uri, tz_aware=True)
    try:
        yield client[database_name]
    finally:
        client.drop_database(database_name)
        client.close()


def _rep(db: pymongo.database.Database, name: str, sf_id: str | None = None) -> object:
    ids = [{"system": "salesforce", "id": sf_id}] if sf_id else []
    return db.reps.insert_one(
        {
            "name": name,
            "email": f"{name}@example.com",
            "role": "rep",
            "active": True,
            "external_ids": ids,
            "external_keys": [f"salesforce:{sf_id}"] if sf_id else [],
        }
    ).inserted_id


def _cli(uri: str, database: str, *args: str) -> int:
    return main([*args, "--mongodb-uri", uri, "--database", database])


def _import(uri: str, database: str, *extra: str) -> int:
    return _cli(
        uri,
        database,
        "import",
        "customers",
        str(ACCOUNTS),
        "--mapping",
        "salesforce",
        *extra,
    )


def test_a_dry_run_lists_the_bad_rows_and_writes_nothing(
    store_db, store_uri, database_name, capsys
):
    """Tests that --dry-run names each bad row's number, column and reason and
    stores nothing."""
    # given
    _rep(store_db, "hellmuth", "0055g00000AbCdEAAV")
    # when
    code = _import(store_uri, database_name, "--dry-run")
    # then
    out = capsys.readouterr().out
    assert code == 1
    assert "row 4, column Name: required, but empty" in out
    assert "row 5, column BillingLatitude: 'north' is not a number" in out
    assert "row 6, column OwnerId: no rep has the salesforce id" in out
    assert "6 rows, 3 invalid" in out
    assert "nothing was written" in out
    assert store_db.customers.count_documents({}) == 0


def test_a_file_with_bad_rows_is_refused_whole_unless_skip_invalid(
    store_db, store_uri, database_name, capsys
):
    """Tests that a real run of a file with bad rows writes nothing, and that
    --skip-invalid writes exactly the valid rows, the one without coordinates
    not geocoded."""
    # given
    rep = _rep(store_db, "hellmuth", "0055g00000AbCdEAAV")
    # when
    refused = _import(store_uri, database_name)
    stored_after_refusal = store_db.customers.count_documents({})
    skipped = _import(store_uri, database_name, "--skip-invalid")
    # then
    out = capsys.readouterr().out
    assert refused == 1
    assert stored_after_refusal == 0
    assert skipped == 1  # invalid rows still fail the run, after writing the rest
    assert "created 3, updated 0, unchanged 0" in out
    assert "1 rows have no coordinates: stored not geocoded" in out
    huber = store_db.customers.find_one(
        {"external_keys": "salesforce:0015g00000XyZaCAAV"}
    )
    assert huber["addresses"][0]["location"] is None
    assert huber["location"] is None
    assert huber["status"] == "lead"
    assert huber["owner_id"] == rep
    assert huber["custom_fields"] == [{"key": "phone", "value": "+49 89 456"}]
    markt = store_db.customers.find_one({"name": "Apotheke am Markt"})
    assert markt["location"]["coordinates"] == [11.5755, 48.1374]


def test_a_second_run_changes_nothing(store_db, store_uri, database_name, capsys):
    """Tests that importing the same file again reports every row unchanged
    and leaves the revisions alone."""
    # given
    _rep(store_db, "hellmuth", "0055g00000AbCdEAAV")
    assert _import(store_uri, database_name, "--skip-invalid") == 1
    revisions = sorted(d["rev"] for d in store_db.customers.find())
    capsys.readouterr()
    # when
    code = _import(store_uri, database_name, "--skip-invalid")
    # then
    out = capsys.readouterr().out
    assert code == 1
    assert "created 0, updated 0, unchanged 3" in out
    assert sorted(d["rev"] for d in store_db.customers.find()) == revisions


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_imported_into_an_empty_store_exports_the_same(
    store_db, store_uri, database_name, tmp_path, capsys, fmt
):
    """Tests that export, import into an empty database and export again give
    the same file, for customers, demands and visits."""
    # given
    rep = _rep(store_db, "hellmuth", "0055g00000AbCdEAAV")
    assert _import(store_uri, database_name, "--skip-invalid") == 1
    customer = store_db.customers.find_one({"name": "Apotheke am Markt"})
    store_db.customers.update_one(
        {"_id": customer["_id"]},
        {
            "$set": {
                "tags": ["pharmacy", "key account"],
                "territory": "Centre",
                "external_ids": [
                    {"system": "salesforce", "id": "0015g00000XyZaBAAV"},
                    {"system": "zoho", "id": "77"},
                ],
                "external_keys": ["salesforce:0015g00000XyZaBAAV", "zoho:77"],
                "custom_fields": [
                    {"key": "phone", "value": "+49 89 123"},
                    {"key": "revenue", "value": 2400000.5},
                    {"key": "employees", "value": 12},
                ],
            }
        },
    )
    demand = tmp_path / f"demands.{fmt}"
    visit = tmp_path / f"visits.{fmt}"
    if fmt == "csv":
        demand.write_text(
            "externalIds,customer,type,title,priority,due,assignee\n"
            "salesforce:500A,salesforce:0015g00000XyZaBAAV,complaint,Broken till,"
            "high,2026-12-10T09:00:00.000Z,hellmuth@example.com\n"
        )
        visit.write_text(
            "externalIds,customer,rep,purpose,plannedStart,plannedEnd,pinned\n"
            "salesforce:00UA,salesforce:0015g00000XyZaBAAV,hellmuth@example.com,"
            "demo,2026-12-08T09:00:00Z,2026-12-08T09:45:00Z,true\n"
        )
    else:
        demand.write_text(
            '{"externalIds": [{"system": "salesforce", "id": "500A"}], "customer": '
            '"salesforce:0015g00000XyZaBAAV", "type": "complaint", "title": "Till",'
            ' "due": "2026-12-10T09:00:00Z", "assignee": "hellmuth@example.com"}\n'
        )
        visit.write_text(
            '{"externalIds": "salesforce:00UA", "customer": '
            '"salesforce:0015g00000XyZaBAAV", "rep": "hellmuth@example.com", '
            '"purpose": "DEMO", "plannedStart": "2026-12-08T09:00:00Z", '
            '"plannedEnd": "2026-12-08T09:45:00+00:00", "pinned": true}\n'
        )
    assert _cli(store_uri, database_name, "import", "demands", str(demand)) == 0
    assert _cli(store_uri, database_name, "import", "visits", str(visit)) == 0
    empty = f"{database_name}_copy"
    store_db.client[empty].reps.insert_one(
        {k: v for k, v in store_db.reps.find_one({"_id": rep}).items() if k != "_id"}
    )
    first, second = {}, {}
    try:
        # when
        for entity in ("customers", "demands", "visits"):
            out = tmp_path / f"{entity}-1.{fmt}"
            assert (
                _cli(store_uri, database_name, "export", entity, "--out", str(out)) == 0
            )
            first[entity] = out.read_text()
            assert _cli(store_uri, empty, "import", entity, str(out)) == 0
            again = tmp_path / f"{entity}-2.{fmt}"
            assert _cli(store_uri, empty, "export", entity, "--out", str(again)) == 0
            second[entity] = again.read_text()
    finally:
        store_db.client.drop_database(empty)
    # then
    assert second == first
    assert "zoho:77" in first["customers"] or '"zoho"' in first["customers"]
    assert "2400000.5" in first["customers"]
    assert "hellmuth@example.com" in first["visits"]
    assert len(first["customers"].strip().splitlines()) == (4 if fmt == "csv" else 3)
