"""Run ``visitplan serve`` with every store command recorded, for ``ratio.py``.

Usage::

    python bench/api/capture_server.py --commands FILE --profile FILE \\
        serve --host 127.0.0.1 --port PORT --mongodb-uri URI --production ...

The arguments after the two options are those of ``visitplan``. Before the server
creates its Motor client, a :class:`capture.Recorder` is registered globally with
``pymongo.monitoring.register``, so every command of every client of this process
is written to ``--commands``. Then the same entry point as ``visitplan`` runs in
this process. SIGUSR1 starts a cProfile of the event loop's thread (where the
requests are parsed, resolved and answered; the driver's own threads are not
profiled); SIGUSR2 stops it and writes it to ``--profile``. uvicorn's shutdown
re-raises SIGTERM, so the profile is written on SIGUSR2, not at exit.

Benchmark-only: production code does not know of it.
"""

from __future__ import annotations

import argparse
import cProfile
import signal
import sys
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from capture import Recorder  # noqa: E402
from pymongo import monitoring  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Register the recorder and the profile signals, then serve."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], allow_abbrev=False
    )
    parser.add_argument("--commands", type=Path, required=True)
    parser.add_argument("--profile", type=Path, required=True)
    args, rest = parser.parse_known_args(argv)
    monitoring.register(Recorder(args.commands))
    profile = cProfile.Profile()

    def start(signum: int, frame: FrameType | None) -> None:
        profile.enable()

    def stop(signum: int, frame: FrameType | None) -> None:
        profile.disable()
        partial = args.profile.with_suffix(".partial")
        profile.dump_stats(partial)
        partial.replace(args.profile)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)

    from cli import main as visitplan

    return visitplan(rest)


if __name__ == "__main__":
    sys.exit(main())
