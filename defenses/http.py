"""ASGI middleware in front of the app: CORS, compression, request time, body size.

The view (``server.GraphQLView``) refuses the rest of the transport abuse, each
with a JSON error body (``graphql_http``): POST bodies other than
``application/json`` (415, so no CSRF through "simple" requests; multipart is
off), JSON arrays (400 "Batching is not enabled"), mutations over GET (405,
``Allow: POST``), malformed JSON (400) and methods other than GET and POST
(405). Subscriptions are off (``subscription_protocols=()``) and the route
answers HTTP only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphql_http import accept_of, content_type, error_body, negotiate
from log_privacy import redacted_path

log = logging.getLogger("visitplan")

#: Apollo Router's ``http_max_request_bytes``.
MAX_BODY_BYTES = 2 * 1024 * 1024
#: OWASP's example application timeout.
REQUEST_TIMEOUT_S = 10.0
#: Request headers a listed browser origin may send: ours, Apollo Client's
#: (client awareness, CSRF prevention), W3C trace context and Sentry's tracing.
CORS_HEADERS = (
    "Authorization",
    "Content-Type",
    "Accept",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "traceparent",
    "tracestate",
    "sentry-trace",
    "baggage",
)
#: Answers larger than this are gzip-compressed for clients that accept it.
GZIP_MIN_BYTES = 1024


async def send_error(
    scope: Scope, send: Send, status: int, message: str, code: str
) -> None:
    """Answer with a GraphQL-shaped error body: ``errors[0].extensions.code``.

    In the media type the request accepts (``graphql_http.negotiate``).
    """
    body = error_body(message, code)
    media_type = negotiate(accept_of(scope.get("headers", ())))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type(media_type).encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuse request bodies larger than ``max_bytes`` with 413.

    A declared ``Content-Length`` over the limit is refused before any byte is
    read; otherwise the bytes are counted as they arrive (chunked bodies have no
    length), and the request is refused at the first chunk that passes the limit.
    The body is then handed to the app at once, so it never holds more than
    ``max_bytes`` plus one chunk.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = MAX_BODY_BYTES,
        own_limits: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        #: Path prefixes whose routes read their bodies within their own limit.
        self.own_limits = tuple(own_limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body within the limit, then pass the request on."""
        if scope["type"] != "http" or _has_own(scope, self.own_limits):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self.refuse(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self.refuse(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: Message | None = {
            "type": "http.request",
            "body": b"".join(chunks),
            "more_body": False,
        }

        async def replay() -> Message:
            nonlocal body
            if body is None:
                return await receive()
            message, body = body, None
            return message

        await self.app(scope, replay, send)

    async def refuse(self, scope: Scope, send: Send) -> None:
        """Answer 413."""
        await send_error(
            scope,
            send,
            413,
            f"The request body is larger than {self.max_bytes} bytes.",
            "PAYLOAD_TOO_LARGE",
        )


def _has_own(scope: Scope, prefixes: tuple[str, ...]) -> bool:
    return bool(prefixes) and str(scope.get("path", "")).startswith(prefixes)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestTimeout:
    """Stop a request that takes longer than ``seconds``: 504, code TIMEOUT.

    The request's task is cancelled, so its resolvers stop at their next
    ``await``; work already handed to a thread or process runs on. Other requests
    are not affected.
    """

    def __init__(
        self,
        app: ASGIApp,
        seconds: float = REQUEST_TIMEOUT_S,
        own_limits: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.seconds = seconds
        #: Path prefixes whose routes bound their own time (a streamed export,
        #: an upload with its own deadline).
        self.own_limits = tuple(own_limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request with a deadline."""
        if scope["type"] != "http" or _has_own(scope, self.own_limits):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        deadline = asyncio.timeout(self.seconds)
        try:
            async with deadline:
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            if not deadline.expired():
                raise  # the app's own TimeoutError: a bug like any other
            log.warning(
                "request to %s stopped after %s s",
                redacted_path(str(scope.get("path", ""))),
                self.seconds,
            )
            if not started:
                await send_error(
                    scope,
                    send,
                    504,
                    f"The request took longer than {self.seconds:g} s and was stopped.",
                    "TIMEOUT",
                )


def middleware(
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    request_timeout_s: float = REQUEST_TIMEOUT_S,
    cors_origins: Sequence[str] = (),
    cors_headers: Sequence[str] = CORS_HEADERS,
    own_limits: Sequence[str] = (),
) -> list[Middleware]:
    """The middleware stack, outermost first.

    Requests to paths starting with one of ``own_limits`` (the bulk routes)
    skip the body-size and time limits, which those routes set themselves.

    CORS comes first so that the 413 and 504 answers carry its headers for
    allowed origins; the timeout wraps the body read, so a slow upload ends too.
    Credentials (cookies) are never allowed cross-origin: the API authenticates
    with the ``Authorization`` header only, which is also why compressing
    answers that hold tokens gives a BREACH attacker nothing: a foreign page
    cannot make a browser send a signed-in request.
    """
    stack: list[Any] = [
        Middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=list(cors_headers),
            allow_credentials=False,
            max_age=600,
        ),
        Middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=6),
        Middleware(RequestTimeout, seconds=request_timeout_s, own_limits=own_limits),
        Middleware(BodySizeLimit, max_bytes=max_body_bytes, own_limits=own_limits),
    ]
    return stack
