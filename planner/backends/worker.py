"""A second search in a child process, so that two cores work on one problem.

The parent starts a Python child running :func:`main`, writes one pickled job
``(problem, model, seed, deadline, max_iterations)`` to its stdin and reads
length-prefixed pickled messages from its stdout: ``("progress", now, routes)``
for every new best and ``("done", now, routes)`` at the end. A plain child
process (rather than ``multiprocessing``) needs no ``__main__`` guard in the
caller and is safe to start from a threaded server.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

HEADER = struct.Struct("<Q")


def _send(fh: BinaryIO, message: tuple[Any, ...]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(HEADER.pack(len(data)) + data)
    fh.flush()


def _receive(fh: BinaryIO) -> tuple[Any, ...] | None:
    head = fh.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    data = fh.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


class Child:
    """A search running in a child process.

    Messages are collected by a reader thread; :meth:`drain` hands them to the
    caller's thread.
    """

    def __init__(self, job: tuple[Any, ...]) -> None:
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (root, env.get("PYTHONPATH", "")) if p
        )
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "from planner.backends.worker import main; main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self._proc.stdin is not None
        self._messages: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()
        self.result: list[tuple[int, list[int]]] | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            self._proc.stdin.write(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            self._proc.stdin.close()
        except OSError:  # pragma: no cover - child died at start
            pass

    def _read(self) -> None:
        assert self._proc.stdout is not None
        while (msg := _receive(self._proc.stdout)) is not None:
            with self._lock:
                self._messages.append(msg)

    def drain(
        self, handle: Callable[[float, list[tuple[int, list[int]]]], None]
    ) -> None:
        """Pass pending progress messages to ``handle`` and keep the final result."""
        with self._lock:
            pending, self._messages = self._messages, []
        for kind, now, routes in pending:
            if kind == "done":
                self.result = routes
            else:
                handle(now, routes)

    def wait(
        self,
        timeout: float,
        handle: Callable[[float, list[tuple[int, list[int]]]], None],
    ) -> list[tuple[int, list[int]]] | None:
        """Wait for the child to finish and return its best routes (or ``None``)."""
        try:
            self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(timeout=5)
        self.drain(handle)
        return self.result


def main() -> None:
    """Run one job read from stdin, writing messages to stdout."""
    from planner.backends import pyvrp as backend

    parent = os.getppid()
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr
    problem, model, seed, deadline, max_iterations = pickle.load(sys.stdin.buffer)

    def report(now: float, routes: list[tuple[int, list[int]]]) -> None:
        _send(out, ("progress", now, routes))

    def poll() -> None:
        if os.getppid() != parent:  # the parent is gone: nobody wants the result
            raise SystemExit(0)

    routes = backend.run(
        problem,
        model,
        seed=seed,
        deadline=deadline,
        max_iterations=max_iterations,
        report=report,
        poll=poll,
    )

    _send(out, ("done", time.monotonic(), routes))
    out.close()
