"""Apollo Client against a running server, as a web or mobile app uses it:
automatic persisted queries on, and the committed possibleTypes.json in its
cache, so that ``... on Error`` fragments keep their fields (docs/api.md)."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from server import create_app
from settings import Settings
from tests.conftest import TEST_SECRET, make_user
from tests.integration.ws_support import access_token, serving

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "tests" / "clients" / "apollo"


async def exchange(port: int, token: str) -> dict[str, Any]:
    """Run the Node client against the server on ``port``; its printed JSON."""
    if shutil.which("node") is None or not (CLIENT / "node_modules").exists():
        pytest.fail("run `npm ci` in tests/clients/apollo (make test does)")
    process = await asyncio.create_subprocess_exec(
        "node",
        "exchange.mjs",
        f"http://127.0.0.1:{port}/graphql",
        token,
        str(ROOT / "possibleTypes.json"),
        cwd=CLIENT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return json.loads(out.decode().strip().splitlines()[-1])


async def test_apollo_client_reads_error_fields_with_persisted_queries_on(db):
    """Tests that Apollo Client with persisted queries and possibleTypes.json
    signs in by token, sends a query by its hash (the full text only once, when
    the server does not know the hash yet) and gets code, field and message of
    a refused mutation's typed error."""
    # given
    user = await make_user("admin", email="apollo@example.com")
    app = create_app(Settings(secret=TEST_SECRET), connect=False)
    # when
    async with serving(app) as port:
        seen = await exchange(port, await access_token(user))
    # then
    assert seen["me"]["name"] == user.name
    assert seen["meAgain"] == seen["me"]
    error = seen["createCustomer"]
    assert error["__typename"] == "ValidationError"
    assert error["code"] == "VALIDATION"
    assert error["field"] == "name"
    assert error["message"]
    first, retried, again, mutation = seen["sent"][:4]
    assert (first["hash"], first["query"]) == (True, False)  # by hash alone
    assert (retried["hash"], retried["query"]) == (True, True)  # unknown: in full
    assert (again["hash"], again["query"]) == (True, False)  # known now: hash alone
    assert again["status"] == 200
    assert mutation["hash"]
