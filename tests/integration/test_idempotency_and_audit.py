"""Idempotency keys on creating mutations, and the audit trail of every mutation."""

from __future__ import annotations

from models import AuditRecord, Customer
from models.rep import Role
from resolvers.access import Principal
from resolvers.context import Context
from schema import schema
from tests.conftest import make_user
from tests.integration.factories import CREATE_CUSTOMER, customer_input

UPDATE = """
mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) { __typename } }
"""
TRAIL = """
query($doc: ID) { auditRecords(documentId: $doc) {
  operations outcomes actorId changes { collection action field before after } } }
"""


async def test_a_retry_with_the_same_key_returns_the_first_customer(gql):
    """Tests that one key creates one customer however often it is sent."""
    # given
    data = customer_input(idempotencyKey="order-7f3a")
    # when
    first = await gql(CREATE_CUSTOMER, input=data)
    second = await gql(CREATE_CUSTOMER, input=data)
    # then
    assert (
        second["createCustomer"]["customer"]["id"]
        == first["createCustomer"]["customer"]["id"]
    )
    assert await Customer.count() == 1


async def test_a_key_reused_with_other_input_is_refused(gql):
    """Tests IDEMPOTENCY_KEY_REUSED for the same key with a different request."""
    # given
    await gql(CREATE_CUSTOMER, input=customer_input("First", idempotencyKey="k-1"))
    # when
    again = await gql(
        CREATE_CUSTOMER, input=customer_input("Second", idempotencyKey="k-1")
    )
    # then
    assert again["createCustomer"]["__typename"] == "ConflictError"
    assert again["createCustomer"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await Customer.count() == 1


async def test_a_refused_request_can_be_corrected_under_the_same_key(gql):
    """Tests that a validation error does not burn the key."""
    # when
    bad = await gql(CREATE_CUSTOMER, input=customer_input("", idempotencyKey="k-2"))
    good = await gql(
        CREATE_CUSTOMER, input=customer_input("Fixed", idempotencyKey="k-2")
    )
    # then
    assert bad["createCustomer"]["__typename"] == "ValidationError"
    assert good["createCustomer"]["__typename"] == "CustomerPayload"


async def test_every_mutation_leaves_an_audit_record_without_personal_values(gql):
    """Tests the trail: who, what, changed fields, personal values redacted."""
    # given
    created = await gql(
        CREATE_CUSTOMER,
        input=customer_input(
            contacts=[{"name": "Eva Roth", "emails": ["eva@example.com"]}]
        ),
    )
    customer_id = created["createCustomer"]["customer"]["id"]
    await gql(UPDATE, input={"id": customer_id, "tier": "B", "name": "Renamed"})
    # when
    trail = (await gql(TRAIL, doc=customer_id))["auditRecords"]
    # then
    assert [r["operations"] for r in trail] == [["updateCustomer"], ["createCustomer"]]
    assert trail[0]["outcomes"] == ["CustomerPayload"]
    changes = {c["field"]: c for c in trail[0]["changes"]}
    assert changes["tier"]["before"] == "A"
    assert changes["tier"]["after"] == "B"
    assert changes["name"]["after"] == "[redacted]"
    text = str(trail)
    assert "Eva Roth" not in text
    assert "eva@example.com" not in text
    assert await AuditRecord.count() == 2


async def test_refused_mutations_are_recorded_too(gql):
    """Tests that a refused change leaves a record with its outcome."""
    # when
    await gql(CREATE_CUSTOMER, input=customer_input(""))
    # then
    record = await AuditRecord.find_one()
    assert record.operations == ["createCustomer"]
    assert record.outcomes == ["ValidationError"]
    assert record.changes == []


async def test_only_admins_read_the_trail(db):
    """Tests that a rep asking for the audit trail is refused."""
    # given
    rep = await make_user("rep", "rep@example.com")
    who = Principal(user_id=rep.id, role=Role.REP)
    # when
    result = await schema.execute(
        "{ auditRecords { operations } }", context_value=Context(principal=who)
    )
    # then
    assert result.errors[0].extensions["code"] == "FORBIDDEN"


async def test_the_stored_fingerprint_is_keyed_and_leaves_secrets_out():
    """Tests that no plain hash of the input, password included, is kept."""
    import hashlib
    import json

    from resolvers.idempotency import fingerprint
    from tests.conftest import TEST_SECRET

    # given
    data = {"name": "Ada", "password": "correct horse battery"}
    # when
    stored = fingerprint("createRep", data, TEST_SECRET)
    # then
    plain = json.dumps({"operation": "createRep", "input": data}, sort_keys=True)
    assert stored != hashlib.sha256(plain.encode()).hexdigest()
    assert stored == fingerprint("createRep", {"name": "Ada"}, TEST_SECRET)
    assert stored != fingerprint("createRep", data, "another secret")


async def test_a_retry_after_a_death_between_create_and_note_creates_nothing(
    gql, monkeypatch
):
    """Tests that a request that stored its customer and died before noting it
    under its key gets that customer on retry, once the key counts as abandoned,
    rather than a second one."""
    from models.idempotency import IdempotencyRecord
    from resolvers import idempotency

    # given: the first request stores its customer, then dies before the note
    data = customer_input(idempotencyKey="order-died")
    real_save = IdempotencyRecord.save

    async def die(self, *args, **kwargs):
        return None  # the note never reaches the store

    monkeypatch.setattr(IdempotencyRecord, "save", die)
    first = await gql(CREATE_CUSTOMER, input=data)
    monkeypatch.setattr(IdempotencyRecord, "save", real_save)
    (pending,) = await IdempotencyRecord.find_all().to_list()
    assert pending.result_id is None
    await IdempotencyRecord.get_motor_collection().update_one(
        {"_id": pending.id},
        {"$set": {"created_at": pending.created_at - 2 * idempotency.ABANDONED_AFTER}},
    )
    # when: the client retries after the key counts as abandoned
    second = await gql(CREATE_CUSTOMER, input=data)
    # then
    assert (
        second["createCustomer"]["customer"]["id"]
        == first["createCustomer"]["customer"]["id"]
    )
    assert await Customer.count() == 1
