"""The ``plan`` and ``check`` commands (to be written)."""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the planner's sub-commands."""
