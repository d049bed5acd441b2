"""Automatic persisted queries as Apollo's link uses them, and the allow-list mode."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import httpx
import pytest

from models import PersistedQuery
from models.common import as_utc, utc_now
from models.persisted_query import KEEP_SECONDS
from resolvers import persisted
from resolvers.persisted import load_manifest, sha256
from server import create_app
from settings import Settings
from tests.conftest import TEST_SECRET, sign_in, signed_in_client

QUERY = "query Count { customers(first: 1) { totalCount } }"
HASH = sha256(QUERY)
ANSWER = {"data": {"customers": {"totalCount": 0}}}
APOLLO = {"accept": "application/graphql-response+json,application/json;q=0.9"}


def extensions(digest: str = HASH, version: int = 1) -> dict:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


async def hashed_get(client, digest: str = HASH, **params):
    """The request Apollo's link sends first with useGETForHashedQueries."""
    return await client.get(
        "/graphql",
        params={
            "operationName": "Count",
            "variables": "{}",
            "extensions": json.dumps(extensions(digest)),
            **params,
        },
        headers=APOLLO,
    )


async def test_an_unknown_hash_asks_for_the_query(db):
    """Tests Apollo's PersistedQueryNotFound: 200, the message and code its link
    retries on, and an answer no cache keeps."""
    # when
    async with signed_in_client() as client:
        got = await hashed_get(client)
        posted = await client.post("/graphql", json={"extensions": extensions()})
    # then
    for response in (got, posted):
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-cache, must-revalidate"
        assert response.json() == {
            "errors": [
                {
                    "message": "PersistedQueryNotFound",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
                }
            ]
        }


async def test_the_apollo_link_round_trip(db):
    """Tests the link's sequence: hash by GET, not found; hash and query by POST,
    answered and registered; hash by GET again, answered from the cache."""
    # given
    async with signed_in_client() as client:
        # when
        first = await hashed_get(client)
        retry = await client.post(
            "/graphql",
            json={
                "operationName": "Count",
                "variables": {},
                "extensions": extensions(),
                "query": QUERY,
            },
            headers=APOLLO,
        )
        again = await hashed_get(client)
    # then
    assert first.json()["errors"][0]["extensions"]["code"] == (
        "PERSISTED_QUERY_NOT_FOUND"
    )
    assert retry.json() == ANSWER
    assert again.status_code == 200
    assert again.json() == ANSWER
    assert [(p.hash, p.query) for p in await PersistedQuery.find_all().to_list()] == [
        (HASH, QUERY)
    ]


async def test_servers_on_one_store_share_the_cache(db):
    """Tests that a hash registered through one server runs through another."""
    # given
    async with signed_in_client() as one:
        await one.post("/graphql", json={"query": QUERY, "extensions": extensions()})
        token = one.headers["Authorization"]
    other = create_app(Settings(secret=TEST_SECRET), connect=False)
    transport = httpx.ASGITransport(app=other)
    async with httpx.AsyncClient(transport=transport, base_url="http://b") as two:
        two.headers["Authorization"] = token
        # when
        response = await hashed_get(two)
    # then
    assert response.json() == ANSWER


async def test_a_hash_that_does_not_match_its_query_is_refused(db):
    """Tests that a query cannot be registered under another query's hash."""
    # given
    other = "query Count { reps(first: 1) { totalCount } }"
    async with signed_in_client() as client:
        # when
        response = await client.post(
            "/graphql", json={"query": other, "extensions": extensions()}
        )
        later = await hashed_get(client)
    # then
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "message": "provided sha does not match query",
        "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"},
    }
    assert later.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert await PersistedQuery.count() == 0


@pytest.mark.parametrize(
    ("persisted_query", "message"),
    [
        ({"version": 2, "sha256Hash": HASH}, "Unsupported persisted query version"),
        ({"version": 1}, "extensions.persistedQuery.sha256Hash must be a string"),
        ("abc", "extensions.persistedQuery must be an object"),
    ],
    ids=["version-2", "no-hash", "not-an-object"],
)
async def test_malformed_persisted_query_extensions_are_400(
    db, persisted_query, message
):
    """Tests that an extension Apollo would refuse is a coded 400."""
    # when
    async with signed_in_client() as client:
        response = await client.post(
            "/graphql",
            json={"query": QUERY, "extensions": {"persistedQuery": persisted_query}},
        )
    # then
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "message": message,
        "extensions": {"code": "BAD_REQUEST"},
    }


async def test_a_document_that_fails_validation_is_not_registered(db):
    """Tests that only documents that pass validation (and every limit) are kept."""
    # given
    invalid = "{ customers(first: 1) { nope } }"
    async with signed_in_client() as client:
        # when
        response = await client.post(
            "/graphql",
            json={"query": invalid, "extensions": extensions(sha256(invalid))},
        )
    # then
    assert response.json()["errors"][0]["extensions"]["code"] == (
        "GRAPHQL_VALIDATION_FAILED"
    )
    assert await PersistedQuery.count() == 0


async def test_a_persisted_mutation_over_get_is_405(db):
    """Tests that a mutation's hash sent by GET is refused like its text would be."""
    # given
    mutation = 'mutation Out { signOut(refreshToken: "x") }'
    async with signed_in_client() as client:
        await client.post(
            "/graphql",
            json={"query": mutation, "extensions": extensions(sha256(mutation))},
        )
        # when
        response = await hashed_get(client, sha256(mutation), operationName="Out")
    # then
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_the_cache_keeps_the_most_recently_used_entries(db, monkeypatch):
    """Tests the count bound: past MAX_ENTRIES the least recently used go."""
    # given
    monkeypatch.setattr(persisted, "MAX_ENTRIES", 3)
    queries = [f"{{ a{n}: __typename }}" for n in range(5)]
    async with signed_in_client() as client:
        # when
        for query in queries:
            await client.post(
                "/graphql",
                json={"query": query, "extensions": extensions(sha256(query))},
            )
    # then
    kept = {p.query for p in await PersistedQuery.find_all().to_list()}
    assert kept == set(queries[2:])


async def test_an_expired_entry_is_not_served(db):
    """Tests the age bound: an entry unused for longer than the TTL is unknown, even
    before the store's TTL monitor deletes it."""
    # given
    stale = utc_now() - timedelta(seconds=KEEP_SECONDS + 60)
    await PersistedQuery(hash=HASH, query=QUERY, used_at=stale).insert()
    async with signed_in_client() as client:
        # when
        response = await hashed_get(client)
    # then
    assert response.json()["errors"][0]["message"] == "PersistedQueryNotFound"


async def test_a_hit_refreshes_an_entry_once_a_day(db):
    """Tests that a used entry's age restarts (at most one write a day)."""
    # given
    old = utc_now() - timedelta(days=3)
    await PersistedQuery(hash=HASH, query=QUERY, used_at=old).insert()
    async with signed_in_client() as client:
        # when
        response = await hashed_get(client)
    # then
    assert response.json() == ANSWER
    entry = await PersistedQuery.find_one(PersistedQuery.hash == HASH)
    assert as_utc(entry.used_at) > utc_now() - timedelta(minutes=1)


async def test_the_cache_is_bounded_by_a_ttl_index(db):
    """Tests that the collection expires entries on last use, and hashes are unique."""
    # when
    indexes = await PersistedQuery.get_motor_collection().index_information()
    # then
    by_key = {tuple(i["key"]): i for i in indexes.values()}
    assert by_key[(("used_at", 1),)]["expireAfterSeconds"] == KEEP_SECONDS
    assert by_key[(("hash", 1),)]["unique"] is True


# --- the allow-list ---------------------------------------------------------

LISTED = "query Listed { customers(first: 2) { totalCount } }"
LISTED_ID = sha256(LISTED)


@pytest.fixture
def manifest(tmp_path):
    """A manifest holding one query, by its hash."""
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({LISTED_ID: LISTED}), encoding="utf-8")
    return path


async def listed_client(path):
    """A signed-in client on a server that runs only the manifest's documents.

    Signs in through a server without the list (signIn is not in it).
    """
    settings = Settings(secret=TEST_SECRET, persisted_documents=path)
    app = create_app(settings, connect=False)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    )
    open_app = create_app(
        dataclasses.replace(settings, persisted_documents=None), connect=False
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=open_app), base_url="http://t"
    ) as opener:
        await sign_in(opener)
        client.headers["Authorization"] = opener.headers["Authorization"]
    return client


async def test_listed_documents_run_by_hash_or_by_text(db, manifest):
    """Tests that a listed document runs by its id, by its exact text, or both."""
    # given
    client = await listed_client(manifest)
    async with client:
        # when
        by_hash = await hashed_get(client, LISTED_ID, operationName="Listed")
        by_text = await client.post("/graphql", json={"query": LISTED})
        both = await client.post(
            "/graphql", json={"query": LISTED, "extensions": extensions(LISTED_ID)}
        )
    # then
    for response in (by_hash, by_text, both):
        assert response.json() == ANSWER, response.text


async def test_every_other_document_is_refused_with_a_code(db, manifest):
    """Tests that unknown hashes, other texts and APQ registrations are refused and
    nothing is registered."""
    # given
    client = await listed_client(manifest)
    async with client:
        # when
        unknown = await hashed_get(client, HASH)
        other = await client.post("/graphql", json={"query": QUERY}, headers=APOLLO)
        register = await client.post(
            "/graphql", json={"query": QUERY, "extensions": extensions(HASH)}
        )
        swapped = await client.post(
            "/graphql", json={"query": QUERY, "extensions": extensions(LISTED_ID)}
        )
    # then
    assert (unknown.status_code, unknown.json()["errors"][0]["extensions"]) == (
        404,
        {"code": "PERSISTED_QUERY_NOT_IN_LIST"},
    )
    assert (other.status_code, other.json()["errors"][0]["extensions"]) == (
        403,
        {"code": "QUERY_NOT_IN_SAFELIST"},
    )
    assert register.json()["errors"][0]["extensions"]["code"] == (
        "PERSISTED_QUERY_NOT_IN_LIST"
    )
    assert swapped.json()["errors"][0]["extensions"]["code"] == (
        "PERSISTED_QUERY_HASH_MISMATCH"
    )
    assert "data" not in other.json()
    assert await PersistedQuery.count() == 0


def test_apollos_manifest_format_is_read(tmp_path):
    """Tests the format @apollo/generate-persisted-query-manifest writes."""
    # given
    path = tmp_path / "persisted-query-manifest.json"
    path.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [
                    {"id": LISTED_ID, "name": "Listed", "type": "query", "body": LISTED}
                ],
            }
        ),
        encoding="utf-8",
    )
    # when
    read = load_manifest(path)
    # then
    assert read.by_id == {LISTED_ID: LISTED}
    assert read.hashes == {LISTED_ID}


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "No such file"),
        ("{not json", "Expecting property name"),
        ("[]", "expected a non-empty object"),
        ('{"abc": 5}', "is not id: text"),
        ('{"abc": "{ customers { "}', "abc: Syntax Error"),
    ],
    ids=["missing", "not-json", "list", "not-text", "does-not-parse"],
)
def test_a_bad_manifest_stops_the_server_from_starting(tmp_path, content, says):
    """Tests that a wrong manifest is one clear error at start, naming the setting."""
    # given
    path = tmp_path / "documents.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    # when / then
    with pytest.raises(RuntimeError, match="VISITPLAN_PERSISTED_DOCUMENTS") as error:
        create_app(Settings(persisted_documents=path), connect=False)
    assert says in str(error.value)


def test_the_manifest_comes_from_the_environment(monkeypatch, tmp_path):
    """Tests that VISITPLAN_PERSISTED_DOCUMENTS names the manifest (none by default)."""
    # when
    default = Settings.from_env().persisted_documents
    monkeypatch.setenv("VISITPLAN_PERSISTED_DOCUMENTS", str(tmp_path / "docs.json"))
    configured = Settings.from_env().persisted_documents
    # then
    assert default is None
    assert configured == tmp_path / "docs.json"


def test_every_refusal_code_has_its_status():
    """Tests that the view knows the status of each persisted-document code."""
    # given
    from graphql_http import DOCUMENT_STATUS

    codes = {
        persisted.NOT_FOUND,
        persisted.HASH_MISMATCH,
        persisted.BAD_REQUEST,
        persisted.NOT_IN_LIST,
        persisted.NOT_IN_SAFELIST,
    }
    # then
    assert set(DOCUMENT_STATUS) == codes


async def test_a_store_outage_during_lookup_is_a_coded_503(db, monkeypatch):
    """Tests that a hash lookup the store cannot answer is STORE_UNAVAILABLE."""
    # given
    from pymongo.errors import ServerSelectionTimeoutError

    async def down(digest):
        raise ServerSelectionTimeoutError("no servers")

    async with signed_in_client() as client:
        monkeypatch.setattr(persisted, "lookup", down)
        # when
        response = await hashed_get(client)
    # then
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "STORE_UNAVAILABLE"


async def test_a_bug_in_the_view_is_a_coded_json_500(db, monkeypatch):
    """Tests that even an unexpected failure outside execution answers JSON."""

    # given
    async def broken(self, query, extensions):
        raise KeyError("planted")

    async with signed_in_client(
        Settings(production=True, secret=TEST_SECRET)
    ) as client:
        monkeypatch.setattr(persisted.PersistedDocuments, "resolve", broken)
        # when
        response = await client.post("/graphql", json={"query": QUERY})
    # then
    assert response.status_code == 500
    assert response.json() == {
        "errors": [
            {
                "message": "Unexpected error.",
                "extensions": {"code": "INTERNAL_SERVER_ERROR"},
            }
        ]
    }
