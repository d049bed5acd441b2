"""GraphiQL over HTTP: the page and its assets come from this server only."""

from __future__ import annotations

import pytest

import ide
from settings import Settings
from tests.conftest import TEST_SECRET, anonymous_client
from tests.unit.test_ide import sri

PRODUCTION = Settings(production=True, secret=TEST_SECRET)


async def test_the_page_is_served_with_a_policy_that_keeps_it_here(db):
    """Tests that a browser's GET /graphql gets our page and its CSP header."""
    # when
    async with anonymous_client() as client:
        response = await client.get("/graphql", headers={"Accept": "text/html"})
    # then
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == ide.page()
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self';" in policy
    assert "connect-src 'self';" in policy


@pytest.mark.parametrize("asset", ide.ASSETS, ids=lambda a: a.name)
async def test_each_asset_is_served_as_pinned(db, asset):
    """Tests that each asset URL answers the pinned bytes with its media type."""
    # when
    async with anonymous_client() as client:
        response = await client.get(asset.url)
    # then
    assert response.status_code == 200
    assert response.headers["content-type"] == asset.media_type
    assert response.headers["x-content-type-options"] == "nosniff"
    assert sri(response.content) == asset.sha384
    assert response.headers["cache-control"] == asset.cache_control


@pytest.mark.parametrize(
    "path",
    [
        "/graphiql/THIRD_PARTY_NOTICES.txt",
        "/graphiql/__init__.py",
        "/graphiql/..%2F__init__.py",
        "/graphiql/static%2Fstart.js",
        "/graphiql/react.production.min.js",
    ],
)
async def test_nothing_but_the_listed_assets_is_served(db, path):
    """Tests that names outside the list, and paths into the package, get 404."""
    # when
    async with anonymous_client() as client:
        response = await client.get(path)
    # then
    assert response.status_code == 404


async def test_production_serves_no_assets(db):
    """Tests that production, which has no GraphiQL, has no asset route either."""
    # when
    async with anonymous_client(PRODUCTION) as client:
        response = await client.get(ide.ASSETS[0].url)
    # then
    assert response.status_code == 404
