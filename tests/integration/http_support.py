"""A real uvicorn server around the app, for tests of what only it does
(connection limits, header deadlines, the access log)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

from server import create_app
from settings import Settings


@contextlib.contextmanager
def running(settings: Settings, log_level: str = "critical") -> Iterator[int]:
    """uvicorn serving the app on a free port with the options ``serve`` passes;
    yields the port. ``log_level`` "info" turns its access log on."""
    import uvicorn

    from cli.server import uvicorn_options

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings, connect=False),
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level=log_level,
        **uvicorn_options(settings),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(5)
