"""The real server as a process: ``visitplan serve --demo`` on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from store import free_port


@contextlib.contextmanager
def demo_server(data: Path, *, production: bool = False) -> Iterator[tuple[str, str]]:
    """Run the server on the embedded store in ``data``, with demo data.

    Yields its base URL and what it printed once it listens (the demo users and
    the partner's API key); stops it on exit.
    """
    port = free_port()
    log = data / "server.log"
    command = [
        sys.executable,
        "-m",
        "cli",
        "serve",
        "--demo",
        "--data-dir",
        str(data / "db"),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    env = dict(os.environ)
    if production:
        command.append("--production")
        env["VISITPLAN_SECRET"] = "test-server-secret-" + "x" * 32
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env
        )
    try:
        deadline = time.monotonic() + 120
        while "partner" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def store_server(
    data: Path, uri: str, *, secret: str, demo: bool = False
) -> Iterator[tuple[str, Path]]:
    """Run one server process on the MongoDB at ``uri`` (several may share it).

    Yields its base URL and its log file once ``/healthz`` answers; stops it
    on exit. Processes given the same ``secret`` accept each other's tokens.
    """
    import httpx

    port = free_port()
    log = data / f"server-{port}.log"
    command = [sys.executable, "-m", "cli", "serve", "--mongodb-uri", uri]
    command += ["--port", str(port), "--log-level", "warning"]
    if demo:
        command.append("--demo")
    env = {**os.environ, "VISITPLAN_SECRET": secret}
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(0.5)
        if demo:
            while "partner" not in log.read_text():
                assert time.monotonic() < deadline, "no demo data"
                time.sleep(0.5)
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=30)
