"""Bulk imports through the upserts, on the in-memory double."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path
from typing import Any

from models import Customer, Demand, Rep, Visit
from resolvers.access import Principal
from resolvers.bulk.files import read_rows
from resolvers.bulk.importing import Importer
from resolvers.bulk.mappings import native
from resolvers.context import Context

CUSTOMERS = (
    "externalIds,name,tier,owner,street,city,lat,lng\n"
    "crm:1,Alpha,A,ana@example.com,Main 1,Munich,48.1,11.5\n"
    "crm:2,Beta,B,,Side 2,Munich,,\n"
)
DEMANDS = (
    "externalIds,customer,type,title,priority\n"
    "crm:d1,crm:1,complaint,Broken till,high\n"
    "crm:d2,crm:404,complaint,Lost,normal\n"
    "crm:d1,crm:1,renewal,Twice,normal\n"
    "crm:d3,crm:2,colour,Wrong type,normal\n"
)


def _opener(text: str):
    return lambda: read_rows(io.StringIO(text), "csv")


async def _rep() -> Rep:
    rep = Rep(name="Ana", email="ana@example.com", role="rep")
    await rep.insert()
    return rep


async def _import(entity: str, text: str, **options):
    importer = Importer(Context(principal=Principal.system()), entity, native(entity))
    return await importer.run(_opener(text), dry_run=False, **options)


async def test_customers_are_created_then_left_unchanged(db):
    """Tests that an import creates each row, the owner found by e-mail, and a
    second run counts every row unchanged."""
    # given
    rep = await _rep()
    # when
    first = await _import("customers", CUSTOMERS)
    second = await _import("customers", CUSTOMERS)
    # then
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert first.not_geocoded == 1
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    alpha = await Customer.find_one({"external_keys": "crm:1"})
    assert alpha is not None
    assert alpha.owner_id == rep.id
    beta = await Customer.find_one({"external_keys": "crm:2"})
    assert beta is not None
    assert beta.location is None


async def test_a_changed_row_is_counted_updated(db):
    """Tests that a row that differs from the stored customer is updated."""
    # given
    await _rep()
    await _import("customers", CUSTOMERS)
    # when
    report = await _import("customers", CUSTOMERS.replace("Alpha,A", "Alpha,C"))
    # then
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    alpha = await Customer.find_one({"external_keys": "crm:1"})
    assert alpha is not None
    assert alpha.tier == "C"
    assert alpha.rev == 1


async def test_a_file_with_bad_rows_writes_nothing(db):
    """Tests that a missing customer, a repeated id and a bad value are each
    reported with row and column, and that no demand is written."""
    # given
    await _rep()
    await _import("customers", CUSTOMERS)
    # when
    report = await _import("demands", DEMANDS)
    # then
    assert not report.written
    assert report.invalid_rows == 3
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(3, "customer"), (4, "externalIds"), (5, "type")}
    assert await Demand.count() == 0


async def test_skip_invalid_writes_the_valid_rows_only(db):
    """Tests that with skip_invalid the valid row is written and the others not."""
    # given
    await _rep()
    await _import("customers", CUSTOMERS)
    # when
    report = await _import("demands", DEMANDS, skip_invalid=True)
    # then
    assert report.created == 1
    assert [d.title for d in await Demand.find({}).to_list()] == ["Broken till"]


async def test_a_dry_run_writes_nothing_and_counts_stored_ids(db):
    """Tests that a dry run of valid rows stores nothing and says how many of
    their ids are stored already."""
    # given
    await _rep()
    await _import(
        "customers",
        CUSTOMERS.splitlines(keepends=True)[0] + CUSTOMERS.splitlines(keepends=True)[1],
    )
    importer = Importer(
        Context(principal=Principal.system()), "customers", native("customers")
    )
    # when
    report = await importer.run(_opener(CUSTOMERS), dry_run=True)
    # then
    assert not report.written
    assert (report.rows, report.invalid_rows, report.existing) == (2, 0, 1)
    assert await Customer.count() == 1


async def test_a_visit_the_calendar_refuses_stops_the_run_at_its_row(db):
    """Tests that a refusal only the write can see (overlapping visits) stops
    the import at that row and says so."""
    # given
    await _rep()
    await _import("customers", CUSTOMERS)
    visits = (
        "externalIds,customer,rep,purpose,plannedStart,plannedEnd\n"
        "crm:v1,crm:1,ana@example.com,demo,2026-12-08T09:00:00Z,2026-12-08T10:00:00Z\n"
        "crm:v2,crm:2,ana@example.com,demo,2026-12-08T09:30:00Z,2026-12-08T10:30:00Z\n"
    )
    # when
    report = await _import("visits", visits)
    # then
    assert report.created == 1
    assert report.stopped is not None
    assert report.stopped.row == 3
    assert await Visit.count() == 1


def _accounts(rows: int) -> str:
    lines = ["externalIds,name,street,city,lat,lng"]
    lines += [
        f"crm:{n:09d},Account {n},Street {n},Munich,48.1,11.5" for n in range(rows)
    ]
    return "\n".join(lines) + "\n"


async def _dry_run_peak(rows: int, directory: Path) -> int:
    """Peak bytes Python allocated while a dry run checked ``rows`` rows of a
    file (read from disk, as the command line and the HTTP import read it)."""
    path = directory / f"accounts-{rows}.csv"
    path.write_text(_accounts(rows), encoding="utf-8")
    streams: list[Any] = []

    def open_rows() -> Any:
        streams.append(path.open(encoding="utf-8", newline=""))
        return read_rows(streams[-1], "csv")

    importer = Importer(
        Context(principal=Principal.system()), "customers", native("customers")
    )
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        report = await importer.run(open_rows, dry_run=True)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
        for stream in streams:
            stream.close()
    assert (report.rows, report.invalid_rows) == (rows, 0)
    return peak


async def test_the_check_keeps_nothing_per_row_in_memory(db, tmp_path):
    """Tests that checking five times the rows takes no more memory: the keys
    seen and the invalid rows are kept on disk, not in a set that grows."""
    # given
    await _dry_run_peak(500, tmp_path)  # first-use allocations out of the way
    # when
    small = await _dry_run_peak(2000, tmp_path)
    large = await _dry_run_peak(10000, tmp_path)
    # then
    assert large - small < 256 * 1024, (small, large)


async def test_a_real_run_leaves_one_audit_record(db):
    """Tests that an import (as the command line runs it) writes one audit
    record with its outcome and counts, and a dry run none."""
    # given
    from models import AuditRecord

    await _rep()
    # when
    await _import("customers", CUSTOMERS)
    importer = Importer(
        Context(principal=Principal.system()), "customers", native("customers")
    )
    await importer.run(_opener(CUSTOMERS), dry_run=True)
    # then
    [record] = await AuditRecord.find_all().to_list()
    assert record.operations == ["importCustomers"]
    assert record.actor_id is None
    assert record.outcomes == [
        "IMPORTED",
        "rows=2",
        "invalid=0",
        "created=2",
        "updated=0",
        "unchanged=0",
    ]
    assert record.changes == []
