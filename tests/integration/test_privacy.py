"""Data-subject rights: exporting and erasing a customer's personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from beanie import PydanticObjectId

from models import AuditRecord, Customer, Demand, Visit
from models.visit import Outcome, Presence
from tests.integration.factories import make_customer

EXPORT = """
mutation($id: ID!) { exportPersonalData(customerId: $id) {
  __typename ... on PersonalDataExport { data } ... on Error { code } } }
"""
ERASE = """
mutation($id: ID!) { erasePersonalData(customerId: $id) {
  __typename ... on CustomerPayload { customer { contacts { name emails phones } } } } }
"""
START = datetime(2026, 10, 5, 9, tzinfo=UTC)


async def history(customer_id: str) -> None:
    """A demand and a completed visit whose texts name the contact."""
    from tests.integration.factories import db_id

    oid = PydanticObjectId(db_id(customer_id))
    await Demand(
        customer_id=oid,
        type="complaint",
        title="Broken fridge",
        description="Eva Roth called twice",
    ).insert()
    await Visit(
        customer_id=oid,
        rep_id=PydanticObjectId(),
        purpose="service",
        planned_start=START,
        planned_end=START + timedelta(hours=1),
        status="completed",
        agenda="Meet Eva Roth",
        check_in=Presence(at=START),
        check_out=Presence(at=START + timedelta(minutes=50)),
        duration_min=50,
        outcome=Outcome(notes="Eva Roth ordered", result=8, recorded_at=START),
    ).insert()


async def test_export_holds_the_contacts_and_the_texts_about_them(gql):
    """Tests that the export gathers the customer's personal data."""
    # given
    customer = await make_customer(
        gql, contacts=[{"name": "Eva Roth", "emails": ["eva@example.com"]}]
    )
    await history(customer["id"])
    # when
    data = (await gql(EXPORT, id=customer["id"]))["exportPersonalData"]["data"]
    # then
    assert data["customer"]["contacts"][0]["emails"] == ["eva@example.com"]
    assert data["demands"][0]["description"] == "Eva Roth called twice"
    assert data["visits"][0]["outcome"]["notes"] == "Eva Roth ordered"


async def test_erasure_removes_personal_data_and_keeps_the_statistics(gql):
    """Tests anonymisation: no name left anywhere, results and durations kept."""
    # given
    customer = await make_customer(
        gql,
        contacts=[
            {"name": "Eva Roth", "emails": ["eva@example.com"], "phones": ["+49 89 1"]}
        ],
    )
    await history(customer["id"])
    # when
    erased = (await gql(ERASE, id=customer["id"]))["erasePersonalData"]
    # then
    assert erased["customer"]["contacts"] == [
        {"name": "Erased contact", "emails": [], "phones": []}
    ]
    stored = [
        d.model_dump_json()
        for d in [
            *await Customer.find_all().to_list(),
            *await Demand.find_all().to_list(),
            *await Visit.find_all().to_list(),
        ]
    ]
    assert not any("Eva" in text or "eva@" in text for text in stored)
    visit = await Visit.find_one()
    assert visit.outcome.result == 8
    assert visit.duration_min == 50
    record = await AuditRecord.find_one({"operations": "erasePersonalData"})
    assert record is not None
    assert record.outcomes == ["CustomerPayload"]
