"""GraphQL documents and helpers the external-id and partner-write tests share."""

from __future__ import annotations

from typing import Any

from resolvers import api_keys
from resolvers.access import Principal
from resolvers.auth import Auth, authenticate, principal_for
from resolvers.context import Context
from tests.conftest import TEST_SECRET
from tests.integration.access_support import World

E = "... on Error { code field message }"

UPSERT_CUSTOMER = f"""
mutation Upsert($input: UpsertCustomerInput!) {{
  upsertCustomer(input: $input) {{
    __typename
    ... on UpsertCustomerPayload {{ created changed
      customer {{ id revision name tier territory owner {{ id }}
        externalIds {{ system id }} }} }}
    {E}
  }}
}}
"""

UPSERT_DEMAND = f"""
mutation Upsert($input: UpsertDemandInput!) {{
  upsertDemand(input: $input) {{
    __typename
    ... on UpsertDemandPayload {{ created changed
      demand {{ id revision status priority due type assignee {{ id }}
        customer {{ id }} externalIds {{ system id }} }} }}
    {E}
  }}
}}
"""

UPSERT_VISIT = f"""
mutation Upsert($input: UpsertVisitInput!) {{
  upsertVisit(input: $input) {{
    __typename
    ... on UpsertVisitPayload {{ created changed
      visit {{ id revision status plannedStart plannedEnd purpose
        rep {{ id }} customer {{ id }} externalIds {{ system id }} }} }}
    ... on InvalidTransitionError {{ currentStatus }}
    {E}
  }}
}}
"""

UPDATE_DEMAND = f"""
mutation Update($input: UpdateDemandInput!) {{
  updateDemand(input: $input) {{
    __typename
    ... on DemandPayload {{ demand {{ id revision title description priority due
      type status assignee {{ id }} }} }}
    {E}
  }}
}}
"""

CUSTOMER_BY_EXTERNAL_ID = """
query($ext: ExternalIdInput!) { customer(externalId: $ext) { id name } }
"""

TRAIL = """
query($doc: ID) { auditRecords(documentId: $doc) {
  actorId keyId operations outcomes changes { field before after } } }
"""


def sf(raw: str) -> dict[str, str]:
    """A Salesforce id as an ``ExternalIdInput``."""
    return {"system": "salesforce", "id": raw}


async def execute(who: Principal | None, document: str, **variables: Any) -> Any:
    """Run ``document`` as ``who``; return (data, top-level error codes)."""
    from schema import schema

    result = await schema.execute(
        document,
        variable_values=variables,
        context_value=Context(principal=who, auth=Auth(secret=TEST_SECRET)),
    )
    codes = [(e.extensions or {}).get("code") for e in result.errors or []]
    return result.data, codes


async def key_of(world: World, creator: str, scopes: list[str]) -> Principal:
    """A real API key made by ``creator``, as the server authenticates it."""
    maker = await principal_for(world.users[creator])
    _, secret = await api_keys.create_api_key(
        Context(principal=maker), f"{creator}'s CRM", scopes, 30
    )
    who, _ = await authenticate(Auth(secret=TEST_SECRET), f"Bearer {secret}")
    assert who is not None
    return who
