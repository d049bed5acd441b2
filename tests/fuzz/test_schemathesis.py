"""Fuzzing the running server with schemathesis, once per role, bounded in time.

The real server runs on the embedded store with demo data, in development and in
production mode; schemathesis generates operations from the schema (introspected
in development, the committed ``schema.graphql`` in production, where
introspection is off) and a check in ``hooks.py`` fails on any server fault.
Operations that would end the session under test (signOut, revoking keys,
changing users) are left out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.running import demo_server

pytestmark = pytest.mark.fuzz

SECONDS_PER_ROLE = int(os.environ.get("VISITPLAN_FUZZ_SECONDS", "30"))
EXCLUDED = "signOut|signIn|refreshSession|revokeApiKey|updateRep|erasePersonalData"
SIGN_IN = "mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { accessToken } }"


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=["development", "production"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, str]]:
    """The server with demo data; yields its URL, startup output and mode."""
    mode = request.param
    data = tmp_path_factory.mktemp("fuzz-store")
    with demo_server(data, production=mode == "production") as (url, output):
        yield url, output, mode


def credential(url: str, output: str, role: str) -> str:
    """A bearer credential of the demo ``role``."""
    if role == "partner":
        return re.search(r"Bearer (vpk_\S+)", output).group(1)
    email = re.search(rf"^\s+{role}\s+(\S+)", output, re.M).group(1)
    answer = httpx.post(
        f"{url}/graphql",
        json={"query": SIGN_IN, "variables": {"e": email, "p": "visitplan-demo"}},
        timeout=30,
    )
    return answer.json()["data"]["signIn"]["accessToken"]


@pytest.mark.parametrize("role", ["admin", "manager", "rep", "partner"])
def test_no_server_fault_for_any_generated_operation(server, role, tmp_path):
    """Tests that schemathesis finds no 5xx and no unmasked fault, as each role."""
    # given
    url, output, mode = server
    token = credential(url, output, role)
    binary = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
        "PYTHONPATH": str(ROOT),
    }
    location = [f"{url}/graphql"]
    if mode == "production":
        location = [str(ROOT / "schema.graphql"), "--url", f"{url}/graphql"]
    command = [
        binary,
        "run",
        *location,
        "-H",
        f"Authorization: Bearer {token}",
        "--checks",
        "no_unexpected_error",
        "--max-time",
        str(SECONDS_PER_ROLE),
        "--seed",
        "42",
        "--workers",
        "1",
        "--exclude-name-regex",
        EXCLUDED,
    ]
    # when
    run = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path
    )
    # then
    summary = run.stdout[-3000:]
    assert run.returncode == 0, summary
    assert "generated" in summary
