"""Slow and greedy clients at the connection level: a header deadline and a cap
on open connections per client address.

uvicorn closes idle keep-alive connections, but once a client has sent the first
bytes of a request it waits for the rest of the header block forever: a few
sockets sending one header line every few seconds hold every slot of
``--limit-concurrency``. :func:`protocol` builds uvicorn's h11 protocol with

* a **header deadline**: from the connection's start, and again from the end
  of each response, the whole header block of the next request must arrive
  within ``header_timeout_s`` seconds, or the connection is closed;
* a **per-address cap**: a client address with ``max_per_address`` connections
  open gets no more; a new one is closed at once.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_S = 10.0
"""Seconds a client has to send a request's header block."""
MAX_PER_ADDRESS = 50
"""Open connections one client address may hold."""


def protocol(
    header_timeout_s: float = HEADER_TIMEOUT_S, max_per_address: int = MAX_PER_ADDRESS
) -> type[H11Protocol]:
    """uvicorn's h11 protocol with a header deadline and a per-address cap.

    Each call makes a new class with its own count of open connections, so two
    servers in one process do not share it.

    Raises:
        ValueError: a limit is not positive.
    """
    if not header_timeout_s > 0:
        raise ValueError(f"header_timeout_s must be positive, got {header_timeout_s}")
    if max_per_address < 1:
        raise ValueError(f"max_per_address must be at least 1, got {max_per_address}")
    open_by_address: Counter[str] = Counter()

    class GuardedH11Protocol(H11Protocol):
        """h11 with a header deadline and a per-address connection cap."""

        header_deadline: asyncio.TimerHandle | None = None
        address: str | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if self.client is None:
                self._arm()
                return
            address = self.client[0]
            if open_by_address[address] >= max_per_address:
                self.logger.warning("too many connections from one address")
                transport.close()
                return
            self.address = address
            open_by_address[address] += 1
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self.address is not None:
                open_by_address[self.address] -= 1
                if open_by_address[self.address] <= 0:
                    del open_by_address[self.address]
                self.address = None
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:
                self._disarm()  # the header block is complete

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def _arm(self) -> None:
            self._disarm()
            self.header_deadline = self.loop.call_later(
                header_timeout_s, self._headers_too_slow
            )

        def _disarm(self) -> None:
            if self.header_deadline is not None:
                self.header_deadline.cancel()
                self.header_deadline = None

        def _headers_too_slow(self) -> None:
            self.header_deadline = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return GuardedH11Protocol
