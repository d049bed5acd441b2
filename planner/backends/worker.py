"""A second search in a child process, so that two cores work on one problem.

The parent starts a Python child running :func:`main`, writes a job
``(problem, model, seed, deadline, max_iterations, settings, start)`` to its
stdin and reads messages from its stdout: ``("progress", now, routes, shared)``
for every new best and ``("done", now, routes, None)`` at the end. While the
child runs, the parent may send it ``("best", shared)``, the best of the other
searches, which the child restarts from when it is better than its own (see
:func:`planner.backends.pyvrp.run`). Every message is a length-prefixed pickle.
A plain child process (rather than ``multiprocessing``) needs no ``__main__``
guard in the caller and is safe to start from a threaded server.
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
from typing import IO, Any

HEADER = struct.Struct("<Q")


def send(fh: IO[bytes], message: tuple[Any, ...]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    fh.write(HEADER.pack(len(data)) + data)
    fh.flush()


def _read(fh: IO[bytes], size: int) -> bytes:
    """Read exactly ``size`` bytes, fewer only at the end of the stream."""
    chunks, left = [], size
    while left > 0:
        chunk = fh.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(fh: IO[bytes]) -> tuple[Any, ...] | None:
    head = _read(fh, HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    data = _read(fh, size)
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
        self.shared: Any = None
        """The child's best as ``(cost, raw routes)``, for the other searches."""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.send(job)

    def send(self, message: tuple[Any, ...]) -> None:
        """Write a message to the child (ignored once it has finished)."""
        stdin = self._proc.stdin
        try:
            if stdin is not None and not stdin.closed:
                send(stdin, message)
        except OSError:  # the child has finished or died
            pass

    def share(self, shared: Any) -> None:
        """Pass the best of the other searches to the child."""
        self.send(("best", shared))

    def _read(self) -> None:
        assert self._proc.stdout is not None
        while (msg := receive(self._proc.stdout)) is not None:
            with self._lock:
                self._messages.append(msg)

    def drain(
        self, handle: Callable[[float, list[tuple[int, list[int]]]], None]
    ) -> None:
        """Pass pending progress messages to ``handle`` and keep the final result."""
        with self._lock:
            pending, self._messages = self._messages, []
        for kind, now, routes, shared in pending:
            if kind == "done":
                self.result = routes
            else:
                if self.shared is None or shared[0] < self.shared[0]:
                    self.shared = shared
                handle(now, routes)

    def wait(
        self,
        timeout: float,
        handle: Callable[[float, list[tuple[int, list[int]]]], None],
    ) -> list[tuple[int, list[int]]] | None:
        """Wait for the child to finish and return its best routes (or ``None``)."""
        try:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        except OSError:
            pass
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
    # Unbuffered, and not sys.stdin: the listening thread may still be blocked
    # reading when the search ends, and a buffered sys.stdin would then be locked
    # while the interpreter shuts down.
    inbox = os.fdopen(os.dup(sys.stdin.fileno()), "rb", buffering=0)
    job = receive(inbox)
    if job is None:
        return
    problem, model, seed, deadline, max_iterations, settings, start = job
    latest: list[Any] = [None]

    def listen() -> None:
        while (msg := receive(inbox)) is not None:
            latest[0] = msg[1]

    threading.Thread(target=listen, daemon=True).start()
    pending: list[Any] = [None]

    def share(shared: Any) -> None:
        pending[0] = shared

    def report(now: float, routes: list[tuple[int, list[int]]]) -> None:
        send(out, ("progress", now, routes, pending[0]))

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
        share=share,
        fetch=lambda: latest[0],
        settings=settings,
        start=start,
    )

    send(out, ("done", time.monotonic(), routes, None))
    out.close()
