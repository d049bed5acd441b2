"""The ``visitplan`` command line: serve, seed, export-schema, plan and check."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli import accounts, bulk, planning, server


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="visitplan",
        description="GraphQL server and route planner for CRM customer visits.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    server.add_commands(commands)
    accounts.add_commands(commands)
    planning.add_commands(commands)
    bulk.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
