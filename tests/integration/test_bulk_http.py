"""Bulk import and export over HTTP, on the in-memory double."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from typing import Any

import pytest

from models import AuditRecord, Customer
from resolvers import api_keys
from resolvers.access import Principal
from resolvers.bulk.jobs import ImportJobs, TooManyImports
from resolvers.bulk.mappings import native
from resolvers.context import Context
from settings import Settings
from tests.conftest import anonymous_client, make_user, sign_in

CUSTOMERS = (
    "externalIds,name,tier,owner,street,city,lat,lng\n"
    "crm:1,Alpha,A,ana@example.com,Main 1,Munich,48.1,11.5\n"
    "crm:2,Beta,B,ana@example.com,Side 2,Munich,48.2,11.6\n"
)
ONE_INVALID = (
    "externalIds,name,tier,owner,street,city,lat,lng\n"
    "crm:1,Alpha,A,,Main 1,Munich,48.1,11.5\n"
    "crm:2,,B,,Side 2,Munich,48.2,11.6\n"
)
CSV = {"content-type": "text/csv"}


async def _finished(client: Any, answer: Any) -> dict[str, Any]:
    """The job ``answer`` started, read until it is no longer running."""
    assert answer.status_code == 202, answer.text
    location = answer.headers["location"]
    for _ in range(500):
        job = (await client.get(location)).json()
        if job["status"] not in ("queued", "running"):
            return dict(job)
        await asyncio.sleep(0.01)
    raise AssertionError(f"the import did not finish: {job}")


async def _key(creator: Any, *scopes: str) -> str:
    """A new API key of ``creator`` with ``scopes``; its secret."""
    who = Principal(user_id=creator.id, role=creator.role)
    _, secret = await api_keys.create_api_key(
        Context(principal=who), "CRM sync", list(scopes), 30
    )
    return secret


async def _imports_audited() -> list[AuditRecord]:
    """The audit records of customer imports (signing in leaves its own)."""
    return await AuditRecord.find({"operations": "importCustomers"}).to_list()


def _code(answer: Any) -> str:
    return str(answer.json()["errors"][0]["extensions"]["code"])


async def test_an_admin_imports_and_exports_the_same_rows(db):
    """Tests that an admin's import creates the rows, the export gives them
    back, and importing that export again leaves every row unchanged."""
    # given
    await make_user("rep", "ana@example.com")
    async with anonymous_client() as client:
        await sign_in(client, "admin")
        # when
        first = await _finished(
            client, await client.post("/bulk/import/customers", content=CUSTOMERS)
        )
        exported = await client.get("/bulk/export/customers?format=csv")
        again = await _finished(
            client,
            await client.post(
                "/bulk/import/customers", content=exported.content, headers=CSV
            ),
        )
    # then
    assert first["status"] == "done"
    assert (first["created"], first["rowsWritten"], first["errors"]) == (2, 2, [])
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert len(lines) == 3
    assert "ana@example.com" in lines[1]
    assert (again["status"], again["unchanged"], again["created"]) == ("done", 2, 0)
    assert await Customer.count() == 2


async def test_a_dry_run_writes_nothing(db):
    """Tests that a dry run reads and checks every row and writes nothing, not
    even an audit record."""
    # given
    await make_user("rep", "ana@example.com")
    async with anonymous_client() as client:
        await sign_in(client, "admin")
        # when
        started = await client.post(
            "/bulk/import/customers?dryRun=true", content=CUSTOMERS, headers=CSV
        )
        job = await _finished(client, started)
    # then
    assert started.json()["dryRun"] is True
    assert (job["status"], job["dryRun"], job["rowsRead"]) == ("done", True, 2)
    assert (job["rowsWritten"], job["written"]) == (0, False)
    assert await Customer.count() == 0
    assert await _imports_audited() == []


async def test_an_invalid_row_refuses_the_whole_file(db):
    """Tests that one invalid row is reported by row, column and reason, and
    that nothing of the file is written."""
    # given
    async with anonymous_client() as client:
        await sign_in(client, "admin")
        # when
        job = await _finished(
            client, await client.post("/bulk/import/customers", content=ONE_INVALID)
        )
    # then
    assert job["status"] == "refused"
    assert (job["rowsRead"], job["rowsInvalid"], job["written"]) == (2, 1, False)
    [error] = job["errors"]
    assert (error["row"], error["column"]) == (3, "name")
    assert error["reason"]
    assert await Customer.count() == 0


async def test_a_key_without_the_write_scope_is_forbidden(db):
    """Tests that an API key without customers:write gets 403 FORBIDDEN, and
    that the refusal is in the audit trail."""
    # given
    admin = await make_user("admin")
    secret = await _key(admin, "customers:read", "visits:write", "visits:read")
    async with anonymous_client() as client:
        client.headers["Authorization"] = f"Bearer {secret}"
        # when
        answer = await client.post("/bulk/import/customers", content=CUSTOMERS)
    # then
    assert answer.status_code == 403
    assert _code(answer) == "FORBIDDEN"
    assert "customers:write" in answer.json()["errors"][0]["message"]
    [record] = await _imports_audited()
    assert record.outcomes == ["FORBIDDEN"]
    assert await Customer.count() == 0


async def test_a_user_who_is_not_an_admin_is_forbidden(db):
    """Tests that a rep (a user, not a key) may not import or export in bulk."""
    # given
    async with anonymous_client() as client:
        await sign_in(client, "rep")
        # when
        imported = await client.post("/bulk/import/customers", content=CUSTOMERS)
        exported = await client.get("/bulk/export/customers")
    # then
    assert (imported.status_code, _code(imported)) == (403, "FORBIDDEN")
    assert (exported.status_code, _code(exported)) == (403, "FORBIDDEN")


async def test_a_key_cannot_import_rows_outside_its_creators_rows(db):
    """Tests that a manager's key is refused, before anything is written, a
    row held by a customer outside the manager's team and an owner outside it,
    each at its row and column."""
    # given
    manager = await make_user("manager", "max@example.com")
    await make_user("rep", "ana@example.com", manager_id=manager.id)
    outsider = await make_user("rep", "olga@example.com")
    await Customer(
        name="Theirs", owner_id=outsider.id, external_ids=[{"system": "crm", "id": "9"}]
    ).insert()
    secret = await _key(manager, "customers:write", "customers:read")
    text = (
        "externalIds,name,owner\n"
        "crm:1,Ours,ana@example.com\n"
        "crm:9,Taken,ana@example.com\n"
        "crm:3,Given away,olga@example.com\n"
    )
    async with anonymous_client() as client:
        client.headers["Authorization"] = f"Bearer {secret}"
        # when
        job = await _finished(
            client, await client.post("/bulk/import/customers", content=text)
        )
    # then
    assert job["status"] == "refused"
    errors = {(e["row"], e["column"]): e["reason"] for e in job["errors"]}
    assert set(errors) == {(3, "externalIds"), (4, "owner")}
    assert "belongs to another customer" in errors[3, "externalIds"]
    assert await Customer.count() == 1


async def test_a_key_with_the_scope_imports_within_its_creators_rows(db):
    """Tests that a manager's key with customers:write imports customers for
    the manager's team, recorded against the key."""
    # given
    manager = await make_user("manager", "max@example.com")
    ana = await make_user("rep", "ana@example.com", manager_id=manager.id)
    secret = await _key(manager, "customers:write", "customers:read")
    async with anonymous_client() as client:
        client.headers["Authorization"] = f"Bearer {secret}"
        # when
        job = await _finished(
            client, await client.post("/bulk/import/customers", content=CUSTOMERS)
        )
    # then
    assert (job["status"], job["created"]) == ("done", 2)
    assert {c.owner_id for c in await Customer.find_all().to_list()} == {ana.id}
    [record] = await _imports_audited()
    assert record.key_id is not None
    assert record.actor_id == manager.id


async def test_without_a_credential_the_answer_is_401(db):
    """Tests that no credential, or a bad one, gets 401 UNAUTHENTICATED."""
    # given
    async with anonymous_client() as client:
        # when
        missing = await client.post("/bulk/import/customers", content=CUSTOMERS)
        export = await client.get("/bulk/export/customers")
        client.headers["Authorization"] = "Bearer not-a-token"
        bad = await client.post("/bulk/import/customers", content=CUSTOMERS)
    # then
    for answer in (missing, export, bad):
        assert answer.status_code == 401
        assert _code(answer) == "UNAUTHENTICATED"
    assert await Customer.count() == 0


async def test_a_file_over_the_limit_is_refused_with_413(db):
    """Tests that a body over ``bulk_max_bytes`` gets 413 PAYLOAD_TOO_LARGE,
    declared or sent in chunks, and that a file over the GraphQL limit but
    within the bulk one is taken."""
    # given
    settings = Settings(bulk_max_bytes=5000, max_body_bytes=1000)
    rows = [f"crm:{n},Name {n},,,,,,\n" for n in range(3, 400)]
    big = CUSTOMERS + "".join(rows)
    small = CUSTOMERS + "".join(rows[:100])

    async def chunks() -> Any:
        for line in big.splitlines(keepends=True):
            yield line.encode()

    async with anonymous_client(settings) as client:
        await sign_in(client, "admin")
        # when
        declared = await client.post("/bulk/import/customers", content=big)
        chunked = await client.post("/bulk/import/customers", content=chunks())
        within = await client.post("/bulk/import/customers?dryRun=1", content=small)
    # then
    for answer in (declared, chunked):
        assert answer.status_code == 413
        assert _code(answer) == "PAYLOAD_TOO_LARGE"
    assert len(big) > 5000
    assert 1000 < len(small) <= 5000
    assert within.status_code == 202


async def test_progress_is_readable_by_its_starter_only(db):
    """Tests that the job tells its rows read and written, and that another
    caller reads it as missing (404 NOT_FOUND)."""
    # given
    await make_user("rep", "ana@example.com")
    async with anonymous_client() as client:
        await sign_in(client, "admin")
        started = await client.post("/bulk/import/customers", content=CUSTOMERS)
        job = await _finished(client, started)
        location = started.headers["location"]
        other = await make_user("admin", "other-admin@example.com")
        client.headers["Authorization"] = (
            f"Bearer {await _key(other, 'customers:read')}"
        )
        # when
        theirs = await client.get(location)
    # then
    assert started.json()["id"] == job["id"]
    assert location == f"/bulk/imports/{job['id']}"
    assert (job["rowsRead"], job["rowsWritten"], job["phase"]) == (2, 2, "done")
    assert (theirs.status_code, _code(theirs)) == (404, "NOT_FOUND")


async def test_an_import_leaves_one_audit_record_with_its_counts(db):
    """Tests that a real import over HTTP writes one audit record naming the
    admin, the operation and the counts."""
    # given
    await make_user("rep", "ana@example.com")
    async with anonymous_client() as client:
        admin = await sign_in(client, "admin")
        # when
        await _finished(
            client, await client.post("/bulk/import/customers", content=CUSTOMERS)
        )
    # then
    [record] = await _imports_audited()
    assert record.actor_id == admin.id
    assert record.operations == ["importCustomers"]
    assert record.outcomes[0] == "IMPORTED"
    assert "created=2" in record.outcomes


async def test_bad_parameters_are_refused_with_validation(db):
    """Tests that an unknown format, a mapping that is not a preset (never a
    server file), a bad flag or an empty body get 400 VALIDATION, and an
    unknown kind 404."""
    # given
    async with anonymous_client() as client:
        await sign_in(client, "admin")
        post = client.post
        # when
        answers = [
            await post("/bulk/import/customers?format=xml", content=CUSTOMERS),
            await post("/bulk/import/customers?mapping=/etc/passwd", content="x"),
            await post("/bulk/import/customers?dryRun=maybe", content=CUSTOMERS),
            await post("/bulk/import/customers", content=b""),
            await client.get("/bulk/export/customers?since=yesterday"),
        ]
        unknown = await post("/bulk/import/reps", content=CUSTOMERS)
    # then
    for answer in answers:
        assert (answer.status_code, _code(answer)) == (400, "VALIDATION"), answer.text
    assert (unknown.status_code, _code(unknown)) == (404, "NOT_FOUND")


async def test_a_keys_export_holds_its_rows_without_personal_columns(db):
    """Tests that a manager's key with customers:read exports its team's
    customers only, without tags or reps' e-mails."""
    # given
    manager = await make_user("manager", "max@example.com")
    ana = await make_user("rep", "ana@example.com", manager_id=manager.id)
    outsider = await make_user("rep", "olga@example.com")
    await Customer(name="Ours", owner_id=ana.id, tags=["vip"]).insert()
    await Customer(name="Theirs", owner_id=outsider.id).insert()
    secret = await _key(manager, "customers:read")
    async with anonymous_client() as client:
        client.headers["Authorization"] = f"Bearer {secret}"
        # when
        answer = await client.get("/bulk/export/customers?format=jsonl")
    # then
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    rows = [line for line in answer.text.splitlines() if line]
    assert len(rows) == 1
    assert '"Ours"' in rows[0]
    assert "tags" not in rows[0]
    assert "owner" not in rows[0]


async def test_a_file_that_cannot_be_read_fails_the_job(db):
    """Tests that a file missing a column the rows need fails its job with the
    reason, and writes nothing."""
    # given
    async with anonymous_client(dataclasses.replace(Settings())) as client:
        await sign_in(client, "admin")
        # when
        job = await _finished(
            client, await client.post("/bulk/import/customers", content="a,b\n1,2\n")
        )
    # then
    assert job["status"] == "failed"
    assert job["failure"]
    assert await Customer.count() == 0


async def test_a_server_runs_at_most_its_number_of_imports(db):
    """Tests that an import past the server's number at once is refused
    (TooManyImports, which the route answers with 429 RATE_LIMITED) and its
    upload closed, while the first runs to its end."""
    # given

    jobs = ImportJobs(running=1)
    ctx = Context(principal=Principal.system())
    first, second = io.BytesIO(CUSTOMERS.encode()), io.BytesIO(CUSTOMERS.encode())
    options: dict[str, Any] = {"dry_run": True, "skip_invalid": False, "fmt": "csv"}
    # when
    job = jobs.start(ctx, "customers", native("customers"), first, **options)
    with pytest.raises(TooManyImports):
        jobs.start(ctx, "customers", native("customers"), second, **options)
    for _ in range(500):
        if job.status not in ("queued", "running"):
            break
        await asyncio.sleep(0.01)
    # then
    assert second.closed
    assert (job.status, job.importer.report and job.importer.report.rows) == (
        "done",
        2,
    )
    assert first.closed


async def test_stopping_the_server_fails_its_imports(db):
    """Tests that imports still queued when the server stops are failed with
    the reason, and their uploads closed."""
    # given
    jobs = ImportJobs()
    upload = io.BytesIO(CUSTOMERS.encode())
    ctx = Context(principal=Principal.system())
    job = jobs.start(
        ctx,
        "customers",
        native("customers"),
        upload,
        dry_run=False,
        skip_invalid=False,
        fmt="csv",
    )
    # when
    await jobs.stop()
    # then
    assert (job.status, job.failure) == ("failed", "the server stopped")
    assert upload.closed
    assert await Customer.count() == 0
