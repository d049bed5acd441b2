"""Signing in, tokens, signing out and API keys, over HTTP."""

from __future__ import annotations

import httpx
import pytest

from models.auth import SignInFailure
from server import create_app
from settings import Settings
from tests.conftest import SIGN_IN, TEST_PASSWORD, TEST_SECRET, make_user

ME = "{ me { email role } }"
REFRESH = """
mutation($refresh: String!) { refreshSession(refreshToken: $refresh) { accessToken refreshToken } }
"""
SIGN_OUT = "mutation { signOut }"
CREATE_KEY = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    __typename
    ... on ApiKeyCreated { secret key { id prefix scopes } }
    ... on Error { code field message }
  }
}
"""
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }"


@pytest.fixture
def client(db):
    """An anonymous client of a fresh app."""
    app = create_app(Settings(secret=TEST_SECRET), connect=False)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    )


async def post(client, query, token=None, **variables):
    """POST a GraphQL document, with a bearer token if given."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return response.json()


async def sign_in(client, email="admin@example.com", password=TEST_PASSWORD):
    """The signIn result, data or errors."""
    return await post(client, SIGN_IN, email=email, password=password)


def code(body):
    """The first error's extensions.code."""
    return body["errors"][0]["extensions"]["code"]


async def test_sign_in_gives_tokens_that_identify_the_user(client):
    """Tests sign-in and an authenticated query with the access token."""
    # given
    await make_user("manager", "Boss@Example.com")
    # when
    tokens = (await sign_in(client, "boss@example.com"))["data"]["signIn"]
    me = await post(client, ME, tokens["accessToken"])
    # then
    assert me["data"]["me"] == {"email": "boss@example.com", "role": "MANAGER"}


async def test_wrong_email_and_wrong_password_look_the_same(client):
    """Tests that sign-in does not tell which of the two was wrong."""
    # given
    await make_user()
    # when
    wrong_password = await sign_in(client, password="not the password")
    wrong_email = await sign_in(client, email="nobody@example.com")
    # then
    assert wrong_password["errors"][0]["message"] == wrong_email["errors"][0]["message"]
    assert code(wrong_password) == code(wrong_email) == "UNAUTHENTICATED"
    assert wrong_password["data"] is None


async def test_repeated_failures_lock_the_account_for_a_while(client):
    """Tests the per-account limit: after 5 failures even the right password waits."""
    # given
    await make_user()
    for _ in range(5):
        await sign_in(client, password="guess")
    # when
    right = await sign_in(client)
    # then
    assert code(right) == "RATE_LIMITED"


async def test_a_disabled_user_cannot_sign_in(client):
    """Tests that an inactive account is refused like a wrong password."""
    # given
    await make_user(active=False)
    # when
    body = await sign_in(client)
    # then
    assert code(body) == "UNAUTHENTICATED"


async def test_refresh_rotates_and_a_replayed_token_ends_the_session(client):
    """Tests refresh-token rotation and reuse detection."""
    # given
    await make_user()
    first = (await sign_in(client))["data"]["signIn"]
    second = (await post(client, REFRESH, refresh=first["refreshToken"]))["data"][
        "refreshSession"
    ]
    # when
    replay = await post(client, REFRESH, refresh=first["refreshToken"])
    after = await post(client, REFRESH, refresh=second["refreshToken"])
    me = await post(client, ME, second["accessToken"])
    # then
    assert second["refreshToken"] != first["refreshToken"]
    assert code(replay) == "UNAUTHENTICATED"
    assert code(after) == "UNAUTHENTICATED"
    assert code(me) == "UNAUTHENTICATED"


async def test_sign_out_ends_the_session(client):
    """Tests that an access token stops working after signOut."""
    # given
    await make_user()
    token = (await sign_in(client))["data"]["signIn"]["accessToken"]
    # when
    out = await post(client, SIGN_OUT, token)
    me = await post(client, ME, token)
    # then
    assert out["data"] == {"signOut": True}
    assert code(me) == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "header", ["Bearer not-a-token", "Basic YWRtaW46YWRtaW4=", "Bearer "]
)
async def test_a_bad_credential_is_unauthenticated(client, header):
    """Tests that a malformed or forged credential is refused with a code."""
    # when
    response = await client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": header}
    )
    # then
    assert code(response.json()) == "UNAUTHENTICATED"


async def test_a_cookie_is_not_a_credential(client):
    """Tests that credentials come only from the Authorization header."""
    # given
    await make_user()
    token = (await sign_in(client))["data"]["signIn"]["accessToken"]
    # when
    response = await client.post(
        "/graphql",
        json={"query": ME},
        headers={"Cookie": f"Authorization=Bearer {token}"},
    )
    # then
    assert code(response.json()) == "UNAUTHENTICATED"


async def test_api_keys_read_within_their_scopes_and_stop_when_revoked(client):
    """Tests an API key's scopes, its hidden personal fields and its revocation."""
    # given
    await make_user()
    admin = (await sign_in(client))["data"]["signIn"]["accessToken"]
    created = (
        await post(
            client,
            CREATE_KEY,
            admin,
            input={"name": "Partner GmbH", "scopes": ["CUSTOMERS_READ"], "days": 30},
        )
    )["data"]["createApiKey"]
    key = created["secret"]
    # when
    listed = await post(client, "{ customers { totalCount } }", key)
    visits = await post(client, "{ visits { totalCount } }", key)
    write = await post(
        client, 'mutation { createCustomer(input: {name: "X"}) { __typename } }', key
    )
    await post(client, REVOKE_KEY, admin, id=created["key"]["id"])
    revoked = await post(client, "{ customers { totalCount } }", key)
    # then
    assert created["key"]["scopes"] == ["CUSTOMERS_READ"]
    assert listed["data"] == {"customers": {"totalCount": 0}}
    assert code(visits) == "FORBIDDEN"
    assert code(write) == "FORBIDDEN"
    assert code(revoked) == "UNAUTHENTICATED"


async def test_reps_cannot_create_api_keys(client):
    """Tests that only admins and managers mint keys."""
    # given
    await make_user("rep", "rep@example.com")
    token = (await sign_in(client, "rep@example.com"))["data"]["signIn"]["accessToken"]
    # when
    body = await post(
        client, CREATE_KEY, token, input={"name": "x", "scopes": ["CUSTOMERS_READ"]}
    )
    # then
    assert code(body) == "FORBIDDEN"


async def test_a_token_replayed_after_many_refreshes_still_ends_the_session(client):
    """Tests that reuse detection covers the session's whole life."""
    # given
    await make_user("admin", "admin@example.com")
    first = (await sign_in(client))["data"]["signIn"]
    current = first["refreshToken"]
    for _ in range(25):
        current = (await post(client, REFRESH, refresh=current))["data"][
            "refreshSession"
        ]["refreshToken"]
    # when
    replay = await post(client, REFRESH, refresh=first["refreshToken"])
    after = await post(client, REFRESH, refresh=current)
    # then
    assert code(replay) == "UNAUTHENTICATED"
    assert code(after) == "UNAUTHENTICATED"


CHANGE_PASSWORD = """
mutation($input: UpdateRepInput!) {
  updateRep(input: $input) { __typename ... on Error { code field } }
}
"""
NEW_PASSWORD = "a brand new passphrase"


async def test_changing_ones_password_needs_it_and_ends_other_sessions(client):
    """Tests the current-password check and that other sessions end."""
    # given
    await make_user("rep", "rep@example.com")
    here = (await sign_in(client, "rep@example.com"))["data"]["signIn"]
    other = (await sign_in(client, "rep@example.com"))["data"]["signIn"]
    me = (await post(client, "{ me { id } }", here["accessToken"]))["data"]["me"]
    change = {"id": me["id"], "password": NEW_PASSWORD}
    # when
    missing = await post(client, CHANGE_PASSWORD, here["accessToken"], input=change)
    wrong = await post(
        client,
        CHANGE_PASSWORD,
        here["accessToken"],
        input={**change, "currentPassword": "not the password"},
    )
    before = await post(client, ME, other["accessToken"])
    done = await post(
        client,
        CHANGE_PASSWORD,
        here["accessToken"],
        input={**change, "currentPassword": TEST_PASSWORD},
    )
    # then
    for refused in (missing, wrong):
        assert refused["data"]["updateRep"] == {
            "__typename": "ValidationError",
            "code": "VALIDATION",
            "field": "currentPassword",
        }
    assert before["data"]["me"]["email"] == "rep@example.com"
    assert done["data"]["updateRep"]["__typename"] == "RepPayload"
    assert code(await post(client, ME, other["accessToken"])) == "UNAUTHENTICATED"
    assert (await post(client, ME, here["accessToken"]))["data"]["me"]
    assert "data" in (await sign_in(client, "rep@example.com", NEW_PASSWORD))


async def test_an_admin_sets_anothers_password_without_theirs(client):
    """Tests that admins need no current password for others, and end their sessions."""
    # given
    await make_user("admin", "admin@example.com")
    await make_user("rep", "rep@example.com")
    admin = (await sign_in(client))["data"]["signIn"]
    rep = (await sign_in(client, "rep@example.com"))["data"]["signIn"]
    rep_id = (await post(client, "{ me { id } }", rep["accessToken"]))["data"]["me"]
    # when
    done = await post(
        client,
        CHANGE_PASSWORD,
        admin["accessToken"],
        input={"id": rep_id["id"], "password": NEW_PASSWORD},
    )
    # then
    assert done["data"]["updateRep"]["__typename"] == "RepPayload"
    assert code(await post(client, ME, rep["accessToken"])) == "UNAUTHENTICATED"


async def test_wrong_current_passwords_count_as_failed_sign_ins(client):
    """Tests that guessing the password through updateRep is limited like sign-in."""
    # given: a rep whose access token is in someone else's hands
    await make_user("rep", "rep@example.com")
    token = (await sign_in(client, "rep@example.com"))["data"]["signIn"]
    me = (await post(client, "{ me { id } }", token["accessToken"]))["data"]["me"]
    guess = {"id": me["id"], "password": NEW_PASSWORD}
    # when: five wrong guesses, then the right password
    for n in range(5):
        wrong = {**guess, "currentPassword": f"guess {n}"}
        body = await post(client, CHANGE_PASSWORD, token["accessToken"], input=wrong)
        assert body["data"]["updateRep"]["__typename"] == "ValidationError"
    right = {**guess, "currentPassword": TEST_PASSWORD}
    limited = await post(client, CHANGE_PASSWORD, token["accessToken"], input=right)
    # then: the account is locked for changes and for sign-in alike
    assert code(limited) == "RATE_LIMITED"
    assert code(await sign_in(client, "rep@example.com")) == "RATE_LIMITED"


async def test_servers_on_one_store_count_failed_sign_ins_together(db):
    """Tests that the sign-in limit holds across server processes on one store."""
    # given: two servers on the same store
    await make_user("rep", "rep@example.com")
    one, two = (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(
                app=create_app(Settings(secret=TEST_SECRET), connect=False)
            ),
            base_url="http://test",
        )
        for _ in range(2)
    )
    # when: the failures are spread over both
    for n in range(5):
        body = await sign_in(one if n % 2 else two, "rep@example.com", f"guess {n}")
        assert code(body) == "UNAUTHENTICATED"
    # then: both refuse the right password now, and nothing names the account
    for client in (one, two):
        assert code(await sign_in(client, "rep@example.com")) == "RATE_LIMITED"
    stored = await SignInFailure.find_all().to_list()
    assert stored
    assert all("rep@example.com" not in f.key for f in stored)
