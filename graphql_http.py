"""GraphQL over HTTP: the media type of an answer, its status code, refusals as JSON.

Follows the GraphQL-over-HTTP draft (https://graphql.github.io/graphql-over-http/draft/):

* A client that accepts ``application/graphql-response+json`` gets its answers
  in it, with the status code telling what happened: a *request error* (the
  document did not parse, failed validation or a document limit, or its
  variables did not fit; nothing ran) is 400 and its body has no ``data``;
  an answer from execution is 200, whatever field errors it holds.
* Every other client (``application/json``, ``*/*`` or no ``Accept``) gets
  ``application/json`` and 200 for every GraphQL answer, as before the draft.
* A request refused before its document is read (a body that is not JSON, an
  unsupported content type, a mutation over GET, a body too large, a request
  that took too long) gets a 4xx/5xx status in either media type, with the same
  JSON error shape: ``{"errors": [{"message": ..., "extensions": {"code": ...}}]}``.

No project imports, so the ASGI middleware (``defenses.http``) and the view
(``server``) share it; ``resolvers.persisted`` names the persisted-document
codes whose statuses ``DOCUMENT_STATUS`` gives.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from graphql import GraphQLError
from starlette.responses import Response

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

#: The code a refusal by status carries when its raiser gave none.
CODES_BY_STATUS = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    504: "TIMEOUT",
}

#: The status of each persisted-document refusal, in either media type, as
#: Apollo Server and Apollo Router answer them (an unknown APQ hash is 200, so
#: that no client or proxy hides the body the retry depends on).
DOCUMENT_STATUS = {
    "PERSISTED_QUERY_NOT_FOUND": 200,
    "PERSISTED_QUERY_HASH_MISMATCH": 400,
    "BAD_REQUEST": 400,
    "PERSISTED_QUERY_NOT_IN_LIST": 404,
    "QUERY_NOT_IN_SAFELIST": 403,
}
#: Answers that must not be cached: the same request may succeed next time.
NO_CACHE = {"cache-control": "private, no-cache, must-revalidate"}

#: Request errors that are the server's, not the client's: their status.
_SERVER_CODES = {"INTERNAL_SERVER_ERROR": 500, "STORE_UNAVAILABLE": 503}


def negotiate(accept: str | None) -> str:
    """The media type to answer in, given the request's ``Accept`` header.

    ``application/graphql-response+json`` when the client lists it with a
    quality at least that of ``application/json`` (or of a wildcard);
    ``application/json`` otherwise, also for ``*/*`` and no header at all.
    """
    graphql_q = json_q = -1.0
    for part in (accept or "").split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if media == GRAPHQL_RESPONSE_JSON:
            graphql_q = max(graphql_q, quality)
        elif media in (JSON, "application/*", "*/*"):
            json_q = max(json_q, quality)
    if graphql_q > 0 and graphql_q >= json_q:
        return GRAPHQL_RESPONSE_JSON
    return JSON


def content_type(media_type: str) -> str:
    """The ``Content-Type`` header of an answer in ``media_type`` (UTF-8 always)."""
    return f"{media_type}; charset=utf-8"


class RequestRefused(Exception):
    """A request the server will not run: an HTTP status and a coded error.

    Attributes:
        status: the HTTP status, in either media type.
        message: the error's message.
        code: its ``extensions.code``.
        headers: extra response headers (``Allow``, ``Cache-Control``).
    """

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES_BY_STATUS.get(status, "BAD_REQUEST")
        self.headers = dict(headers or {})


def error_body(message: str, code: str) -> bytes:
    """The JSON body of a refusal: one error with its code, and no ``data``."""
    document = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return json.dumps(document, separators=(",", ":")).encode()


def is_request_error(data: object, errors: Iterable[GraphQLError] | None) -> bool:
    """Whether an answer is a request error: errors, no data, and none at a field.

    Parse, validation, document-limit and variable errors carry no ``path``;
    an error raised by a field always does, even when it nulls the whole answer.
    """
    found = list(errors or ())
    return data is None and bool(found) and all(e.path is None for e in found)


def status_of(media_type: str, data: object, errors: list[GraphQLError] | None) -> int:
    """The status of a GraphQL answer in ``media_type``.

    ``application/json``: 200. ``application/graphql-response+json``: 200 once
    execution started, else 400 for the client's request errors and 500 or 503
    when only the server's faults stopped it.
    """
    if media_type != GRAPHQL_RESPONSE_JSON or not is_request_error(data, errors):
        return 200
    codes = {(e.extensions or {}).get("code") for e in errors or ()}
    faults = [_SERVER_CODES[c] for c in codes if c in _SERVER_CODES]
    if faults and len(faults) == len(codes):
        return max(faults)
    return 400


def document_refused(code: str, message: str) -> RequestRefused:
    """The refusal of a request whose persisted document cannot run."""
    return RequestRefused(DOCUMENT_STATUS.get(code, 400), message, code, NO_CACHE)


def refusal(refused: RequestRefused, media_type: str) -> Response:
    """The answer to a refused request, in ``media_type``."""
    return Response(
        error_body(refused.message, refused.code),
        status_code=refused.status,
        headers={"content-type": content_type(media_type), **refused.headers},
    )


def accept_of(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The ``Accept`` header of raw ASGI headers, if any."""
    for name, value in headers:
        if name == b"accept":
            return value.decode("latin-1")
    return None
