"""Multi-document transactions: a visit's outcome and its follow-up demands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from beanie import PydanticObjectId
from motor.motor_asyncio import AsyncIOMotorDatabase
from strawberry import relay

from models import Customer, Demand, Rep, Visit
from models.visit import Presence, Purpose, VisitStatus
from resolvers.common import revision_of, transaction

pytestmark = pytest.mark.store

RECORD_OUTCOME = """
mutation RecordOutcome($input: RecordOutcomeInput!) {
  recordVisitOutcome(input: $input) {
    __typename
    ... on VisitPayload {
      visit {
        id
        outcome { result notes followUps { id title } }
      }
    }
    ... on Error { code field message }
  }
}
"""

FOLLOW_UPS = [
    {"type": "PRODUCT_INQUIRY", "title": "Send the price list"},
    {"type": "TRAINING", "title": "Book a training day", "priority": "HIGH"},
]


@pytest.fixture
async def completed_visit(db: AsyncIOMotorDatabase) -> Visit:
    """A visit that was checked in and out an hour ago."""
    rep = Rep(name="Rita", email="rita@example.com")
    await rep.insert()
    customer = Customer(name="Bäckerei Huber")
    await customer.insert()
    end = datetime.now(UTC) - timedelta(hours=1)
    start = end - timedelta(minutes=45)
    visit = Visit(
        customer_id=customer.id,
        rep_id=rep.id,
        purpose=Purpose.DEMO,
        planned_start=start,
        planned_end=end,
        status=VisitStatus.COMPLETED,
        check_in=Presence(at=start),
        check_out=Presence(at=end),
        duration_min=45.0,
    )
    await visit.insert()
    return visit


def gid(type_name: str, oid: PydanticObjectId | None) -> str:
    """The global id of a stored document."""
    return str(relay.GlobalID(type_name, str(oid)))


def outcome_input(visit: Visit, **extra: Any) -> dict[str, Any]:
    """A RecordOutcomeInput for ``visit`` at its stored revision."""
    return {
        "id": gid("Visit", visit.id),
        "revision": revision_of(visit),
        "notes": "Liked the demo",
        "result": 7.5,
        **extra,
    }


async def test_transaction_runs_in_a_session_on_this_store(
    db: AsyncIOMotorDatabase,
) -> None:
    """Tests that the transaction helper opens a real transaction here."""
    # when
    async with transaction(Visit) as session:
        # then
        assert session is not None
        assert session.in_transaction


async def test_transaction_rolls_back_writes_when_the_block_fails(
    db: AsyncIOMotorDatabase,
) -> None:
    """Tests that a failure inside the transaction leaves no document behind."""
    # given
    customer_id = PydanticObjectId()
    seen_inside: list[bool] = []

    async def write_then_fail() -> None:
        async with transaction(Visit) as session:
            await Customer(id=customer_id, name="Ghost").insert(session=session)
            found = await Customer.get(customer_id, session=session)
            seen_inside.append(found is not None)
            raise RuntimeError("boom")

    # when
    with pytest.raises(RuntimeError, match="boom"):
        await write_then_fail()

    # then
    assert seen_inside == [True]
    assert await Customer.get(customer_id) is None


async def test_record_outcome_writes_the_visit_and_its_follow_ups(
    gql: Any, completed_visit: Visit
) -> None:
    """Tests that recordVisitOutcome stores the outcome and linked follow-ups."""
    # when
    data = await gql(
        RECORD_OUTCOME, input=outcome_input(completed_visit, followUps=FOLLOW_UPS)
    )

    # then
    result = data["recordVisitOutcome"]
    assert result["__typename"] == "VisitPayload"
    assert [f["title"] for f in result["visit"]["outcome"]["followUps"]] == [
        "Send the price list",
        "Book a training day",
    ]
    stored = await Visit.get(completed_visit.id)
    assert stored is not None
    assert stored.outcome is not None
    assert stored.outcome.result == 7.5
    demands = await Demand.find({"source_visit_id": completed_visit.id}).to_list()
    assert sorted(d.id for d in demands) == sorted(stored.outcome.follow_up_demand_ids)
    assert {d.customer_id for d in demands} == {completed_visit.customer_id}
    assert {d.title for d in demands} == {f["title"] for f in FOLLOW_UPS}


async def test_record_outcome_writes_nothing_when_a_follow_up_fails(
    gql: Any, completed_visit: Visit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests that a failing second follow-up insert undoes the outcome and the first."""
    # given: the store refuses the second demand insert
    original = Demand.insert
    calls = 0

    async def flaky_insert(self: Demand, **kwargs: Any) -> Demand:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the store went away")
        return await original(self, **kwargs)

    monkeypatch.setattr(Demand, "insert", flaky_insert)

    # when
    errors = await gql.errors(
        RECORD_OUTCOME, input=outcome_input(completed_visit, followUps=FOLLOW_UPS)
    )

    # then
    assert "the store went away" in errors[0].message
    assert calls == 2
    stored = await Visit.get(completed_visit.id)
    assert stored is not None
    assert stored.outcome is None
    assert revision_of(stored) == revision_of(completed_visit)
    assert await Demand.find({"source_visit_id": completed_visit.id}).count() == 0


async def test_record_outcome_with_a_stale_revision_creates_no_demand(
    gql: Any, completed_visit: Visit
) -> None:
    """Tests that a stale revision is a conflict and no follow-up is written."""
    # given
    stale = outcome_input(completed_visit, followUps=FOLLOW_UPS)
    fresh = outcome_input(completed_visit)
    first = await gql(RECORD_OUTCOME, input=fresh)
    assert first["recordVisitOutcome"]["__typename"] == "VisitPayload"

    # when
    data = await gql(RECORD_OUTCOME, input=stale)

    # then
    assert data["recordVisitOutcome"]["__typename"] == "ConflictError"
    assert data["recordVisitOutcome"]["field"] == "revision"
    assert await Demand.find({"source_visit_id": completed_visit.id}).count() == 0
