"""Fixtures of the API tests."""

from __future__ import annotations

import pytest

from tests.integration.factories import hours, make_customer, make_rep


@pytest.fixture
async def team(gql):
    """A rep working 08:00-17:00 in Munich and six customers of theirs nearby."""
    rep = await make_rep(
        gql, home={"lat": 48.137, "lng": 11.575}, workingHours=hours("08:00", "17:00")
    )
    places = [
        (48.140, 11.560),
        (48.150, 11.580),
        (48.130, 11.600),
        (48.125, 11.550),
        (48.160, 11.570),
        (48.145, 11.590),
    ]
    customers = []
    for n, (lat, lng) in enumerate(places):
        customers.append(
            await make_customer(
                gql,
                f"Customer {n}",
                ownerId=rep["id"],
                tier="ABC"[n % 3],
                addresses=[{"label": "shop", "location": {"lat": lat, "lng": lng}}],
                openingHours=hours("09:00", "12:00")
                if n == 0
                else hours("08:00", "18:00"),
            )
        )
    return rep, customers


@pytest.fixture
async def world(db):
    """Two teams with customers, demands and visits (see ``access_support``)."""
    from tests.integration.access_support import build_world

    return await build_world()
