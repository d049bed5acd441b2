"""Transactions that lose a write conflict run again, a bounded number of times.

The races themselves need a store with transactions (tests/store/test_calendar_race.py);
these tests drive ``in_transaction`` with the errors MongoDB sends.
"""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError, OperationFailure

from models import Customer, RepCalendar
from resolvers import audit, common
from resolvers.common import in_transaction, lock_calendars, transient
from resolvers.errors import Conflict


def write_conflict(labelled: bool = True) -> OperationFailure:
    """The error a store answers a transaction's conflicting write with."""
    details: dict[str, Any] = {"code": 112, "errmsg": "WriteConflict"}
    if labelled:
        details["errorLabels"] = ["TransientTransactionError"]
    return OperationFailure("WriteConflict", code=112, details=details)


@pytest.fixture(autouse=True)
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run again without waiting."""
    monkeypatch.setattr(common, "TRANSACTION_BACKOFF_S", 0.0)


def test_transient_errors_are_the_labelled_ones_and_write_conflicts() -> None:
    """Tests which store errors count as "run the transaction again"."""
    labelled = OperationFailure(
        "x", code=251, details={"errorLabels": ["TransientTransactionError"]}
    )
    assert transient(labelled)
    assert transient(write_conflict(labelled=False))
    assert not transient(DuplicateKeyError("dup", code=11000))
    assert not transient(Conflict("stale"))
    assert not transient(ValueError("x"))


async def test_a_lost_run_is_run_again_and_its_audit_notes_dropped(db: Any) -> None:
    """Tests that a write conflict runs the work again, and the trail keeps only
    the notes of the run that committed."""
    # given
    audit.start()
    runs: list[int] = []

    async def work(session: Any) -> str:
        runs.append(len(runs))
        audit.note(Customer(name=f"run {len(runs)}"), "created", None)
        if len(runs) < 3:
            raise write_conflict()
        return "done"

    # when
    answer = await in_transaction(Customer, work)

    # then
    assert answer == "done"
    assert runs == [0, 1, 2]
    notes = [c.after for c in audit._changes.get() or [] if c.field == "name"]
    assert len(notes) == 1


async def test_endless_conflicts_end_in_a_conflict_error(db: Any) -> None:
    """Tests that after the last attempt the caller gets Conflict, not the
    store's error."""
    # given
    runs: list[int] = []

    async def work(session: Any) -> None:
        runs.append(1)
        raise write_conflict()

    # when
    with pytest.raises(Conflict, match="try again"):
        await in_transaction(Customer, work, attempts=4)

    # then
    assert len(runs) == 4


async def test_other_errors_are_not_run_again(db: Any) -> None:
    """Tests that a refusal or a fault inside the work ends it at once."""
    # given
    runs: list[int] = []

    async def work(session: Any) -> None:
        runs.append(1)
        raise Conflict("stale revision")

    # when
    with pytest.raises(Conflict, match="stale revision"):
        await in_transaction(Customer, work)

    # then
    assert runs == [1]


async def test_lock_calendars_writes_one_document_per_rep(db: Any) -> None:
    """Tests that each lock writes the rep's calendar document, once per rep."""
    # given
    from beanie import PydanticObjectId

    a, b = PydanticObjectId(), PydanticObjectId()

    # when
    await lock_calendars([a, b, a], None)
    await lock_calendars([a], None)

    # then
    docs = {d.id: d.changes for d in await RepCalendar.find_all().to_list()}
    assert docs == {a: 2, b: 1}
