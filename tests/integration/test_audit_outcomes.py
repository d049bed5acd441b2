"""The audit trail records every mutation request: through fragments, typed
refusals, requests stopped by the timeout, and values that are dates."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from models import AuditRecord, Customer
from models.audit import FieldChange
from resolvers import customers
from settings import Settings
from tests.conftest import signed_in_client

IN_FRAGMENT = """
mutation { ...M }
fragment M on Mutation {
  ... on Mutation { createCustomer(input: {name: "Fragmented"}) { __typename } }
}
"""
NO_TYPENAME = """
mutation { createCustomer(input: {name: ""}) {
  ... on CustomerPayload { customer { id } } } }
"""
CREATE = 'mutation { createCustomer(input: {name: "Slow"}) { __typename } }'
TRAIL = "{ auditRecords { operations outcomes changes { field before after } } }"


async def test_root_fields_inside_fragments_are_recorded(gql):
    """Tests that a mutation spread from a fragment is named in the record."""
    # when
    await gql(IN_FRAGMENT)
    # then
    record = await AuditRecord.find_one()
    assert record.operations == ["createCustomer"]
    assert record.outcomes == ["CustomerPayload"]


async def test_a_typed_refusal_is_recorded_without_typename(gql):
    """Tests that the outcome is the result type even if __typename was not asked."""
    # when
    data = await gql(NO_TYPENAME)
    # then
    assert data["createCustomer"] == {}
    record = await AuditRecord.find_one()
    assert record.outcomes == ["ValidationError"]


async def test_a_request_stopped_by_the_timeout_is_recorded(db, monkeypatch):
    """Tests that a mutation cut off after writing leaves a TIMEOUT record."""
    # given
    original = customers.create_customer

    async def slow(*args, **kwargs):
        created = await original(*args, **kwargs)
        await asyncio.sleep(5)
        return created

    monkeypatch.setattr(customers, "create_customer", slow)
    async with signed_in_client(Settings(request_timeout_s=1.0)) as client:
        # when
        response = await client.post("/graphql", json={"query": CREATE})
    # then
    assert response.status_code == 504
    assert await Customer.count() == 1
    record = await AuditRecord.find_one(AuditRecord.operations == ["createCustomer"])
    assert record is not None
    assert "TIMEOUT" in record.outcomes
    assert any(c.collection == "customers" for c in record.changes)


async def test_changes_holding_dates_are_served(gql):
    """Tests that before/after values that are dates read back as JSON strings."""
    # given
    at = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    await AuditRecord(
        operations=["planVisits"],
        outcomes=["VisitPlanPayload"],
        changes=[
            FieldChange(
                collection="visit_plans",
                document_id=None,
                action="created",
                field="first_day",
                before={"at": at},
                after=date(2026, 12, 1),
            )
        ],
    ).insert()
    # when
    data = await gql(TRAIL)
    # then
    change = data["auditRecords"][0]["changes"][0]
    assert change["after"].startswith("2026-12-01")
    assert change["before"] == {"at": "2026-12-01T08:30:00.000Z"}
