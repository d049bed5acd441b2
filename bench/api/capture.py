"""Store commands of the API server: record them, group them per request, replay them.

The pure half of ``bench/api/ratio.py`` (no store, no server), with the command
listener that ``bench/api/capture_server.py`` registers in the server process:

- :class:`Recorder` writes every command the server's driver sends, and every
  reply's cursor id, as one JSON line each (MongoDB extended JSON, so ObjectIds and
  dates survive the trip), stamped with ``time.monotonic_ns()``, which on Linux is
  one clock for every process of the machine;
- :func:`group_by_window` gives each request the commands that started between its
  sending and its answer, leaving out the server's own background work
  (:func:`is_background`);
- :func:`replay_calls` turns one request's commands into the calls to make again:
  a ``find`` or ``aggregate`` with its ``getMore`` s becomes one cursor read to the
  end; every other command is sent as it was, less the driver's session and
  routing fields (:func:`strip`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import bson
from bson import json_util
from bson.json_util import CANONICAL_JSON_OPTIONS
from pymongo import monitoring

#: Fields the driver adds to a command for its session, cluster time and routing;
#: a replay through another client gets its own.
DRIVER_FIELDS = frozenset(
    {
        "lsid",
        "$clusterTime",
        "$db",
        "txnNumber",
        "$readPreference",
        "autocommit",
        "startTransaction",
        "apiVersion",
        "apiStrict",
        "apiDeprecationErrors",
    }
)

#: Commands of the driver's own connection and session upkeep.
UPKEEP = frozenset(
    {
        "ping",
        "hello",
        "ismaster",
        "buildinfo",
        "endsessions",
        "saslstart",
        "saslcontinue",
        "getparameter",
    }
)

#: Collections only the server's background tasks read (the sweep of overdue plans).
BACKGROUND_COLLECTIONS = frozenset({"visit_plans"})

#: Cursor reads: the opening command, and the one that continues it.
OPENERS = frozenset({"find", "aggregate"})


# --- recording -------------------------------------------------------------------


class Recorder(monitoring.CommandListener):
    """Write every started command and every reply's cursor id to a JSON-lines file.

    The driver calls the listener from whichever thread sends the command, so
    writes are serialised with a lock; each line is flushed at once, so that a
    reader sees a request's commands as soon as its answer has come.
    """

    def __init__(self, path: Path) -> None:
        """Open (truncate) ``path`` for writing."""
        self._lock = threading.Lock()
        self._out: IO[str] = path.open("w", encoding="utf-8", buffering=1)

    def _write(self, record: dict[str, Any]) -> None:
        line = json_util.dumps(record, json_options=CANONICAL_JSON_OPTIONS)
        with self._lock:
            self._out.write(line + "\n")

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        """Record the command as sent, with its database and the time."""
        self._write(
            {
                "event": "started",
                "t_ns": time.monotonic_ns(),
                "request_id": event.request_id,
                "name": event.command_name,
                "db": event.database_name,
                # Through BSON and back: what the store received, with the
                # int-valued enums of Beanie's sort specs as plain numbers.
                "command": bson.decode(bson.encode(event.command)),
            }
        )

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Record how long the command took and the cursor its reply opened."""
        cursor = event.reply.get("cursor")
        self._write(
            {
                "event": "succeeded",
                "t_ns": time.monotonic_ns(),
                "request_id": event.request_id,
                "duration_us": event.duration_micros,
                "cursor_id": int(cursor["id"]) if isinstance(cursor, Mapping) else None,
            }
        )

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Record that the command failed (its request is then not replayed)."""
        self._write(
            {
                "event": "failed",
                "t_ns": time.monotonic_ns(),
                "request_id": event.request_id,
                "duration_us": event.duration_micros,
                "failure": str(event.failure)[:200],
            }
        )


# --- reading and grouping ----------------------------------------------------------


@dataclass
class Command:
    """One command the server sent, with what its reply said."""

    t_ns: int
    request_id: int
    name: str
    db: str
    body: dict[str, Any]
    duration_us: int | None = None
    cursor_id: int | None = None
    failed: bool = False


def read_events(lines: Iterable[str]) -> list[Command]:
    """The commands of a :class:`Recorder` file, in the order they started."""
    commands: dict[int, Command] = {}
    for line in lines:
        if not line.strip():
            continue
        record = json_util.loads(line, json_options=CANONICAL_JSON_OPTIONS)
        if record["event"] == "started":
            commands[record["request_id"]] = Command(
                t_ns=record["t_ns"],
                request_id=record["request_id"],
                name=record["name"],
                db=record["db"],
                body=record["command"],
            )
            continue
        command = commands.get(record["request_id"])
        if command is None:  # the start came before the file was opened
            continue
        command.duration_us = record.get("duration_us")
        if record["event"] == "failed":
            command.failed = True
        else:
            command.cursor_id = record.get("cursor_id") or None
    return sorted(commands.values(), key=lambda c: c.t_ns)


def target(body: Mapping[str, Any]) -> str | None:
    """The collection a command reads or writes, when it names one."""
    name, value = next(iter(body.items()))
    if name == "getMore":
        collection = body.get("collection")
        return str(collection) if collection is not None else None
    return value if isinstance(value, str) else None


def _opens_change_stream(command: Command) -> bool:
    pipeline = command.body.get("pipeline") or []
    return command.name == "aggregate" and any(
        isinstance(stage, Mapping) and "$changeStream" in stage for stage in pipeline
    )


def background_cursors(commands: Iterable[Command]) -> set[int]:
    """The cursor ids of change streams (the store watch), whose getMores are
    background work too."""
    return {c.cursor_id for c in commands if c.cursor_id and _opens_change_stream(c)}


def is_background(command: Command, watch_cursors: set[int] | frozenset[int]) -> bool:
    """Whether a command is the server's own work rather than a request's.

    That is connection and session upkeep (pings, hello, endSessions), the store
    watch (a ``$changeStream`` and its getMores) and the sweep of ``visit_plans``.
    """
    if command.name.lower() in UPKEEP:
        return True
    if _opens_change_stream(command):
        return True
    if command.name == "getMore" and int(command.body["getMore"]) in watch_cursors:
        return True
    return target(command.body) in BACKGROUND_COLLECTIONS


@dataclass
class Grouped:
    """The commands of each request, and what fell outside every request."""

    requests: list[list[Command]]
    background: int = 0
    outside: list[Command] = field(default_factory=list)


def group_by_window(
    commands: Sequence[Command], windows: Sequence[tuple[int, int]]
) -> Grouped:
    """Give each request the non-background commands started inside its window.

    Args:
        commands: every recorded command, in the order they started.
        windows: per request, the monotonic times (ns) at which the client sent it
            and got its answer; requests were sent one at a time, so the windows
            do not overlap.

    Returns:
        The commands per request (in the order of ``windows``), the number of
        background commands left out, and the request commands that started
        outside every window (work a request left behind it, which a caller
        should report).
    """
    watch = background_cursors(commands)
    grouped = Grouped(requests=[[] for _ in windows])
    order = sorted(range(len(windows)), key=lambda n: windows[n][0])
    position = 0
    for command in commands:
        if is_background(command, watch):
            grouped.background += 1
            continue
        while position < len(order) and windows[order[position]][1] < command.t_ns:
            position += 1
        if position < len(order):
            start, end = windows[order[position]]
            if start <= command.t_ns <= end:
                grouped.requests[order[position]].append(command)
                continue
        grouped.outside.append(command)
    return grouped


# --- replaying -------------------------------------------------------------------


def strip(body: Mapping[str, Any]) -> dict[str, Any]:
    """The command without the driver's session, cluster-time and routing fields.

    The order of the fields is kept: the first one names the command.
    """
    return {k: v for k, v in body.items() if k not in DRIVER_FIELDS}


@dataclass(frozen=True)
class Call:
    """One thing a replay does: a command, or a cursor read to its end.

    ``getmore_batch_size`` is the batch size of the captured getMores of a cursor
    read (None: as the store likes, when there were none or they named none).
    """

    db: str
    body: dict[str, Any]
    cursor: bool
    getmore_batch_size: int | None = None
    getmores: int = 0

    @property
    def name(self) -> str:
        """The command's name (its first field)."""
        return next(iter(self.body))

    @property
    def collection(self) -> str | None:
        """The collection it reads or writes."""
        return target(self.body)


def replay_calls(commands: Sequence[Command]) -> list[Call]:
    """The calls that replay one request's commands, in the order captured.

    A ``find`` or ``aggregate`` and the ``getMore`` s on its cursor become one
    cursor read (the getMores are left out: the replay reads the cursor to its
    end itself); ``killCursors`` is left out for the same reason. Every other
    command is replayed once, stripped.

    Raises:
        ValueError: if a ``getMore`` continues a cursor this request did not open.
    """
    calls: list[Call] = []
    opened: dict[int, int] = {}  # cursor id -> index in calls
    for command in commands:
        if command.name == "killCursors":
            continue
        if command.name == "getMore":
            cursor_id = int(command.body["getMore"])
            if cursor_id not in opened:
                raise ValueError(f"getMore on cursor {cursor_id} opened elsewhere")
            index = opened[cursor_id]
            batch = command.body.get("batchSize")
            read = calls[index]
            calls[index] = Call(
                read.db,
                read.body,
                cursor=True,
                getmore_batch_size=int(batch) if batch else read.getmore_batch_size,
                getmores=read.getmores + 1,
            )
            continue
        cursor = command.name in OPENERS
        if cursor and command.cursor_id:
            opened[command.cursor_id] = len(calls)
        calls.append(Call(command.db, strip(command.body), cursor=cursor))
    return calls


def getmore(call: Call, cursor_id: int) -> dict[str, Any]:
    """The getMore that continues ``call``'s cursor ``cursor_id``."""
    body: dict[str, Any] = {"getMore": cursor_id, "collection": call.collection}
    if call.getmore_batch_size:
        body["batchSize"] = call.getmore_batch_size
    return body


def describe(calls: Sequence[Call]) -> str:
    """A short summary such as ``find customers, aggregate visits``."""
    return ", ".join(
        f"{c.name} {c.collection or '?'}"
        + (f" (+{c.getmores} getMore)" if c.getmores else "")
        for c in calls
    )
