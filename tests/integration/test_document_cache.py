"""Each distinct document is parsed and validated once (``defenses.documents``),
while every limit still holds on every request."""

from __future__ import annotations

import pytest
import strawberry.schema.schema as strawberry_schema

from defenses.documents import Recent
from settings import Settings
from tests.conftest import anonymous_client, signed_in_client

PRODUCTION = Settings(production=True)


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The query texts graphql-core validated, one entry per validation."""
    seen: list[str] = []
    original = strawberry_schema.validate_document

    def counting(schema, document, rules):  # type: ignore[no-untyped-def]
        seen.append(document.loc.source.body)
        return original(schema, document, rules)

    monkeypatch.setattr(strawberry_schema, "validate_document", counting)
    return seen


async def post(client, query: str, **variables):  # type: ignore[no-untyped-def]
    answer = await client.post(
        "/graphql", json={"query": query, "variables": variables}
    )
    return answer.json()


async def test_a_valid_document_is_validated_once(db, validations) -> None:
    """Tests that the same text sent three times is validated the first time only."""
    query = "query Cached($n: Int) { customers(first: $n) { totalCount } }"
    async with signed_in_client() as client:
        # when
        bodies = [await post(client, query, n=n) for n in (1, 2, 3)]
    # then
    assert all("errors" not in body for body in bodies), bodies
    assert validations.count(query) == 1


async def test_a_document_with_errors_is_validated_every_time(db, validations) -> None:
    """Tests that an invalid text gets its error on every request."""
    query = "{ customers(first: 1) { noSuchField } }"
    async with signed_in_client() as client:
        # when
        bodies = [await post(client, query) for _ in range(2)]
    # then
    for body in bodies:
        assert "noSuchField" in body["errors"][0]["message"]
    assert validations.count(query) == 2


async def test_too_deep_stays_refused_after_a_valid_request(db) -> None:
    """Tests that a known valid text does not let a deeper one through."""
    shallow = "{ customers(first: 1) { nodes { lastVisits(last: 1) { status } } } }"
    deep = (
        "{ customers(first: 1) { nodes { lastVisits(last: 1) { customer {"
        " lastVisits(last: 1) { customer { lastVisits(last: 1) { customer {"
        " lastVisits(last: 1) { customer { lastVisits(last: 1) { customer {"
        " name } } } } } } } } } } } } }"
    )
    async with signed_in_client() as client:
        # when
        first = await post(client, shallow)
        refused = [await post(client, deep) for _ in range(2)]
    # then
    assert "errors" not in first, first
    for body in refused:
        assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_valid_in_development_is_validated_again_in_production(
    db, validations
) -> None:
    """Tests that production's extra rule (no introspection) is not skipped."""
    query = "{ __schema { queryType { name } } }"
    async with anonymous_client() as client:
        development = await post(client, query)
    async with signed_in_client(PRODUCTION) as client:
        # when
        production = [await post(client, query) for _ in range(2)]
    # then
    assert "errors" not in development
    for body in production:
        assert body["errors"][0]["message"].startswith(
            "GraphQL introspection has been disabled"
        )
    assert validations.count(query) == 3


async def test_the_cost_limit_reads_each_requests_variables(db) -> None:
    """Tests that a text known valid is still refused when its variables cost too
    much."""
    query = """
    query Priced($n: Int) {
      customers(first: $n) { nodes { lastVisits(last: 50) { customer { name } } } }
    }"""
    async with signed_in_client() as client:
        # when
        cheap = await post(client, query, n=1)
        dear = await post(client, query, n=100)
    # then
    assert "errors" not in cheap, cheap
    assert dear["errors"][0]["message"] == "Query cost 15301 exceeds limit 10000."


def test_the_least_recently_used_text_is_forgotten_first() -> None:
    """Tests that the caches stay within their size."""
    recent: Recent[str, int] = Recent(maxsize=2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # now b is the least recently used
    recent.put("c", 3)
    assert len(recent) == 2
    assert recent.get("a") == 1
    assert recent.get("c") == 3
    assert recent.get("b") is None


async def test_a_text_is_parsed_once(db, monkeypatch) -> None:
    """Tests that the same text sent twice is parsed the first time only."""
    parsed: list[str] = []
    original = strawberry_schema.parse

    def counting(source, **options):  # type: ignore[no-untyped-def]
        parsed.append(source)
        return original(source, **options)

    monkeypatch.setattr(strawberry_schema, "parse", counting)
    query = "query ParsedOnce { customers(first: 1) { totalCount } }"
    async with signed_in_client() as client:
        # when
        bodies = [await post(client, query) for _ in range(2)]
    # then
    assert all("errors" not in body for body in bodies), bodies
    assert parsed.count(query) == 1


async def test_a_text_that_does_not_parse_is_refused_every_time(db) -> None:
    """Tests that a syntax error is no document to keep."""
    query = "{ customers(first: 1) { totalCount }"
    async with signed_in_client() as client:
        # when
        bodies = [await post(client, query) for _ in range(2)]
    # then
    for body in bodies:
        assert body["errors"][0]["message"].startswith("Syntax Error")
