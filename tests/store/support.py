"""Helpers of the store lane: a command recorder and database names."""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId
from pymongo import monitoring
from strawberry import relay

#: Commands that read documents; handshakes, pings and session ends are left out.
QUERY_COMMANDS = frozenset({"find", "aggregate", "count", "distinct", "getMore"})


@dataclass(frozen=True)
class Command:
    """One command a client sent: where, what, and its full body."""

    database: str
    name: str
    collection: str
    body: dict[str, Any]


class CommandLog(monitoring.CommandListener):
    """Records every command a Motor client starts (PyMongo calls it from threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._commands: list[Command] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        with self._lock:
            self._commands.append(
                Command(
                    database=event.database_name,
                    name=event.command_name,
                    collection=target if isinstance(target, str) else "",
                    body=dict(event.command),
                )
            )

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Nothing to record on success."""

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Nothing to record on failure."""

    def clear(self) -> None:
        """Forget what was recorded so far."""
        with self._lock:
            self._commands.clear()

    def queries(self, database: str) -> list[Command]:
        """The reading commands sent to ``database``, in order."""
        with self._lock:
            return [
                c
                for c in self._commands
                if c.database == database and c.name in QUERY_COMMANDS
            ]


def using_embedded_store() -> bool:
    """Whether this session runs on the embedded store (no ``MONGODB_URI`` given)."""
    return not os.environ.get("MONGODB_URI")


def unique_database_name() -> str:
    """A database name no other test uses."""
    return f"visitplan_test_{uuid.uuid4().hex[:12]}"


def gid(type_name: str, oid: PydanticObjectId | None) -> str:
    """The global id of a stored document."""
    return str(relay.GlobalID(type_name, str(oid)))


async def execute(document: str, **variables: Any) -> dict[str, Any]:
    """Run one mutation as the system, failing on any top-level error; return
    the result of its (first) root field."""
    from resolvers.access import Principal
    from resolvers.auth import Auth
    from resolvers.context import Context
    from schema import schema
    from tests.conftest import TEST_SECRET

    result = await schema.execute(
        document,
        variable_values=variables,
        context_value=Context(
            principal=Principal.system(), auth=Auth(secret=TEST_SECRET)
        ),
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    return next(iter(result.data.values()))
