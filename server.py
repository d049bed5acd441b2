"""The HTTP server: Starlette routes, the store's lifespan, and the GraphQL view."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import math
import secrets
import sys
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo.errors import ConnectionFailure
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

import bulk_http
import graphql_http
import ide
import log_privacy
from defenses import http as http_limits
from defenses import logs
from defenses.limits import production_rules, without_suggestions
from defenses.websocket import KeepAliveWSHandler
from graphql_http import RequestRefused
from resolvers import persisted
from resolvers.access import Unauthenticated
from resolvers.auth import Auth, authenticate, identify
from resolvers.calendar_feed import read_feed
from resolvers.calendar_tokens import FEED_PATH
from resolvers.context import Context
from resolvers.persisted import DocumentRefused, PersistedDocuments
from resolvers.plans import DaskEngine, PlanJobs, SolverPool
from schema import schema
from schema.errors import is_client_error, shown, with_document_code
from settings import Settings
from store import EmbeddedStore, open_database
from store_watch import Pinger, StoreWatch

log = logging.getLogger("visitplan")


MASKED_MESSAGE = "Unexpected error."
STORE_UNAVAILABLE_MESSAGE = "The data store is unavailable; try again later."
#: The ``extensions.code`` of every answer the store's absence stopped.
STORE_UNAVAILABLE = "STORE_UNAVAILABLE"
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _store_unavailable(error: GraphQLError) -> bool:
    """pymongo could not reach the store (server selection, network, failover)."""
    cause: BaseException | None = error.original_error
    for _ in range(5):  # resolvers may wrap the driver's error
        if cause is None or isinstance(cause, ConnectionFailure):
            break
        cause = cause.__cause__ or cause.__context__
    return isinstance(cause, ConnectionFailure)


def store_unavailable() -> RequestRefused:
    """The refusal of a request that cannot run without the store: 503."""
    return RequestRefused(
        503, STORE_UNAVAILABLE_MESSAGE, STORE_UNAVAILABLE, headers={"retry-after": "1"}
    )


def store_is_down(request: Request) -> bool:
    """Whether the app's store watch takes the store as down (see store_watch)."""
    watch: StoreWatch | None = getattr(request.app.state, "store_watch", None)
    return watch is not None and not watch.up


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999
        raise ValueError(f"{text} is out of range")
    return value


class CountedWSHandler(KeepAliveWSHandler[Context, None]):
    """The ``graphql-transport-ws`` handler, pinging the client and closing a
    connection whose credential no longer holds (``defenses.websocket``), and
    giving back the connection's slot in the per-user count when it closes."""

    async def handle(self) -> None:
        """Serve the connection until it closes."""
        try:
            await super().handle()
        finally:
            view: GraphQLView = self.view  # type: ignore[assignment]
            view.release(self.context)

    async def _send_result_stream(
        self, operation: Operation[Context, None], result_source: Any
    ) -> None:
        # Errors raised while an operation runs get the codes and the masking
        # of HTTP answers, which Strawberry applies in process_result only.
        # Errors of the document itself stay as they are: a syntax error
        # must still close the connection with 4400.
        view: GraphQLView = self.view  # type: ignore[assignment]

        async def shown() -> AsyncGenerator[Any, None]:
            async for result in result_source:
                if result.errors and not isinstance(result, PreExecutionError):
                    result.errors = [
                        view.shown_error(e) if e.original_error else e
                        for e in result.errors
                    ]
                yield result

        async with contextlib.aclosing(shown()) as results:
            await super()._send_result_stream(operation, results)

    async def _handle_pre_execution_error(
        self, operation: Operation[Context, None], result: PreExecutionError
    ) -> None:
        # A document refused before it runs (a limit, a validation rule) gets
        # its code as over HTTP; one that closes the connection (4400) stays.
        if result.errors and not self._get_pre_execution_close_reason(result.errors[0]):
            view: GraphQLView = self.view  # type: ignore[assignment]
            result.errors = [view.shown_error(e) for e in result.errors]
        await super()._handle_pre_execution_error(operation, result)


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with a fresh ``Context`` (and loaders) per request.

    With ``mask_errors``, unexpected failures reach the client as a generic message
    with ``extensions.code`` INTERNAL_SERVER_ERROR; the server logs their type.
    Answers follow GraphQL over HTTP (``graphql_http``): the media type the
    client accepts, its status codes, and JSON bodies for every refusal. A
    request's document comes from its text, an APQ hash or the allow-list
    (``resolvers.persisted``).
    """

    def __init__(
        self,
        *args: Any,
        auth: Auth,
        mask_errors: bool = False,
        production: bool = False,
        documents: PersistedDocuments | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.production = production
        self.auth = auth
        #: Seconds a request may take before the server stops it (None: no limit).
        self.time_budget: float | None = None
        self.mask_errors = mask_errors
        self.documents = documents or PersistedDocuments()
        #: Open WebSocket connections per user (or API key) in this process.
        self.max_ws_per_user: int | None = None
        self.ws_open: dict[str, int] = {}
        #: Keep-alive of WebSocket connections (``defenses.websocket``).
        self.ws_ping_interval_s = 15.0
        self.ws_pong_timeout_s = 10.0

    graphql_transport_ws_handler_class = CountedWSHandler

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        """Identify the caller from ``connection_init``'s payload.

        The payload carries what the HTTP API takes in its header, as
        ``{"authorization": "Bearer <token>"}`` (or ``{"token": "<token>"}``).
        Without a valid credential, or past the per-user connection limit, the
        connection is closed with 4403 Forbidden.
        """
        params = context.connection_params or {}
        raw = params.get("authorization") or params.get("Authorization")
        token = params.get("token")
        if isinstance(raw, str):
            scheme, _, rest = raw.partition(" ")
            token = rest if scheme.lower() == "bearer" else None
        if not isinstance(token, str) or not token.strip():
            raise ConnectionRejectionError({"reason": "no credential"})
        try:
            who, session_id = await identify(self.auth, token.strip())
        except Unauthenticated as refused:
            raise ConnectionRejectionError({"reason": str(refused)}) from None
        owner = str(who.key_id or who.user_id)
        if (
            self.max_ws_per_user is not None
            and self.ws_open.get(owner, 0) >= self.max_ws_per_user
        ):
            raise ConnectionRejectionError({"reason": "too many connections"})
        self.ws_open[owner] = self.ws_open.get(owner, 0) + 1
        context.principal, context.session_id = who, session_id
        context.credential = token.strip()
        context.auth_error = None
        return None

    async def credential_holds(self, context: Context) -> bool:
        """Whether a connection's credential still identifies its caller; a
        store that does not answer keeps the connection open."""
        if context.credential is None:
            return True
        try:
            await identify(self.auth, context.credential)
        except Unauthenticated:
            return False
        except Exception as error:  # an outage is not the client's fault
            log.warning("credential check failed: %s", type(error).__name__)
        return True

    def release(self, context: Context) -> None:
        """Give back a closed connection's slot in the per-user count."""
        who = context.principal
        if context.credential is None or who is None:
            return
        owner = str(who.key_id or who.user_id)
        left = self.ws_open.get(owner, 1) - 1
        if left > 0:
            self.ws_open[owner] = left
        else:
            self.ws_open.pop(owner, None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request; every refusal is a JSON error body."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        media_type = graphql_http.negotiate(request.headers.get("accept"))
        request.state.media_type = media_type
        try:
            response = await self.run(request)
        except HTTPException as error:  # Strawberry's own refusals
            allow = {"allow": "GET, POST"} if error.status_code == 405 else {}
            refused = RequestRefused(error.status_code, error.reason, headers=allow)
            response = graphql_http.refusal(refused, media_type)
        except RequestRefused as refused:
            response = graphql_http.refusal(refused, media_type)
        except Exception as error:  # a bug: still a coded JSON answer
            log.error("request failed: %s", type(error).__name__, exc_info=error)
            fault = RequestRefused(500, MASKED_MESSAGE, "INTERNAL_SERVER_ERROR")
            response = graphql_http.refusal(fault, media_type)
        else:
            if response.media_type == graphql_http.JSON:  # a GraphQL answer
                response.headers["content-type"] = graphql_http.content_type(media_type)
                response.status_code = getattr(request.state, "status", 200)
        await response(scope, receive, send)

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET with only a persisted query's hash is an operation, not a visit.
        return super().should_render_graphql_ide(request) and (
            request.query_params.get("extensions") is None
        )

    async def parse_http_body(self, request: Any) -> Any:
        """The request's parameters; POST bodies must be ``application/json``."""
        if request.method == "POST":
            media, _ = parse_content_type(request.content_type or "")
            if media.lower() != "application/json":
                raise RequestRefused(
                    415, "Unsupported content type: send application/json."
                )
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData) and not isinstance(
            data.operation_name, str | None
        ):
            raise RequestRefused(
                400, "The GraphQL operation's `operationName` must be a string."
            )
        return data

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Run the request's document: its text, or the one its hash names."""
        try:
            document = await self.documents.resolve(
                request_data.query, request_data.extensions
            )
        except DocumentRefused as refused:
            raise graphql_http.document_refused(refused.code, refused.message) from None
        except ConnectionFailure as error:
            log.warning("store unavailable: %s", type(error).__name__)
            raise store_unavailable() from None
        request_data = dataclasses.replace(request_data, query=document.query)
        try:
            result = await super().execute_single(
                request,
                request_adapter,
                sub_response,
                context,
                root_value,
                request_data,
            )
        except HTTPException as error:
            if request_adapter.method == "GET" and isinstance(
                error.__cause__, InvalidOperationTypeError
            ):
                raise RequestRefused(
                    405,
                    f"{error.reason}: send it with POST.",
                    headers={"allow": "POST"},
                ) from None
            raise
        if document.register and not graphql_http.is_request_error(
            result.data, result.errors
        ):
            try:
                await persisted.register(document.register, str(document.query))
            except ConnectionFailure as error:  # the answer stands; the next retry
                log.warning("query not registered: %s", type(error).__name__)
        return result

    async def get_context(self, request: Any, response: Any) -> Context:
        if request.scope["type"] == "http" and store_is_down(request):
            # Every operation reads the store (sign-in, credentials, data):
            # refused at once rather than left to the driver's timeout.
            raise store_unavailable()
        header = request.headers.get("authorization")
        address = request.client.host if request.client else None
        # What the lifespan opened (absent when it did not run, as under a bare
        # ASGI transport): the solver pool and the background plans.
        state = request.app.state
        plans = {
            "pool": getattr(state, "pool", None),
            "jobs": getattr(state, "jobs", None),
        }
        try:
            who, session_id = await authenticate(self.auth, header)
        except ConnectionFailure as error:  # an API key or session not checked
            log.warning("store unavailable: %s", type(error).__name__)
            raise store_unavailable() from None
        except Unauthenticated as refused:
            # Kept for the first field that needs a principal; signIn still works.
            return Context(
                request=request,
                response=response,
                auth=self.auth,
                address=address,
                auth_error=str(refused),
                time_budget=self.time_budget,
                **plans,
            )
        return Context(
            request=request,
            response=response,
            principal=who,
            auth=self.auth,
            session_id=session_id,
            address=address,
            time_budget=self.time_budget,
            **plans,
        )

    def parse_json(self, data: str | bytes) -> Any:
        """Decode a body, ``variables`` or ``extensions``: a JSON object, else 400.

        Strawberry answers only ``JSONDecodeError`` with 400; bytes that are not
        UTF-8, nesting too deep for the decoder and a body of ``null`` or ``5``
        would reach it as server errors. ``NaN`` and ``Infinity`` are not JSON
        and are refused too, as are numbers too large for a float.
        """
        try:
            value = json.loads(data, parse_constant=_no_constant, parse_float=_finite)
        except (ValueError, RecursionError) as error:  # JSONDecodeError, UTF-8
            raise HTTPException(400, "Unable to parse request body as JSON") from error
        if not isinstance(value, dict | list):
            raise HTTPException(400, "The request body must be a JSON object.")
        return value

    async def render_graphql_ide(self, request: Any) -> Response:
        """GraphiQL from this server's own files (``ide``), not from a CDN."""
        return ide.page_response()

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        # Introspection off in production: a per-request flag (defenses.limits).
        with production_rules() if self.production else contextlib.nullcontext():
            return await super().execute_operation(*args, **kwargs)

    async def process_result(
        self, request: Any, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [self.shown_error(e) for e in result.errors]
            if self.production:
                for error in result.errors:
                    error.message = without_suggestions(error.message)
        answer = await super().process_result(request, result)
        media_type = getattr(request.state, "media_type", graphql_http.JSON)
        request.state.status = graphql_http.status_of(
            media_type, result.data, result.errors
        )
        if media_type == graphql_http.GRAPHQL_RESPONSE_JSON and (
            graphql_http.is_request_error(result.data, result.errors)
        ):
            answer.pop("data", None)  # nothing ran: the draft wants no data entry
        return answer

    def shown_error(self, error: GraphQLError) -> GraphQLError:
        """``error`` as the client sees it: a client's error with its code, an
        unavailable store as STORE_UNAVAILABLE, anything else logged and
        coded INTERNAL_SERVER_ERROR (its message masked with ``mask_errors``)."""
        if _store_unavailable(error):
            log.warning("store unavailable: %s", type(error.original_error).__name__)
            return GraphQLError(
                STORE_UNAVAILABLE_MESSAGE,
                path=error.path,
                nodes=error.nodes,
                extensions={"code": STORE_UNAVAILABLE},
            )
        if is_client_error(error):
            # Bad input, a refused limit or access: the client's, so its message
            # and code stand (schema.errors decides, for the log too).
            return with_document_code(shown(error))
        log.error(
            "unexpected error at %s: %s",
            error.path,
            type(error.original_error).__name__,
            exc_info=error.original_error,
        )
        message = MASKED_MESSAGE if self.mask_errors else error.message
        return GraphQLError(
            message,
            path=error.path,
            nodes=error.nodes,
            extensions={"code": "INTERNAL_SERVER_ERROR"},
        )


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, as
    RFC 9110 asks for this header) or is ``*``."""
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


async def calendar_feed(request: Request) -> Response:
    """``GET /calendar/<token>.ics``: the token's owner's visits as iCalendar.

    The token is the only credential (calendar apps send no other); a token
    that is unknown, replaced or revoked, or whose user is disabled, gets the
    same 404. The ETag is a hash of the body, so an unchanged feed is a 304.
    """
    unavailable = PlainTextResponse(
        "unavailable", status_code=503, headers={"retry-after": "1"}
    )
    if store_is_down(request):
        return unavailable
    try:
        body = await read_feed(request.path_params["token"])
    except ConnectionFailure as error:
        log.warning("calendar feed: store unavailable: %s", type(error).__name__)
        return unavailable
    if body is None:
        return PlainTextResponse("not found", status_code=404)
    etag = f'"{hashlib.sha256(body).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=CALENDAR_TYPE, headers=headers)


async def _seed_demo_if_empty() -> None:
    from seed import load

    key = None
    if await load.store_is_empty():
        counts = await load.seed_demo()
        key = await load.create_demo_key()
        log.warning(
            "demo data added: %s users, %s customers, %s demands, %s visits",
            counts.reps,
            counts.customers,
            counts.demands,
            counts.visits,
        )
    print(
        load.sign_in_help(await load.demo_accounts(), key), file=sys.stderr, flush=True
    )


def create_app(
    settings: Settings | None = None,
    *,
    connect: bool = True,
    store: EmbeddedStore | None = None,
) -> Starlette:
    """Build the application.

    Args:
        settings: configuration; read from the environment when omitted.
        connect: open the database in the lifespan (tests that set up Beanie
            themselves pass ``False``).
        store: an embedded store the caller started; the app stops it when it
            shuts down. Without it
            and without ``settings.mongodb_uri`` the app runs its own.
    """
    settings = settings or Settings.from_env()
    if settings.production and len(settings.secret or "") < 32:
        raise RuntimeError(
            "set VISITPLAN_SECRET (32 characters or more): "
            "production signs its tokens with it"
        )
    manifest = None
    if settings.persisted_documents is not None:
        try:
            manifest = persisted.load_manifest(settings.persisted_documents)
        except ValueError as error:
            raise RuntimeError(f"VISITPLAN_PERSISTED_DOCUMENTS: {error}") from error
    view = GraphQLView(
        schema,
        graphql_ide=None if settings.production else "graphiql",
        mask_errors=settings.production and not settings.debug_errors,
        auth=Auth(secret=settings.secret or secrets.token_urlsafe(32)),
        production=settings.production,
        documents=PersistedDocuments(manifest),
        # Subscriptions (docs/subscriptions.md) speak graphql-transport-ws only.
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_s),
    )
    view.time_budget = settings.request_timeout_s
    view.max_ws_per_user = settings.ws_max_connections_per_user
    view.max_subscriptions_per_connection = settings.ws_max_subscriptions
    view.ws_ping_interval_s = settings.ws_ping_interval_s
    view.ws_pong_timeout_s = settings.ws_pong_timeout_s
    bulk = bulk_http.BulkApi(
        view.auth,
        max_bytes=settings.bulk_max_bytes,
        upload_timeout_s=settings.bulk_upload_timeout_s,
    )
    logs.install()
    log_privacy.install()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # The planner's processes and background plans live as long as the app;
        # every request finds them on its Context (see get_context). The engine
        # connects (or starts its local cluster) on the first background plan.
        pool = app.state.pool = SolverPool()
        engine = DaskEngine(settings.scheduler, settings.engine_workers)
        jobs = app.state.jobs = PlanJobs(
            engine,
            per_user=settings.plans_per_user,
            per_team=settings.plans_per_team,
        )
        running: EmbeddedStore | None = None
        client: AsyncIOMotorClient[dict[str, Any]] | None = None
        watch: StoreWatch | None = None
        pinger: Pinger | None = None
        try:
            if connect:
                if store is None and settings.mongodb_uri is None:
                    running = EmbeddedStore(
                        settings.data_dir, sync_on_commit=settings.store_sync_on_commit
                    ).start()
                running = store or running
                uri = running.uri if running else str(settings.mongodb_uri)
                client, _ = await open_database(
                    uri,
                    settings.database,
                    settings.store_timeout_ms,
                    settings.store_connect_timeout_ms,
                )
                app.state.client = client
                # Watches the store from now on, and restarts the embedded one
                # (never a MongoDB of MONGODB_URI) when its process exits.
                pinger = Pinger(
                    uri,
                    settings.store_ping_timeout_ms,
                    settings.store_connect_timeout_ms,
                )
                watch = StoreWatch(
                    pinger,
                    interval_s=settings.store_ping_interval_ms / 1000,
                    failures_to_down=settings.store_ping_failures,
                    store=running,
                )
                app.state.store_watch = watch.start()
                if settings.demo:
                    await _seed_demo_if_empty()
                pool.warm_up()
                jobs.start_sweeping()
            yield
        finally:
            if watch is not None:  # no restart may race the store's stop below
                await watch.stop()
                del app.state.store_watch
            if pinger is not None:
                pinger.close()
            # Plans still being computed are marked failed while the store is
            # open (without connect, the caller's store is).
            if client is not None or not connect:
                await jobs.stop()
                await bulk.jobs.stop()
            await engine.close()
            pool.close()
            del app.state.pool, app.state.jobs
            if client is not None:
                client.close()
            # The app stops the store on shutdown, also one its caller started:
            # uvicorn re-raises SIGTERM once it has shut down, so code after
            # uvicorn.run would not get to do it.
            if running is not None:
                running.stop()

    async def healthz(request: Request) -> Response:
        # Public: says only whether the store answers, never which one or where.
        # The store watch's last verdict, so the answer never waits on the store.
        if store_is_down(request):
            return JSONResponse(
                {"status": "unavailable"},
                status_code=503,
                headers={"retry-after": "1"},
            )
        return JSONResponse({"status": "ok"})

    routes = [
        # Every method reaches the view, which refuses all but GET and POST with
        # a JSON body and an Allow header.
        Route("/graphql", view),
        WebSocketRoute("/graphql", view),
        Route("/healthz", healthz, methods=["GET"]),
        Route(FEED_PATH, calendar_feed, methods=["GET"], name="calendar_feed"),
        *bulk.routes(),
    ]
    if not settings.production:
        routes += ide.routes()
    middleware = http_limits.middleware(
        max_body_bytes=settings.max_body_bytes,
        request_timeout_s=settings.request_timeout_s,
        cors_origins=settings.cors_origins,
        cors_headers=settings.cors_headers,
        own_limits=(bulk_http.PREFIX,),
    )
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


def app() -> Starlette:
    """Factory for ``uvicorn --factory server:app``."""
    return create_app()
