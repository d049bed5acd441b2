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


async def test_a_variable_of_the_wrong_type_is_not_logged_as_a_fault(db, caplog):
    """Tests that a bad variable is answered VALIDATION and its value never logged."""
    # given
    caplog.set_level(logging.DEBUG)
    async with signed_in_client() as client:
        # when
        response = await client.post(
            "/graphql",
            json={
                "query": "query($n: Int) { customers(first: $n) { totalCount } }",
                "variables": {"n": SENTINELS[1]},
            },
        )
    # then
    assert response.json()["errors"][0]["extensions"] == {"code": "VALIDATION"}
    assert "unexpected error" not in caplog.text
    assert SENTINELS[1] not in caplog.text


async def test_the_access_log_leaves_out_the_query_string(db, caplog):
    """Tests that a GET query with variables reaches the access log as its path."""
    # given
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    access = logging.getLogger("uvicorn.access")
    access.addHandler(caplog.handler)  # uvicorn may have stopped its propagation
    async with signed_in_client():
        # when: uvicorn's access-log call for a GET request
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            f"/graphql?query=%7Bme%7D&variables=%7B%22e%22%3A%22{SENTINELS[1]}%22%7D",
            "1.1",
            200,
        )
    access.removeHandler(caplog.handler)
    # then
    assert '"GET /graphql HTTP/1.1" 200' in caplog.text
    assert SENTINELS[1] not in caplog.text
