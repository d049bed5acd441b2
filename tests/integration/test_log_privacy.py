"""Personal data stays out of the server log, whatever the requests carry."""

from __future__ import annotations

import logging

import pytest

from resolvers import customers
from tests.conftest import signed_in_client
from tests.integration.factories import CREATE_CUSTOMER, customer_input

SENTINELS = ("+49-SENTINEL-5550", "sentinel@pii.test", "Sentinel Person")


async def test_sentinel_personal_data_never_reaches_the_log(db, caplog, monkeypatch):
    """Tests good, refused and failing requests that carry personal data."""
    # given
    caplog.set_level(logging.DEBUG)
    contact = {"name": SENTINELS[2], "phones": [SENTINELS[0]], "emails": [SENTINELS[1]]}
    async with signed_in_client() as client:
        # when: a good write, a refused write, a malformed one and a failing read
        await client.post(
            "/graphql",
            json={
                "query": CREATE_CUSTOMER,
                "variables": {"input": customer_input(contacts=[contact])},
            },
        )
        await client.post(
            "/graphql",
            json={
                "query": CREATE_CUSTOMER,
                "variables": {
                    "input": customer_input(
                        "", contacts=[{**contact, "emails": ["not-an-email"]}]
                    )
                },
            },
        )
        await client.post(
            "/graphql",
            json={"query": f'{{ customers(search: "{SENTINELS[1]}" {{ x }} }}'},
        )

        async def broken(*args, **kwargs):
            raise RuntimeError("failed while reading")

        monkeypatch.setattr(customers, "list_customers", broken)
        await client.post(
            "/graphql",
            json={
                "query": "query($s: String) { customers(search: $s) { totalCount } }",
                "variables": {"s": SENTINELS[2]},
            },
        )
    # then
    assert "RuntimeError" in caplog.text  # the failure was logged, with its type
    for sentinel in SENTINELS:
        assert sentinel not in caplog.text


@pytest.mark.parametrize("size", [1_000_000])
async def test_a_huge_rejected_query_adds_little_to_the_log(db, caplog, size):
    """Tests that a 1 MB malformed query does not write megabytes to the log."""
    # given
    caplog.set_level(logging.DEBUG)
    async with signed_in_client() as client:
        # when
        await client.post("/graphql", json={"query": "{ " + "x" * size})
    # then
    assert len(caplog.text) < 10_000
