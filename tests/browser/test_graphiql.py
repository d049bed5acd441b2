"""GraphiQL in headless Chromium, with every request off this machine refused.

The real server runs on the embedded store with demo data. Chromium loads
``/graphql`` while Playwright aborts (and records) every request to anything
but loopback; GraphiQL must render, load the schema before anyone signs in,
sign in through its editor as README.md says, and show a query's result.

Chromium is Debian's (``make test`` installs it); Playwright drives it as it is
and never downloads a browser of its own.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

import ide
from tests.running import demo_server

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Milliseconds GraphiQL gets for each step (the machine may be busy).
STEP_MS = 60_000

# Anonymous operations: a named one run right after its text replaced another's
# can reach the server with the previous operation's name ("Unknown operation").
SIGN_IN = (
    'mutation { signIn(email: "{email}", password: "visitplan-demo") '
    "{ accessToken user { email } } }"
)
QUERY = "{ me { email role } customers(first: 2) { totalCount } }"


def on_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (or is a data: or blob: URL)."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Traffic:
    """What the browser asked for: everything, and what was refused."""

    requested: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The development server with demo data: its URL and startup output."""
    with demo_server(tmp_path_factory.mktemp("browser-store")) as running:
        yield running


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple[Any, Traffic]]:
    """A fresh headless Chromium context that cannot reach past loopback."""
    assert CHROMIUM.exists(), "no /usr/bin/chromium: `make test` installs it"
    traffic = Traffic()

    def guard(route: Any) -> None:
        url = route.request.url
        if on_loopback(url):
            route.continue_()
        else:
            traffic.refused.append(url)
            route.abort("blockedbyclient")

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            service_workers="block",
        )
        try:
            context.route("**/*", guard)
            context.on("request", lambda r: traffic.requested.append(r.url))
            context.on("weberror", lambda e: traffic.problems.append(str(e.error)))
            yield context, traffic
        finally:
            context.close()


def replace_text(page: Any, editor: str, text: str) -> None:
    """Select all of a CodeMirror editor's text and type ``text`` over it."""
    page.click(f"{editor} .CodeMirror-scroll")
    page.keyboard.press("Control+A")
    # Inserted as typed text, without key events: CodeMirror's auto-closing
    # brackets would otherwise double every "{" and '"'.
    page.keyboard.insert_text(text)


def run_and_read(page: Any, expected: str) -> str:
    """Press GraphiQL's run button and return the result pane once it says ``expected``."""
    page.click(".graphiql-execute-button")
    result = page.locator(".graphiql-response .CodeMirror-code")
    result.filter(has_text=expected).wait_for(timeout=STEP_MS)
    return str(result.inner_text())


def test_graphiql_signs_in_and_queries_without_leaving_the_machine(server, browser):
    """Tests that GraphiQL renders, signs in and shows a result, all from loopback."""
    # given
    url, output = server
    admin = re.search(r"^\s+admin\s+(\S+)", output, re.M).group(1)
    context, traffic = browser
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and traffic.problems.append(m.text))
    page.on("pageerror", lambda e: traffic.problems.append(str(e)))

    # when: the page loads and GraphiQL reads the schema before any sign-in
    with page.expect_response(
        lambda r: "IntrospectionQuery" in (r.request.post_data or ""), timeout=STEP_MS
    ) as introspection:
        page.goto(f"{url}/graphql", timeout=STEP_MS)
    page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=STEP_MS)
    schema = introspection.value.json()

    # ... then signs in through its editor and puts the token in the Headers tab
    replace_text(page, ".graphiql-query-editor", SIGN_IN.replace("{email}", admin))
    signed_in = run_and_read(page, "accessToken")
    token = re.search(r'"accessToken":\s*"([^"]+)"', signed_in).group(1)
    page.click(".graphiql-editor-tools button[data-name='headers']")
    headers = ".graphiql-editor-tool .graphiql-editor:not(.hidden)"
    replace_text(page, headers, json.dumps({"Authorization": f"Bearer {token}"}))

    # ... and runs a query
    replace_text(page, ".graphiql-query-editor", QUERY)
    answered = run_and_read(page, "totalCount")

    # then
    assert "errors" not in schema
    assert schema["data"]["__schema"]["queryType"] == {"name": "Query"}
    assert f'"email": "{admin}"' in answered
    assert '"role": "ADMIN"' in answered
    assert re.search(r'"totalCount":\s*[1-9]', answered), answered
    assert traffic.refused == []
    assert [u for u in traffic.requested if not on_loopback(u)] == []
    assert {f"{url}{a.url}" for a in ide.ASSETS} <= set(traffic.requested)
    assert traffic.problems == []


def test_blocked_requests_would_be_seen(browser):
    """Tests that the guard refuses and records a request past loopback."""
    # given
    context, traffic = browser
    page = context.new_page()
    # when
    page.set_content('<img src="https://example.invalid/pixel.png">')
    page.wait_for_timeout(500)
    # then
    assert traffic.refused == ["https://example.invalid/pixel.png"]
