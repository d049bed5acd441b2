"""An engine for tests without a Dask cluster: the planner in threads of the test
process, stopped through the same hook the Dask workers use."""

from __future__ import annotations

import asyncio
import threading

from planner import Plan, Problem
from resolvers.plans.engine import solve_until


class ThreadEngine:
    """Computes each job in a thread; ``capacity`` jobs at once are reported.

    Attributes:
        capacity: What :meth:`slots` answers.
        started: Keys of the jobs run, in the order they started.
        stopped: Keys of the jobs asked to stop.
    """

    def __init__(self, capacity: int = 2) -> None:
        self.capacity = capacity
        self.started: list[str] = []
        self.stopped: list[str] = []
        self._flags: dict[str, threading.Event] = {}
        self._latest: dict[str, tuple[float, float]] = {}

    async def slots(self) -> int:
        return self.capacity

    async def run(
        self, key: str, problem: Problem, *, time_limit: float, seed: int
    ) -> Plan | None:
        flag = self._flags.setdefault(key, threading.Event())
        self.started.append(key)

        def report(objective: float, seconds: float) -> None:
            self._latest[key] = (objective, seconds)

        try:
            return await asyncio.to_thread(
                solve_until,
                problem,
                time_limit=time_limit,
                seed=seed,
                stopped=flag,
                report=report,
            )
        finally:
            self._flags.pop(key, None)
            self._latest.pop(key, None)

    def progress(self, key: str) -> tuple[float, float] | None:
        return self._latest.get(key)

    async def stop(self, key: str) -> None:
        self.stopped.append(key)
        self._flags.setdefault(key, threading.Event()).set()

    async def close(self) -> None:
        for flag in self._flags.values():
            flag.set()
