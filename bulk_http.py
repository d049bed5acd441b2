"""Bulk import and export over HTTP: the ``visitplan import`` and ``export``
commands for admins and partners' API keys (docs/integration.md).

``POST /bulk/import/{kind}`` takes the file as the request body and answers
202 at once with an import job; ``GET /bulk/imports/{id}`` tells how far it
got (rows read, written, invalid, each error's row, column and reason).
``GET /bulk/export/{kind}`` streams the export. Callers sign in as for the
GraphQL endpoint (a bearer access token or API key); every refusal is a JSON
body with ``errors[0].extensions.code``, as everywhere in the API.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Callable
from typing import IO, Any

from pymongo.errors import ConnectionFailure
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from graphql_http import JSON, RequestRefused, refusal
from resolvers import access, audit
from resolvers.access import Forbidden, Principal, Unauthenticated
from resolvers.auth import Auth, authenticate
from resolvers.bulk.exporting import export_chunks
from resolvers.bulk.files import FORMATS
from resolvers.bulk.jobs import ImportJobs, TooManyImports
from resolvers.bulk.mappings import (
    ENTITIES,
    PRESETS,
    Mapping,
    MappingInvalid,
    load_mapping,
    parse_time,
)
from resolvers.context import Context

log = logging.getLogger("visitplan")

#: The paths that set their own body limit and time (``defenses.http`` lets
#: them through; the import reads its body within ``max_bytes``).
PREFIX = "/bulk/"
#: Uploads larger than this are kept on disk rather than in memory.
SPOOL_BYTES = 1024 * 1024
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")


class BulkApi:
    """The bulk routes of one app: its credentials, limits and import jobs.

    Args:
        auth: the server's signing secret (what the GraphQL view checks).
        max_bytes: the largest import body; larger ones get 413.
        upload_timeout_s: an import body must arrive within this, else 408.
        jobs: the imports the server runs.
    """

    def __init__(
        self,
        auth: Auth,
        *,
        max_bytes: int,
        upload_timeout_s: float,
        jobs: ImportJobs | None = None,
    ) -> None:
        self.auth = auth
        self.max_bytes = max_bytes
        self.upload_timeout_s = upload_timeout_s
        self.jobs = jobs or ImportJobs()

    def routes(self) -> list[Route]:
        """The routes to add to the app."""
        return [
            Route(PREFIX + "import/{kind}", self.start_import, methods=["POST"]),
            Route(
                PREFIX + "imports/{id}",
                self.read_import,
                methods=["GET"],
                name="bulk_import",
            ),
            Route(PREFIX + "export/{kind}", self.export, methods=["GET"]),
        ]

    async def start_import(self, request: Request) -> Response:
        """``POST /bulk/import/{kind}``: 202 and the job, or a coded refusal."""
        return await _answer(self._start_import(request))

    async def read_import(self, request: Request) -> Response:
        """``GET /bulk/imports/{id}``: the job, as far as it got."""
        return await _answer(self._read_import(request))

    async def export(self, request: Request) -> Response:
        """``GET /bulk/export/{kind}``: every row the caller may read, streamed."""
        return await _answer(self._export(request))

    async def _permitted(
        self, request: Request, check: Callable[[Principal, str], None]
    ) -> tuple[str, Context]:
        """The kind of rows the path names and the caller, if ``check`` lets
        the caller at them; a refused import is in the audit trail, as a
        refused mutation is."""
        kind = _kind(request)
        ctx = await self._context(request)
        assert ctx.principal is not None
        try:
            check(ctx.principal, kind)
        except Forbidden as refused:
            if check is access.check_may_import:
                operation = "import" + kind.capitalize()
                await audit.record(ctx, [operation], ["FORBIDDEN"])
            raise RequestRefused(403, str(refused), "FORBIDDEN") from None
        return kind, ctx

    async def _start_import(self, request: Request) -> Response:
        kind, ctx = await self._permitted(request, access.check_may_import)
        params = request.query_params
        fmt = _format(params.get("format"), request.headers.get("content-type"))
        mapping = _mapping(params.get("mapping"), kind)
        dry_run = _flag(params.get("dryRun"), "dryRun")
        skip_invalid = _flag(params.get("skipInvalid"), "skipInvalid")
        upload = await self._upload(request)
        try:
            job = self.jobs.start(
                ctx,
                kind,
                mapping,
                upload,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                fmt=fmt,
            )
        except TooManyImports as busy:
            raise RequestRefused(
                429, str(busy), "RATE_LIMITED", headers={"retry-after": "30"}
            ) from None
        location = request.url_for("bulk_import", id=job.id).path
        return JSONResponse(job.view(), status_code=202, headers={"location": location})

    async def _read_import(self, request: Request) -> Response:
        ctx = await self._context(request)
        assert ctx.principal is not None
        job = self.jobs.get(request.path_params["id"], ctx.principal)
        if job is None:
            raise RequestRefused(404, "No import job has this id.", "NOT_FOUND")
        return JSONResponse(job.view())

    async def _export(self, request: Request) -> Response:
        kind, ctx = await self._permitted(request, access.check_may_export)
        fmt = request.query_params.get("format", "csv")
        if fmt not in FORMATS:
            raise _invalid(f"format: csv or jsonl, not {fmt!r}")
        since = None
        if (raw := request.query_params.get("since")) is not None:
            try:
                since = parse_time(raw)
            except ValueError as error:
                raise _invalid(f"since: {error}") from None
        chunks = export_chunks(kind, fmt, since, ctx.principal)
        return StreamingResponse(
            chunks,
            media_type=MEDIA_TYPES[fmt],
            headers={
                "content-disposition": f'attachment; filename="{kind}.{fmt}"',
                "cache-control": "private, no-store",
            },
        )

    async def _context(self, request: Request) -> Context:
        """The caller, identified as the GraphQL view identifies it."""
        try:
            who, session_id = await authenticate(
                self.auth, request.headers.get("authorization")
            )
        except Unauthenticated as refused:
            raise RequestRefused(401, str(refused), "UNAUTHENTICATED") from None
        if who is None:
            raise RequestRefused(
                401,
                "sign in, or send an API key, in the Authorization header",
                "UNAUTHENTICATED",
            )
        return _context_for(request, who, self.auth, session_id)

    async def _upload(self, request: Request) -> IO[bytes]:
        """The body in a temporary file, within ``max_bytes`` and the time."""
        declared = request.headers.get("content-length")
        if (
            declared is not None
            and declared.isdigit()
            and int(declared) > self.max_bytes
        ):
            raise self._too_large()
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        size = 0
        try:
            async with asyncio.timeout(self.upload_timeout_s):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise self._too_large()
                    spool.write(chunk)
        except TimeoutError:
            spool.close()
            raise RequestRefused(
                408,
                f"The file did not arrive within {self.upload_timeout_s:g} s.",
                "TIMEOUT",
            ) from None
        except BaseException:
            spool.close()
            raise
        if size == 0:
            spool.close()
            raise _invalid("the request body is empty: send the file as the body")
        spool.seek(0)
        return spool

    def _too_large(self) -> RequestRefused:
        return RequestRefused(
            413,
            f"The file is larger than {self.max_bytes} bytes "
            "(VISITPLAN_BULK_MAX_BYTES); split it, or ask for a larger limit.",
            "PAYLOAD_TOO_LARGE",
        )


def _context_for(
    request: Request, who: Principal, auth: Auth, session_id: str | None
) -> Context:
    address = request.client.host if request.client else None
    return Context(principal=who, auth=auth, session_id=session_id, address=address)


async def _answer(work: Any) -> Response:
    """What ``work`` answers, or its refusal as a JSON error body."""
    try:
        return await work
    except RequestRefused as refused:
        return refusal(refused, JSON)
    except ConnectionFailure as error:
        log.warning("bulk: store unavailable: %s", type(error).__name__)
        unavailable = "The data store is unavailable; try again later."
        return refusal(RequestRefused(503, unavailable, "SERVICE_UNAVAILABLE"), JSON)


def _invalid(message: str) -> RequestRefused:
    return RequestRefused(400, message, "VALIDATION")


def _kind(request: Request) -> str:
    kind = str(request.path_params["kind"])
    if kind not in ENTITIES:
        raise RequestRefused(
            404, f"No such kind {kind!r}: customers, demands or visits.", "NOT_FOUND"
        )
    return kind


def _format(given: str | None, media: str | None) -> str:
    """``format``, else the one the body's ``Content-Type`` says, else CSV."""
    if given is not None:
        if given not in FORMATS:
            raise _invalid(f"format: csv or jsonl, not {given!r}")
        return given
    kind = (media or "").split(";")[0].strip().lower()
    return "jsonl" if kind in JSONL_TYPES else "csv"


def _mapping(spec: str | None, kind: str) -> Mapping:
    """A preset (never a file: the server's files are not the caller's)."""
    if spec is not None and spec not in PRESETS:
        names = ", ".join(PRESETS)
        raise _invalid(f"mapping: a preset ({names}), not {spec!r}")
    try:
        return load_mapping(spec, kind)
    except MappingInvalid as error:
        raise _invalid(f"mapping: {error.message}") from None


def _flag(raw: str | None, name: str) -> bool:
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no", ""):
        return False
    raise _invalid(f"{name}: true or false, not {raw!r}")
