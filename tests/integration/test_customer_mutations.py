"""Customer and contact mutations through the schema."""

from __future__ import annotations

import pytest

from models import Customer
from tests.integration.factories import (
    CREATE_CUSTOMER,
    customer_input,
    make_customer,
    make_rep,
)

UPDATE = """
mutation Update($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) {
    __typename
    ... on CustomerPayload { customer { id revision name tier tags owner { email } } }
    ... on Error { code field message }
  }
}
"""

ARCHIVE = """
mutation Archive($input: ArchiveCustomerInput!) {
  archiveCustomer(input: $input) {
    __typename
    ... on CustomerPayload { customer { status } }
    ... on Error { code field }
  }
}
"""

ADD_CONTACT = """
mutation Add($input: AddContactInput!) {
  addContact(input: $input) {
    __typename
    ... on CustomerPayload { customer { revision contacts { id name role emails } } }
    ... on Error { code field message }
  }
}
"""

UPDATE_CONTACT = """
mutation Change($input: UpdateContactInput!) {
  updateContact(input: $input) {
    __typename
    ... on CustomerPayload { customer { contacts { id name role emails } } }
    ... on Error { code field message }
  }
}
"""

REMOVE_CONTACT = """
mutation Remove($input: RemoveContactInput!) {
  removeContact(input: $input) {
    __typename
    ... on CustomerPayload { customer { contacts { id } } }
    ... on Error { code field message }
  }
}
"""


async def test_create_customer_stores_the_full_profile(gql):
    """Tests that createCustomer stores and returns every part of the profile."""
    # given
    rep = await make_rep(gql)
    extra = {
        "ownerId": rep["id"],
        "tags": ["pharmacy", "key-account"],
        "contacts": [
            {
                "name": "Eva Roth",
                "emails": ["eva@example.com"],
                "phones": ["+49 89 1234"],
                "preferredChannel": "EMAIL",
            }
        ],
        "customFields": [
            {"key": "annualRevenueEur", "value": {"number": 125000}},
            {"key": "hasFridge", "value": {"bool": True}},
        ],
    }
    # when
    data = await gql(CREATE_CUSTOMER, input=customer_input(**extra))
    # then
    result = data["createCustomer"]
    assert result["__typename"] == "CustomerPayload"
    customer = result["customer"]
    assert customer["owner"] == {"name": "Anna Berger"}
    assert customer["contacts"][0]["preferredChannel"] == "EMAIL"
    assert customer["addresses"][0]["location"] == {"lat": 48.137, "lng": 11.575}
    assert customer["openingHours"][0]["intervals"][1] == {
        "start": "13:00",
        "end": "18:00",
    }
    assert {
        "key": "hasFridge",
        "string": None,
        "number": None,
        "bool": True,
        "date": None,
    } in customer["customFields"]
    assert await Customer.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"addresses": [{"location": {"lat": 91, "lng": 0}}]}, "addresses.0.location"),
        (
            {"addresses": [{"location": {"lat": 0, "lng": -181}}]},
            "addresses.0.location",
        ),
        ({"timeZone": "Mars/Olympus"}, "timeZone"),
        (
            {
                "openingHours": [
                    {
                        "weekday": "MONDAY",
                        "intervals": [{"start": "18:00", "end": "08:00"}],
                    }
                ]
            },
            "openingHours.0",
        ),
        (
            {
                "openingHours": [
                    {
                        "weekday": "MONDAY",
                        "intervals": [{"start": "8am", "end": "12:00"}],
                    }
                ]
            },
            "openingHours.0",
        ),
        (
            {"contacts": [{"name": "X", "emails": ["not-an-email"]}]},
            "contacts.0.emails.0",
        ),
        (
            {"customFields": [{"key": "9bad", "value": {"string": "x"}}]},
            "customFields.0.key",
        ),
        ({"ownerId": "UmVwOjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMA=="}, "ownerId"),
    ],
)
async def test_create_customer_refuses_bad_input_and_writes_nothing(gql, change, field):
    """Tests that invalid input comes back as a typed error naming the field."""
    # when
    data = await gql(CREATE_CUSTOMER, input=customer_input(**change))
    # then
    result = data["createCustomer"]
    assert result["__typename"] in {"ValidationError", "NotFoundError"}, result
    assert result["field"].startswith(field), result
    assert await Customer.count() == 0


async def test_update_with_stale_revision_is_a_conflict_and_keeps_the_first_change(gql):
    """Tests optimistic concurrency: a stale revision never overwrites a newer change."""
    # given
    customer = await make_customer(gql)
    first = await gql(
        UPDATE,
        input={"id": customer["id"], "revision": customer["revision"], "name": "First"},
    )
    assert first["updateCustomer"]["__typename"] == "CustomerPayload"
    # when
    second = await gql(
        UPDATE,
        input={
            "id": customer["id"],
            "revision": customer["revision"],
            "name": "Second",
        },
    )
    # then
    assert second["updateCustomer"]["__typename"] == "ConflictError"
    assert second["updateCustomer"]["code"] == "CONFLICT"
    stored = await Customer.find_one()
    assert stored is not None
    assert stored.name == "First"
    assert first["updateCustomer"]["customer"]["revision"] != customer["revision"]


async def test_update_changes_only_the_fields_sent(gql):
    """Tests that a partial update leaves the other fields as they were."""
    # given
    customer = await make_customer(gql, tags=["retail"])
    rep = await make_rep(gql)
    # when
    data = await gql(
        UPDATE, input={"id": customer["id"], "tier": "B", "ownerId": rep["id"]}
    )
    # then
    updated = data["updateCustomer"]["customer"]
    assert updated["tier"] == "B"
    assert updated["tags"] == ["retail"]
    assert updated["name"] == "Apotheke am Markt"
    assert updated["owner"] == {"email": "anna.berger@example.com"}


async def test_update_of_unknown_customer_is_not_found(gql):
    """Tests that updating a customer that does not exist gives NOT_FOUND."""
    # when
    data = await gql(
        UPDATE,
        input={"id": "Q3VzdG9tZXI6NjUwMDAwMDAwMDAwMDAwMDAwMDAwMDAw", "name": "X"},
    )
    # then
    assert data["updateCustomer"]["__typename"] == "NotFoundError"


async def test_update_refuses_an_id_of_another_type(gql):
    """Tests that a rep's id is not accepted where a customer's is expected."""
    # given
    rep = await make_rep(gql)
    # when
    data = await gql(UPDATE, input={"id": rep["id"], "name": "X"})
    # then
    assert data["updateCustomer"] == {
        "__typename": "ValidationError",
        "code": "VALIDATION",
        "field": "id",
        "message": "id: expected a Customer id, got a Rep id",
    }


async def test_archive_hides_the_customer_from_the_default_list(gql):
    """Tests that archived customers leave the list unless asked for."""
    # given
    customer = await make_customer(gql)
    await make_customer(gql, "Other")
    # when
    data = await gql(ARCHIVE, input={"id": customer["id"]})
    listed = await gql("{ customers { totalCount nodes { name } } }")
    archived = await gql(
        "{ customers(filter: {statuses: [ARCHIVED]}) { nodes { name } } }"
    )
    # then
    assert data["archiveCustomer"]["customer"]["status"] == "ARCHIVED"
    assert listed["customers"] == {"totalCount": 1, "nodes": [{"name": "Other"}]}
    assert archived["customers"]["nodes"] == [{"name": "Apotheke am Markt"}]


async def test_contacts_are_added_changed_and_removed(gql):
    """Tests the contact lifecycle on a customer."""
    # given
    customer = await make_customer(gql)
    # when
    added = await gql(
        ADD_CONTACT,
        input={
            "customerId": customer["id"],
            "contact": {"name": "Jonas Weber", "role": "Owner"},
        },
    )
    contact = added["addContact"]["customer"]["contacts"][0]
    changed = await gql(
        UPDATE_CONTACT,
        input={
            "customerId": customer["id"],
            "contactId": contact["id"],
            "changes": {"role": "Purchasing", "emails": ["jonas@example.com"]},
        },
    )
    removed = await gql(
        REMOVE_CONTACT, input={"customerId": customer["id"], "contactId": contact["id"]}
    )
    # then
    assert changed["updateContact"]["customer"]["contacts"] == [
        {
            "id": contact["id"],
            "name": "Jonas Weber",
            "role": "Purchasing",
            "emails": ["jonas@example.com"],
        }
    ]
    assert removed["removeContact"]["customer"]["contacts"] == []


async def test_contact_changes_are_validated(gql):
    """Tests that a bad contact change is refused and nothing changes."""
    # given
    customer = await make_customer(gql, contacts=[{"name": "Eva Roth"}])
    contact_id = customer["contacts"][0]["id"]
    # when
    bad = await gql(
        UPDATE_CONTACT,
        input={
            "customerId": customer["id"],
            "contactId": contact_id,
            "changes": {"emails": ["nope"]},
        },
    )
    missing = await gql(
        REMOVE_CONTACT,
        input={"customerId": customer["id"], "contactId": "650000000000000000000000"},
    )
    # then
    assert bad["updateContact"]["__typename"] == "ValidationError"
    assert missing["removeContact"]["__typename"] == "NotFoundError"
    assert missing["removeContact"]["field"] == "contactId"
    stored = await Customer.find_one()
    assert stored is not None
    assert stored.contacts[0].emails == []
