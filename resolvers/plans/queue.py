"""A fair order for background plans waiting for the engine.

The engine computes as many plans at once as it has worker threads. Plans
beyond that wait here, and a freed place goes to the user who has the fewest
plans computing; between users with as many, to the one whose last turn is the
longest ago (round robin), so one user's queue of plans does not hold up the
next user's first.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter, deque
from collections.abc import Hashable


class FairSlots:
    """Places on the engine, granted fairly between owners.

    Args:
        capacity: Places at the same time (the engine's worker threads).
    """

    def __init__(self, capacity: int = 1) -> None:
        self.capacity = capacity
        self._running: Counter[Hashable] = Counter()
        #: Owners waiting, each with its waiters in the order they came.
        self._waiting: dict[Hashable, deque[asyncio.Future[None]]] = {}
        self._turns = itertools.count()
        #: When each owner with a plan running or waiting last had a turn.
        self._last_turn: dict[Hashable, int] = {}

    def running(self, owner: Hashable | None = None) -> int:
        """Places taken (by ``owner``, or by everyone)."""
        if owner is None:
            return sum(self._running.values())
        return self._running[owner]

    def queued(self, owner: Hashable | None = None) -> int:
        """Waiters (of ``owner``, or of everyone)."""
        if owner is None:
            return sum(len(w) for w in self._waiting.values())
        return len(self._waiting.get(owner, ()))

    async def acquire(self, owner: Hashable) -> None:
        """Wait for a place for ``owner``; :meth:`release` it afterwards.

        A waiter cancelled before its turn leaves the queue; one cancelled just
        as its turn came gives the place back.
        """
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(owner, deque()).append(waiter)
        self._last_turn.setdefault(owner, -1)
        self._grant()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release(owner)
            else:
                self._drop(owner, waiter)
            raise

    def release(self, owner: Hashable) -> None:
        """Give back a place ``owner`` took."""
        self._running[owner] -= 1
        if self._running[owner] <= 0:
            del self._running[owner]
            if owner not in self._waiting:
                self._last_turn.pop(owner, None)
        self._grant()

    def _drop(self, owner: Hashable, waiter: asyncio.Future[None]) -> None:
        queue = self._waiting.get(owner)
        if queue is not None and waiter in queue:
            queue.remove(waiter)
            if not queue:
                del self._waiting[owner]
                if not self._running[owner]:
                    self._last_turn.pop(owner, None)

    def _grant(self) -> None:
        while self._waiting and self.running() < self.capacity:
            owner = min(
                self._waiting, key=lambda o: (self._running[o], self._last_turn[o])
            )
            queue = self._waiting[owner]
            waiter = queue.popleft()
            if not queue:
                del self._waiting[owner]
            if waiter.done():  # cancelled while it waited
                continue
            self._running[owner] += 1
            self._last_turn[owner] = next(self._turns)
            waiter.set_result(None)
