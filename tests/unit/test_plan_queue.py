"""FairSlots: places on the planning engine, granted fairly between users."""

from __future__ import annotations

import asyncio

from resolvers.plans.queue import FairSlots


async def _take(slots: FairSlots, owner: str, order: list[str]) -> None:
    await slots.acquire(owner)
    order.append(owner)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_freed_place_goes_round_robin_between_users():
    """Tests that one user's queue of plans does not hold up the others'."""
    # given: one place, held; A queues three plans, then B and C one each
    slots = FairSlots(capacity=1)
    await slots.acquire("holder")
    order: list[str] = []
    tasks = [
        asyncio.create_task(_take(slots, owner, order))
        for owner in ["A", "A", "A", "B", "C"]
    ]
    await _settle()
    # when: each place is given back as soon as it is taken
    slots.release("holder")
    for _ in tasks:
        await _settle()
        slots.release(order[-1])
    await asyncio.gather(*tasks)
    # then
    assert order == ["A", "B", "C", "A", "A"]
    assert slots.running() == 0
    assert slots.queued() == 0


async def test_the_user_with_fewest_running_goes_first():
    """Tests that a user already computing waits behind one who is not."""
    # given: two places, A holds one
    slots = FairSlots(capacity=2)
    await slots.acquire("A")
    await slots.acquire("B")
    order: list[str] = []
    first = asyncio.create_task(_take(slots, "A", order))
    await _settle()
    second = asyncio.create_task(_take(slots, "C", order))
    await _settle()
    # when: B's place is freed
    slots.release("B")
    await _settle()
    # then: C (nothing running) before A (one running), though A came first
    assert order == ["C"]
    assert slots.queued("A") == 1
    slots.release("A")
    await asyncio.gather(first, second)
    assert order == ["C", "A"]


async def test_a_cancelled_waiter_leaves_the_queue():
    """Tests that a plan discarded while queued takes no place later."""
    # given
    slots = FairSlots(capacity=1)
    await slots.acquire("A")
    order: list[str] = []
    waiting = asyncio.create_task(_take(slots, "B", order))
    await _settle()
    # when
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    slots.release("A")
    # then
    assert order == []
    assert slots.queued() == 0
    assert slots.running() == 0


async def test_places_follow_the_capacity():
    """Tests that no more than the capacity are granted at once."""
    # given
    slots = FairSlots(capacity=2)
    order: list[str] = []
    # when
    tasks = [asyncio.create_task(_take(slots, o, order)) for o in "ABC"]
    await _settle()
    # then
    assert sorted(order) == ["A", "B"]
    assert slots.running() == 2
    assert slots.queued("C") == 1
    slots.release("A")
    await asyncio.gather(*tasks)
    assert order[-1] == "C"
