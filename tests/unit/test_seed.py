"""Tests of the demo-data generator and loader (seed/)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from beanie import init_beanie
from mongomock_motor import AsyncMongoMockClient
from pymongo.errors import BulkWriteError

import models
from models.common import minutes_of
from models.customer import Tier
from models.demand import DEMAND_TRANSITIONS, DemandStatus, DemandType, Priority
from models.rep import Role
from models.visit import VisitStatus
from seed import Dataset, generate, insert_dataset, seed_demo, store_is_empty
from seed.munich import LAT_MAX, LAT_MIN, LNG_MAX, LNG_MIN, haversine_m

# The history crosses the switch to summer time on 30 March 2025.
NOW = datetime(2025, 4, 8, 9, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
async def mock_store() -> AsyncIterator[None]:
    """Initialise Beanie on a fresh mock database: documents need it to exist."""
    client = AsyncMongoMockClient()
    await init_beanie(
        database=client["test_seed"], document_models=models.DOCUMENT_MODELS
    )
    yield
    client.close()


def small(seed: int = 7, **overrides: Any) -> Dataset:
    """A small data set with the test's fixed "now"."""
    args: dict[str, Any] = {"customers": 60, "reps": 4, "months": 2, "seed": seed}
    args.update(overrides)
    return generate(now=NOW, **args)


def dump(ds: Dataset) -> list[dict[str, Any]]:
    """Every document of ``ds`` as plain data, in order."""
    docs = [*ds.reps, *ds.customers, *ds.demands, *ds.visits]
    return [doc.model_dump() for doc in docs]


def test_same_seed_gives_same_data() -> None:
    """Tests that the same seed gives identical documents, ids included."""
    assert dump(small(seed=3)) == dump(small(seed=3))


def test_other_seed_gives_other_data() -> None:
    """Tests that another seed gives different documents."""
    assert dump(small(seed=3)) != dump(small(seed=4))


def test_counts_and_roles() -> None:
    """Tests that the team has an admin, managers, the field reps and a partner."""
    # when
    ds = small(customers=50, reps=13)
    # then
    roles = [rep.role for rep in ds.reps]
    assert roles.count(Role.ADMIN) == 1
    assert roles.count(Role.MANAGER) == math.ceil(13 / 6)
    assert roles.count(Role.REP) == 13
    assert roles.count(Role.PARTNER) == 1
    assert len(ds.customers) == 50
    assert ds.visits
    assert ds.demands


def test_every_reference_resolves() -> None:
    """Tests that owner, manager, customer, rep and demand ids point into the set."""
    # given
    ds = small()
    reps = {rep.id: rep for rep in ds.reps}
    customers = {c.id: c for c in ds.customers}
    demands = {d.id for d in ds.demands}
    visits = {v.id for v in ds.visits}
    # then
    for rep in ds.reps:
        if rep.role is Role.REP:
            assert reps[rep.manager_id].role is Role.MANAGER
    for customer in ds.customers:
        assert reps[customer.owner_id].role is Role.REP
    for visit in ds.visits:
        assert customers[visit.customer_id].owner_id == visit.rep_id
        assert set(visit.demand_ids) <= demands
        if visit.outcome is not None:
            assert set(visit.outcome.follow_up_demand_ids) <= demands
    for demand in ds.demands:
        assert demand.customer_id in customers
        assert demand.assignee_id is None or demand.assignee_id in reps
        assert demand.source_visit_id is None or demand.source_visit_id in visits


def test_ids_are_unique() -> None:
    """Tests that no two documents share an id."""
    ids = [d["id"] for d in dump(small())]
    assert len(ids) == len(set(ids))


def test_rep_emails_are_unique() -> None:
    """Tests that even a large team gets distinct e-mail addresses."""
    # when
    ds = small(customers=0, reps=400, months=0)
    # then
    emails = [rep.email for rep in ds.reps]
    assert len(emails) == len(set(emails))
    assert all(e.endswith("@demo.visitplan.dev") for e in emails)


def test_places_lie_in_munich() -> None:
    """Tests that customer addresses and rep homes lie inside the Munich box."""
    # given
    ds = small()
    points = [a.location for c in ds.customers for a in c.addresses]
    points += [rep.home for rep in ds.reps if rep.home is not None]
    # then
    for point in points:
        assert LAT_MIN <= point.lat <= LAT_MAX
        assert LNG_MIN <= point.lng <= LNG_MAX


def test_tier_mix_is_realistic() -> None:
    """Tests that about 15 % of customers are A, 35 % B and 50 % C."""
    # when
    ds = small(customers=1000, months=0)
    # then
    share = {t: sum(c.tier is t for c in ds.customers) / 1000 for t in Tier}
    assert share[Tier.A] == pytest.approx(0.15, abs=0.04)
    assert share[Tier.B] == pytest.approx(0.35, abs=0.05)
    assert share[Tier.C] == pytest.approx(0.50, abs=0.05)


def test_demand_histories_follow_the_workflow() -> None:
    """Tests that every history step is an allowed transition, in time order."""
    # given
    ds = small(customers=150)
    # then
    for demand in ds.demands:
        first, *steps = demand.history
        assert first.from_status is None
        assert first.to_status is DemandStatus.OPEN
        previous = first
        for step in steps:
            assert step.from_status == previous.to_status
            assert step.to_status in DEMAND_TRANSITIONS[step.from_status]
            assert previous.at < step.at <= NOW
            previous = step
        assert demand.status == previous.to_status
    assert {d.status for d in ds.demands} == set(DemandStatus)
    assert {d.type for d in ds.demands} == set(DemandType)
    assert {d.priority for d in ds.demands} == set(Priority)


def test_completed_visits_have_consistent_presence() -> None:
    """Tests that check-in precedes check-out and duration and distance add up."""
    # given
    ds = small()
    where = {c.id: c.location for c in ds.customers}
    completed = [v for v in ds.visits if v.status is VisitStatus.COMPLETED]
    # then
    assert completed
    for visit in completed:
        check_in, check_out = visit.check_in, visit.check_out
        assert check_in is not None
        assert check_out is not None
        assert check_in.at < check_out.at
        minutes = (check_out.at - check_in.at).total_seconds() / 60
        assert visit.duration_min == pytest.approx(minutes, abs=0.01)
        assert visit.outcome is not None
        assert 0 <= visit.outcome.result <= 10
        home = where[visit.customer_id]
        for presence in (check_in, check_out):
            assert presence.location is not None
            expected = haversine_m(
                presence.location.lat, presence.location.lng, home.lat, home.lng
            )
            assert presence.distance_m == pytest.approx(expected, abs=0.1)


def test_visits_fall_in_working_hours() -> None:
    """Tests that visits, check-ins included, lie within the rep's local hours."""
    # given
    ds = small()
    hours = {
        rep.id: {d.weekday.index: d.intervals[0] for d in rep.working_hours}
        for rep in ds.reps
    }
    # then
    for visit in ds.visits:
        moments = [visit.planned_start, visit.planned_end]
        moments += [p.at for p in (visit.check_in, visit.check_out) if p is not None]
        day = visit.planned_start.astimezone(BERLIN).date()
        span = hours[visit.rep_id][day.weekday()]
        for moment in moments:
            local = moment.astimezone(BERLIN)
            assert local.date() == day
            minute = local.hour * 60 + local.minute + local.second / 60
            assert minutes_of(span.start) <= minute <= minutes_of(span.end)


def test_visit_status_matches_time() -> None:
    """Tests that past visits are done with and upcoming ones are planned."""
    # given
    ds = small()
    past = {VisitStatus.COMPLETED, VisitStatus.CANCELLED, VisitStatus.MISSED}
    # then
    for visit in ds.visits:
        if visit.planned_start < NOW:
            assert visit.status in past
        else:
            assert visit.status in {VisitStatus.PLANNED, VisitStatus.CONFIRMED}
            assert visit.planned_start < NOW + timedelta(days=8)
        assert (visit.cancel_reason is not None) == (
            visit.status is VisitStatus.CANCELLED
        )
    assert {v.status for v in ds.visits} >= past


def _datetimes(value: Any) -> list[datetime]:
    if isinstance(value, datetime):
        return [value]
    if isinstance(value, dict):
        return [d for v in value.values() for d in _datetimes(v)]
    if isinstance(value, list):
        return [d for v in value for d in _datetimes(v)]
    return []


def test_datetimes_are_aware_utc() -> None:
    """Tests that every datetime is timezone-aware UTC."""
    for doc in dump(small()):
        for moment in _datetimes(doc):
            assert moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "overrides",
    [{"customers": -1}, {"reps": -1}, {"months": -1}, {"visits_per_day": (3, 2)}],
)
def test_generate_refuses_bad_arguments(overrides: dict[str, Any]) -> None:
    """Tests that negative counts and a reversed visits-per-day pair are refused."""
    with pytest.raises(ValueError, match="must"):
        small(**overrides)


def test_generate_refuses_naive_now() -> None:
    """Tests that a naive "now" is refused."""
    with pytest.raises(ValueError, match="timezone-aware"):
        generate(customers=1, reps=1, months=1, seed=1, now=datetime(2025, 1, 1))


async def test_insert_dataset_stores_every_document() -> None:
    """Tests that insert_dataset stores everything, in several batches."""
    # given
    ds = small()
    assert await store_is_empty()
    # when
    counts = await insert_dataset(ds, batch_size=7)
    # then
    assert not await store_is_empty()
    assert counts.reps == await models.Rep.count() == len(ds.reps)
    assert counts.customers == await models.Customer.count() == len(ds.customers)
    assert counts.demands == await models.Demand.count() == len(ds.demands)
    assert counts.visits == await models.Visit.count() == len(ds.visits)
    stored = await models.Customer.get(ds.customers[0].id)
    assert stored is not None
    assert stored.name == ds.customers[0].name


async def test_a_batch_stored_before_its_retry_stands() -> None:
    """Tests that a batch found stored already (a retried write) is no error."""
    # given: the customers stored, as a first try whose answer was lost would
    ds = small()
    await insert_dataset(ds, batch_size=7)
    # when: the same batches come again
    counts = await insert_dataset(ds, batch_size=7)
    # then: nothing doubled
    assert counts.customers == await models.Customer.count() == len(ds.customers)


async def test_a_batch_refused_for_another_reason_fails() -> None:
    """Tests that a unique value taken by another document still fails the seed."""
    # given: a rep already holding the email of a rep of the data set
    ds = small()
    other = ds.reps[0].model_copy(update={"id": None})
    await other.insert()
    # then
    with pytest.raises(BulkWriteError):
        await insert_dataset(ds, batch_size=7)


async def test_seed_demo_fills_an_empty_store() -> None:
    """Tests that seed_demo generates and inserts a data set."""
    # when
    counts = await seed_demo(customers=20, reps=2, months=1, now=NOW)
    # then
    assert counts.customers == 20
    assert counts.reps == 2 + 3
    assert counts.visits == await models.Visit.count() > 0
    assert not await store_is_empty()
