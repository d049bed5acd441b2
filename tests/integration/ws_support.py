"""uvicorn in the test's own event loop, and a ``graphql-transport-ws`` client.

The server runs the app in the loop of the test, so it shares the Beanie set up
by the ``db`` fixture (mongomock, or the store in the store lane) and the test
can change rows while a client listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from models import Rep
from resolvers.auth import Auth, Tokens, sign_in
from tests.conftest import TEST_PASSWORD, TEST_SECRET

PROTOCOL = "graphql-transport-ws"


@contextlib.asynccontextmanager
async def serving(app: ASGIApp) -> AsyncIterator[int]:
    """Run ``app`` with uvicorn on a free loopback port; yield the port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers only a flag
            await asyncio.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        await task
        sock.close()


async def signed_in(user: Rep) -> Tokens:
    """A session of ``user`` (stored with ``TEST_PASSWORD``), its tokens signed
    with ``TEST_SECRET`` as the test apps' are."""
    return await sign_in(Auth(secret=TEST_SECRET), user.email, TEST_PASSWORD, None)


async def access_token(user: Rep) -> str:
    """An access token of ``user`` (see ``signed_in``)."""
    return (await signed_in(user)).access_token


class WSClient:
    """One ``graphql-transport-ws`` connection; answers the server's pings
    unless ``answer_pings`` is off, and counts them."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.answer_pings = True
        self.pings = 0

    async def send(self, message: dict[str, Any]) -> None:
        """Send one protocol message."""
        await self.ws.send(json.dumps(message))

    async def _next(self) -> dict[str, Any] | None:
        """One message; a ping is counted, answered and given as ``None``."""
        message = json.loads(await self.ws.recv())
        if message.get("type") != "ping":
            return dict(message)
        self.pings += 1
        if self.answer_pings:
            await self.send({"type": "pong"})
        return None

    async def receive(self, within: float = 5.0) -> dict[str, Any]:
        """The next message other than a ping; ``TimeoutError`` after ``within``."""
        async with asyncio.timeout(within):
            while True:
                message = await self._next()
                if message is not None:
                    return message

    async def pinged(self, count: int, within: float) -> list[dict[str, Any]]:
        """Wait for ``count`` pings in all; the other messages meanwhile."""
        messages = []
        async with asyncio.timeout(within):
            while self.pings < count:
                message = await self._next()
                if message is not None:
                    messages.append(message)
        return messages

    async def subscribe(
        self, op: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        """Start the operation ``op``."""
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": op, "type": "subscribe", "payload": payload})

    async def closed(self, within: float = 5.0) -> tuple[int | None, list[Any]]:
        """Wait for the server to close the connection: its close code and the
        messages (other than pings) that came before."""
        messages = []
        with contextlib.suppress(ConnectionClosed):
            while True:
                messages.append(await self.receive(within))
        return self.ws.close_code, messages


@contextlib.asynccontextmanager
async def opened(port: int) -> AsyncIterator[WSClient]:
    """A WebSocket to the server's ``/graphql``, before ``connection_init``."""
    url = f"ws://127.0.0.1:{port}/graphql"
    async with connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        yield WSClient(ws)


@contextlib.asynccontextmanager
async def connected(port: int, token: str) -> AsyncIterator[WSClient]:
    """A WebSocket the server acknowledged with ``token`` as its credential."""
    async with opened(port) as client:
        payload = {"authorization": f"Bearer {token}"}
        await client.send({"type": "connection_init", "payload": payload})
        answer = await client.receive()
        assert answer["type"] == "connection_ack", answer
        yield client
