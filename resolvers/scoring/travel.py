"""Travel time to completed visits, estimated from the order of a rep's day."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beanie import PydanticObjectId

from models import Customer, Rep, Visit
from models.common import as_utc
from resolvers.scoring.common import OK, Rules, narrowed, travel_minutes, when_ok
from resolvers.scoring.settings import load_settings


def travel_pipeline(match: dict[str, Any]) -> list[dict[str, Any]]:
    """Each rep's completed visits in start order, as compact rows."""
    return [
        {"$match": match},
        {"$sort": {"rep_id": 1, "planned_start": 1}},
        {
            "$group": {
                "_id": "$rep_id",
                "visits": {
                    "$push": {
                        "c": "$customer_id",
                        "s": "$planned_start",
                        "p": "$purpose",
                        "ok": when_ok(1, OK),
                    }
                },
            }
        },
    ]


async def visit_travel(
    match: dict[str, Any], rules: Rules
) -> list[tuple[PydanticObjectId, PydanticObjectId, str, datetime, float]]:
    """(rep, customer, purpose, start, travel minutes) of each scored visit.

    Travel is from the rep's previous completed visit of the same UTC day, or
    from the rep's home for the first visit of a day (none, for principals who
    may not see the home).
    """
    settings = await load_settings()
    rows = await Visit.aggregate(travel_pipeline(match)).to_list()
    if not rows:
        return []
    rep_ids = [row["_id"] for row in rows]
    reps = {
        r.id: r
        for r in await Rep.find(
            narrowed({"_id": {"$in": rep_ids}}, rules.reps)
        ).to_list()
    }
    ids = list({v["c"] for row in rows for v in row["visits"]})
    places = {
        c.id: c.location
        for c in await Customer.find(
            narrowed({"_id": {"$in": ids}}, rules.customers)
        ).to_list()
    }
    out = []
    for row in rows:
        rep = reps.get(row["_id"])
        # Travel from home gives the home away: only for those who may see it.
        home = rep.home if rep and rules.personal(rep.id) else None
        previous, day = home, None
        for v in row["visits"]:
            start = as_utc(v["s"])
            if start.date() != day:
                previous, day = home, start.date()
            here = places.get(v["c"])
            if v["ok"]:
                minutes = travel_minutes(previous, here, settings)
                out.append((row["_id"], v["c"], v["p"], start, minutes))
            previous = here or previous
    return out
