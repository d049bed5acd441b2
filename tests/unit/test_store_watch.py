"""The store watch: when the store counts as down or up, and restarts with backoff."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from store_watch import StoreWatch


class Pings:
    """A fake ping that answers or fails as the test says, and counts calls."""

    def __init__(self) -> None:
        self.ok = True
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if not self.ok:
            raise ConnectionError("no answer")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeStore:
    """A store process: exits when told, and starts (or fails to) when asked."""

    def __init__(self, pings: Pings) -> None:
        self.port = 27999
        self.exit_code: int | None = None
        self.starts = 0
        self.fail_to_start = False
        self.pings = pings

    def start(self) -> FakeStore:
        self.starts += 1
        if self.fail_to_start:
            self.exit_code = 1
            raise RuntimeError("port in use")
        self.exit_code = None
        self.pings.ok = True
        return self

    def crash(self) -> None:
        self.exit_code = -9
        self.pings.ok = False


@pytest.fixture
def pings() -> Pings:
    """A ping that answers until told otherwise."""
    return Pings()


@pytest.fixture
def clock() -> Clock:
    """A hand-moved clock."""
    return Clock()


@pytest.fixture
def store(pings: Pings) -> FakeStore:
    """A running fake store."""
    return FakeStore(pings)


@pytest.fixture
async def watch(
    pings: Pings, clock: Clock, store: FakeStore
) -> AsyncIterator[StoreWatch]:
    """A watch of the fake store, stepped by hand."""
    watching = StoreWatch(
        pings,
        failures_to_down=2,
        store=store,
        clock=clock,
        restart_delays_s=(0.0, 1.0, 4.0),
    )
    yield watching
    await watching.stop()


def test_one_failed_ping_leaves_the_store_up() -> None:
    """Tests that a single slow or lost ping does not take the store as down."""
    # given
    watch = StoreWatch(lambda: None, failures_to_down=2)
    # when
    up = watch.record(False)
    # then
    assert up is True
    assert watch.failures == 1


def test_failures_in_a_row_take_the_store_down_and_one_good_ping_up() -> None:
    """Tests the threshold: K failures in a row are down, the first success is up."""
    # given
    watch = StoreWatch(lambda: None, failures_to_down=3)
    # when
    seen = [watch.record(ok) for ok in (False, False, True, False, False, False)]
    recovered = watch.record(True)
    # then
    assert seen == [True, True, True, True, True, False]
    assert recovered is True
    assert watch.failures == 0


def test_a_threshold_below_one_is_refused() -> None:
    """Tests that a watch needing zero failures to go down cannot be made."""
    with pytest.raises(ValueError, match="at least 1"):
        StoreWatch(lambda: None, failures_to_down=0)


async def test_step_pings_and_counts(pings: Pings) -> None:
    """Tests that each step pings once and that failing pings take it down."""
    # given
    watch = StoreWatch(pings, failures_to_down=2)
    try:
        pings.ok = False
        # when
        first = await watch.step()
        second = await watch.step()
        pings.ok = True
        third = await watch.step()
    finally:
        await watch.stop()
    # then
    assert (first, second, third) == (True, False, True)
    assert pings.calls == 3


async def test_an_exited_store_is_down_at_once_and_restarted(
    pings: Pings, clock: Clock, store: FakeStore
) -> None:
    """Tests that an exited store is down without pings, then started again."""
    # given: restarts that wait a second
    watch = StoreWatch(
        pings, failures_to_down=2, store=store, clock=clock, restart_delays_s=(1.0,)
    )
    try:
        store.crash()
        # when
        down = await watch.step()
        clock.now += 1.0
        up = await watch.step()
    finally:
        await watch.stop()
    # then
    assert down is False
    assert up is True
    assert store.starts == 1
    assert watch.restarts == 1
    assert pings.calls == 1  # only the check after the restart


async def test_the_first_restart_is_immediate(
    watch: StoreWatch, store: FakeStore
) -> None:
    """Tests that the first restart after a crash does not wait."""
    # given
    store.crash()
    # when
    up = await watch.step()
    # then
    assert up is True
    assert store.starts == 1


async def test_restarts_back_off_while_the_store_keeps_failing(
    watch: StoreWatch, store: FakeStore, clock: Clock
) -> None:
    """Tests that failed starts are retried after growing delays, then succeed."""
    # given
    store.crash()
    store.fail_to_start = True
    # when: the first try fails at once
    assert await watch.step() is False
    assert store.starts == 1
    # then: the next is 1 s later, the one after 4 s later
    assert await watch.step() is False
    clock.now += 0.9
    assert await watch.step() is False
    assert store.starts == 1
    clock.now += 0.2
    assert await watch.step() is False
    assert store.starts == 2
    clock.now += 3.9
    assert await watch.step() is False
    assert store.starts == 2
    store.fail_to_start = False
    clock.now += 0.2
    assert await watch.step() is True
    assert store.starts == 3
    assert watch.up


async def test_a_store_stable_for_a_while_restarts_at_once_again(
    watch: StoreWatch, store: FakeStore, clock: Clock
) -> None:
    """Tests that the backoff starts over once the store has run long enough."""
    # given: two crashes close together, the second one waits
    store.crash()
    await watch.step()
    store.crash()
    await watch.step()
    assert store.starts == 1
    clock.now += 1.0
    await watch.step()
    assert store.starts == 2
    # when: it then runs for a long while before it crashes again
    clock.now += 3600
    store.crash()
    up = await watch.step()
    # then
    assert up is True
    assert store.starts == 3


async def test_without_a_store_nothing_is_restarted(pings: Pings) -> None:
    """Tests that a watch of MongoDB (no store process) only reports."""
    # given
    watch = StoreWatch(pings, failures_to_down=1)
    pings.ok = False
    try:
        # when
        up = await watch.step()
    finally:
        await watch.stop()
    # then
    assert up is False
    assert watch.restarts == 0


async def test_run_steps_in_the_background_until_stopped(pings: Pings) -> None:
    """Tests that a started watch keeps pinging and stops when asked."""
    # given
    watch = StoreWatch(pings, interval_s=0.001, failures_to_down=2).start()
    pings.ok = False
    # when
    for _ in range(5000):  # at most about 5 s
        if not watch.up:
            break
        await asyncio.sleep(0.001)
    await watch.stop()
    calls = pings.calls
    await asyncio.sleep(0.01)
    # then
    assert pings.calls == calls
    assert calls >= 2
