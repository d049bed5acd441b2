"""Keep-alive for ``graphql-transport-ws`` connections (docs/subscriptions.md).

Strawberry's handler of the protocol answers a client's ``ping`` but sends none
of its own, so a client that vanished without a close frame (a laptop shut, a
mobile network lost) would keep its connection slot and its change streams
until TCP gave up, which can take hours. Once a connection is acknowledged, the
handler here pings it every ``ws_ping_interval_s`` seconds and closes it with
4408 when no ``pong`` comes back within ``ws_pong_timeout_s``. Before each ping
it asks the view whether the connection's credential still holds, and closes
it with 4403 when it does not (a user disabled, a session ended, a key revoked
or an access token expired), so a subscription that receives no events ends too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Protocol, TypeVar, cast

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    PongMessage,
)

log = logging.getLogger("visitplan")

ContextT = TypeVar("ContextT")
RootT = TypeVar("RootT")

#: Close codes: no pong in time, and a credential that no longer holds.
PONG_TIMEOUT = 4408
FORBIDDEN = 4403


class KeepAliveView(Protocol):
    """What the handler needs of its view."""

    #: Seconds between pings; 0 or less sends none.
    ws_ping_interval_s: float
    #: Seconds a ping waits for its pong.
    ws_pong_timeout_s: float

    async def credential_holds(self, context: Any) -> bool:
        """Whether the connection's credential still identifies its caller."""


class KeepAliveWSHandler(BaseGraphQLTransportWSHandler[ContextT, RootT]):
    """Strawberry's handler, pinging acknowledged connections and closing dead
    ones and those whose credential no longer holds."""

    keep_alive_task: asyncio.Task[None] | None = None
    pong: asyncio.Event | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        """Acknowledge (or refuse) the connection; start pinging once acknowledged."""
        await super().handle_connection_init(message)
        view = cast(KeepAliveView, self.view)
        if (
            self.connection_acknowledged
            and self.keep_alive_task is None
            and view.ws_ping_interval_s > 0
        ):
            self.keep_alive_task = asyncio.create_task(self.keep_alive(view))

    async def handle_pong(self, message: PongMessage) -> None:
        """Note that the client answered."""
        if self.pong is not None:
            self.pong.set()

    async def keep_alive(self, view: KeepAliveView) -> None:
        """Ping until the connection closes; close it when it stops answering."""
        try:
            while True:
                await asyncio.sleep(view.ws_ping_interval_s)
                if not await view.credential_holds(self.context):
                    await self.websocket.close(code=FORBIDDEN, reason="Forbidden")
                    return
                self.pong = asyncio.Event()
                await self.send_message({"type": "ping"})
                try:
                    await asyncio.wait_for(self.pong.wait(), view.ws_pong_timeout_s)
                except TimeoutError:
                    await self.websocket.close(code=PONG_TIMEOUT, reason="Pong timeout")
                    return
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the socket went away under a send or close
            log.debug("keep-alive ended: %s", type(error).__name__)

    async def shutdown(self) -> None:
        """Stop pinging, then end the connection's operations."""
        task = self.keep_alive_task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().shutdown()
