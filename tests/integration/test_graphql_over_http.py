"""GraphQL over HTTP: media types, status codes, and JSON bodies for every refusal.

The rules are the GraphQL-over-HTTP draft's (graphql_http.py): answers in
``application/graphql-response+json`` when the client accepts it, with 400 for
request errors; ``application/json`` answers keep 200 for every GraphQL answer.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from graphql_http import GRAPHQL_RESPONSE_JSON, JSON, negotiate
from resolvers import customers
from settings import Settings
from tests.conftest import TEST_SECRET, signed_in_client
from tests.integration.test_defenses_http import anonymous

QUERY = "{ customers(first: 1) { totalCount } }"
GR = {"accept": GRAPHQL_RESPONSE_JSON}
APOLLO = {"accept": "application/graphql-response+json,application/json;q=0.9"}
LEGACY = {"accept": JSON}


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("*/*", JSON),
        (JSON, JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json; charset=utf-8", GRAPHQL_RESPONSE_JSON),
        (APOLLO["accept"], GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json;q=0.5", JSON),
        ("application/graphql-response+json;q=0.5, */*", JSON),
        ("application/graphql-response+json;q=0", JSON),
        ("text/html", JSON),
    ],
)
def test_the_answer_takes_the_media_type_the_client_prefers(accept, media_type):
    """Tests Accept negotiation: graphql-response+json only when preferred."""
    assert negotiate(accept) == media_type


@pytest.mark.parametrize(
    ("headers", "content_type"),
    [
        ({}, "application/json; charset=utf-8"),
        ({"accept": "*/*"}, "application/json; charset=utf-8"),
        (LEGACY, "application/json; charset=utf-8"),
        (GR, "application/graphql-response+json; charset=utf-8"),
        (APOLLO, "application/graphql-response+json; charset=utf-8"),
    ],
    ids=["none", "any", "json", "graphql-response", "apollo-client"],
)
async def test_answers_are_sent_in_the_negotiated_media_type(db, headers, content_type):
    """Tests that a successful answer carries the media type the client accepts."""
    # when
    async with signed_in_client() as client:
        response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
    # then
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.json() == {"data": {"customers": {"totalCount": 0}}}


#: (request body, the code of its error): GraphQL request errors, where nothing ran.
REQUEST_ERRORS = [
    ({"query": "{ customers(first: 1) { totalCount "}, "GRAPHQL_PARSE_FAILED"),
    ({"query": "{ customers(first: 1) { nope } }"}, "GRAPHQL_VALIDATION_FAILED"),
    (
        {"query": "query Q($n: Int!) { customers(first: $n) { totalCount } }"},
        "VALIDATION",
    ),
    (
        {
            "query": "query Q($n: Int!) { customers(first: $n) { totalCount } }",
            "variables": {"n": "ten"},
        },
        "VALIDATION",
    ),
    (
        {
            "query": "{ customers(first: 100) { nodes { lastVisits(last: 100) { "
            "customer { name } } } } }"
        },
        "GRAPHQL_VALIDATION_FAILED",
    ),
]
REQUEST_ERROR_IDS = ["parse", "validation", "missing-variable", "bad-variable", "cost"]


@pytest.mark.parametrize(("body", "code"), REQUEST_ERRORS, ids=REQUEST_ERROR_IDS)
async def test_request_errors_are_400_without_data_in_graphql_response_json(
    db, body, code
):
    """Tests that a document that never ran answers 400 and no data entry."""
    # when
    async with signed_in_client() as client:
        response = await client.post("/graphql", json=body, headers=APOLLO)
    # then
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE_JSON)
    answer = response.json()
    assert "data" not in answer
    assert answer["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize(("body", "code"), REQUEST_ERRORS, ids=REQUEST_ERROR_IDS)
async def test_request_errors_stay_200_in_application_json(db, body, code):
    """Tests the legacy behaviour: application/json answers 200 with data null."""
    # when
    async with signed_in_client() as client:
        response = await client.post("/graphql", json=body, headers=LEGACY)
    # then
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == code


async def test_field_errors_are_200_in_graphql_response_json(db):
    """Tests that an answer from execution is 200 even when a field refused."""
    # when
    async with anonymous() as client:
        response = await client.post("/graphql", json={"query": QUERY}, headers=GR)
    # then
    assert response.status_code == 200
    answer = response.json()
    assert "data" in answer
    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_fault_before_execution_is_500_in_graphql_response_json(
    db, monkeypatch
):
    """Tests that a request stopped by the server's own fault is not called 400."""
    # given
    from schema.audit import AuditTrail

    def broken(self):
        raise RuntimeError("broken extension")

    async with signed_in_client(Settings(production=True)) as client:
        monkeypatch.setattr(AuditTrail, "on_operation", broken)
        # when
        response = await client.post("/graphql", json={"query": QUERY}, headers=GR)
    # then
    assert response.status_code == 500
    assert response.json()["errors"][0]["extensions"]["code"] == (
        "INTERNAL_SERVER_ERROR"
    )


def _request(method, content=None, content_type=None, params=None):
    return {
        "method": method,
        "content": content,
        "content_type": content_type,
        "params": params,
    }


POST_JSON = "application/json"
#: (request, status, code): every refusal before a document runs.
REFUSALS = [
    (_request("POST", "{broken", POST_JSON), 400, "BAD_REQUEST"),
    (_request("POST", "", POST_JSON), 400, "BAD_REQUEST"),
    (_request("POST", "null", POST_JSON), 400, "BAD_REQUEST"),
    (_request("POST", '{"query": 5}', POST_JSON), 400, "BAD_REQUEST"),
    (_request("POST", '{"query": "{ __typename }", "variables": []}', POST_JSON), 400, "BAD_REQUEST"),
    (_request("POST", '{"query": "{ __typename }", "extensions": 5}', POST_JSON), 400, "BAD_REQUEST"),
    (_request("POST", '{"query": "{ __typename }", "operationName": 5}', POST_JSON), 400, "BAD_REQUEST"),
    (_request("POST", '{"query": "{ __typename }", "operationName": "Other"}', POST_JSON), 400, "BAD_REQUEST"),
    (_request("POST", '{"variables": {}}', POST_JSON), 400, "BAD_REQUEST"),
    (_request("POST", '[{"query": "{ __typename }"}]', POST_JSON), 400, "BAD_REQUEST"),
    (_request("POST", '{"query": "{ __typename }"}', "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE"),
    (_request("POST", '{"query": "{ __typename }"}'), 415, "UNSUPPORTED_MEDIA_TYPE"),
    (_request("POST", "query={ __typename }", "application/x-www-form-urlencoded"), 415, "UNSUPPORTED_MEDIA_TYPE"),
    (_request("GET", params={"query": 'mutation { signOut(refreshToken: "x") }'}), 405, "METHOD_NOT_ALLOWED"),
    (_request("GET", params={"query": "{ __typename }", "variables": "{x"}), 400, "BAD_REQUEST"),
    (_request("PUT", '{"query": "{ __typename }"}', POST_JSON), 405, "METHOD_NOT_ALLOWED"),
    (_request("DELETE"), 405, "METHOD_NOT_ALLOWED"),
    (_request("PATCH", '{"query": "{ __typename }"}', POST_JSON), 405, "METHOD_NOT_ALLOWED"),
    (_request("OPTIONS"), 405, "METHOD_NOT_ALLOWED"),
    (_request("POST", json.dumps({"query": "{ __typename }", "pad": "x" * 3_000_000}), POST_JSON), 413, "PAYLOAD_TOO_LARGE"),
]  # fmt: skip
REFUSAL_IDS = [
    "broken-json",
    "empty-body",
    "null-body",
    "query-number",
    "variables-list",
    "extensions-number",
    "operation-name-number",
    "unknown-operation",
    "no-query",
    "batch",
    "text-plain",
    "no-content-type",
    "form",
    "mutation-over-get",
    "get-variables-broken",
    "put",
    "delete",
    "patch",
    "options-without-preflight",
    "too-large",
]


@pytest.mark.parametrize("accept", [None, JSON, GRAPHQL_RESPONSE_JSON])
@pytest.mark.parametrize(("request_", "status", "code"), REFUSALS, ids=REFUSAL_IDS)
async def test_every_refusal_is_a_json_error_with_a_code(
    db, accept, request_, status, code
):
    """Tests that no refusal answers text/plain: one coded error, no data, in the
    accepted media type."""
    # given
    headers = {"accept": accept} if accept else {}
    if request_["content_type"]:
        headers["content-type"] = request_["content_type"]
    async with anonymous() as client:
        # when
        response = await client.request(
            request_["method"],
            "/graphql",
            content=request_["content"],
            params=request_["params"],
            headers=headers,
        )
    # then
    assert response.status_code == status, response.text
    media_type = GRAPHQL_RESPONSE_JSON if accept == GRAPHQL_RESPONSE_JSON else JSON
    assert response.headers["content-type"] == f"{media_type}; charset=utf-8"
    answer = response.json()
    assert list(answer) == ["errors"]
    (error,) = answer["errors"]
    assert set(error) == {"message", "extensions"}
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["extensions"] == {"code": code}


@pytest.mark.parametrize(
    ("method", "params", "allow"),
    [
        ("GET", {"query": 'mutation { signOut(refreshToken: "x") }'}, "POST"),
        ("PUT", None, "GET, POST"),
        ("DELETE", None, "GET, POST"),
    ],
)
async def test_method_refusals_say_which_methods_are_allowed(db, method, params, allow):
    """Tests that 405 answers carry an Allow header."""
    # when
    async with anonymous() as client:
        response = await client.request(method, "/graphql", params=params)
    # then
    assert response.status_code == 405
    assert response.headers["allow"] == allow


async def test_a_disabled_ide_is_a_json_404(db):
    """Tests that production's missing GraphiQL answers a coded JSON 404."""
    # when
    async with anonymous(Settings(production=True, secret=TEST_SECRET)) as client:
        response = await client.get("/graphql", headers={"accept": "text/html"})
    # then
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_get_with_only_a_persisted_hash_is_an_operation_not_the_ide(db):
    """Tests that Accept: */* on a hash-only GET runs it instead of showing GraphiQL."""
    # given
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    # when
    async with anonymous() as client:
        response = await client.get(
            "/graphql",
            params={"extensions": json.dumps(extensions)},
            headers={"accept": "*/*"},
        )
    # then
    assert response.headers["content-type"].startswith(JSON)
    assert response.json()["errors"][0]["message"] == "PersistedQueryNotFound"


async def test_a_timeout_is_504_in_the_accepted_media_type(db, monkeypatch):
    """Tests that the timeout's answer is in graphql-response+json when asked."""

    # given
    async def slow(*args, **kwargs):
        await asyncio.sleep(30)

    monkeypatch.setattr(customers, "list_customers", slow)
    async with signed_in_client(Settings(request_timeout_s=0.3)) as client:
        # when
        response = await client.post("/graphql", json={"query": QUERY}, headers=GR)
    # then
    assert response.status_code == 504
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE_JSON)
    assert response.json() == {
        "errors": [
            {
                "message": "The request took longer than 0.3 s and was stopped.",
                "extensions": {"code": "TIMEOUT"},
            }
        ]
    }
