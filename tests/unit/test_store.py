"""The embedded store's command line: durable commits unless told otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import store
from store import EmbeddedStore, StoreUnavailable


class ExitedAtOnce:
    """A stand-in for the store's process that records its command and exits."""

    commands: list[list[str]] = []

    def __init__(self, command: list[str], **kwargs: Any) -> None:
        self.commands.append(command)
        self.returncode = 1

    def poll(self) -> int:
        return self.returncode


@pytest.mark.parametrize(
    ("data_dir", "sync", "synced"),
    [
        ("db", None, True),
        ("db", False, False),
        (":memory:", None, False),
    ],
    ids=["default", "turned-off", "in-memory"],
)
def test_commits_are_synced_by_default(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: str,
    sync: bool | None,
    synced: bool,
) -> None:
    """Tests that the store syncs commits unless turned off or in memory."""
    # given
    monkeypatch.setattr(store.subprocess, "Popen", ExitedAtOnce)
    ExitedAtOnce.commands = []
    path = Path(data_dir) if data_dir == ":memory:" else tmp_path / data_dir
    options = {} if sync is None else {"sync_on_commit": sync}
    # when
    with pytest.raises(StoreUnavailable, match="exited with code 1"):
        EmbeddedStore(path, **options).start()
    # then
    [command] = ExitedAtOnce.commands
    assert ("--sync-on-commit" in command) is synced
