"""The HTTP server: Starlette routes, the store's lifespan, and the GraphQL view."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLError
from motor.motor_asyncio import AsyncIOMotorClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from resolvers import solver_pool
from resolvers.context import Context
from schema import schema
from settings import Settings
from store import EmbeddedStore, open_database, redact

log = logging.getLogger("visitplan")


MASKED_MESSAGE = "Unexpected error."


def _is_expected(error: GraphQLError) -> bool:
    """Errors the client caused (bad query, refused input) keep their message."""
    return bool((error.extensions or {}).get("code")) or error.original_error is None


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with a fresh ``Context`` (and loaders) per request.

    With ``mask_errors``, unexpected failures reach the client as a generic message
    with ``extensions.code`` INTERNAL_SERVER_ERROR; the server logs their type.
    """

    def __init__(self, *args: Any, mask_errors: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mask_errors = mask_errors

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(request=request, response=response)

    async def process_result(
        self, request: Any, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if result.errors:
            result.errors = [self._shown(e) for e in result.errors]
        return await super().process_result(request, result)

    def _shown(self, error: GraphQLError) -> GraphQLError:
        if _is_expected(error):
            return error
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


async def _seed_demo_if_empty() -> None:
    from seed import seed_demo, store_is_empty

    if not await store_is_empty():
        log.info("the store holds data; no demo data added")
        return
    counts = await seed_demo()
    log.warning(
        "demo data added: %s users, %s customers, %s demands, %s visits",
        counts.reps,
        counts.customers,
        counts.demands,
        counts.visits,
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
        store: an embedded store the caller started and will stop; without it
            and without ``settings.mongodb_uri`` the app runs its own.
    """
    settings = settings or Settings.from_env()
    view = GraphQLView(
        schema,
        graphql_ide=None if settings.production else "graphiql",
        mask_errors=settings.production and not settings.debug_errors,
    )
    state: dict[str, Any] = {"store": "not connected" if connect else "external"}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not connect:
            state["store"] = "external"
            yield
            return
        owned: EmbeddedStore | None = None
        if store is None and settings.mongodb_uri is None:
            owned = EmbeddedStore(settings.data_dir).start()
        running = store or owned
        uri = running.uri if running else str(settings.mongodb_uri)
        client: AsyncIOMotorClient | None = None
        try:
            client, _ = await open_database(uri, settings.database)
            state["store"] = "embedded" if running else "mongodb"
            state["uri"] = redact(uri)
            state["client"] = client
            app.state.client = client
            if settings.demo:
                await _seed_demo_if_empty()
            solver_pool.warm_up()
            yield
        finally:
            solver_pool.shutdown()
            if client is not None:
                client.close()
            if owned is not None:
                owned.stop()

    async def healthz(request: Request) -> Response:
        body: dict[str, Any] = {
            "status": "ok",
            "store": state["store"],
            "database": settings.database,
        }
        client = state.get("client")
        if client is not None:
            body["uri"] = state["uri"]
            try:
                info = await client.server_info()
                body["server_version"] = info.get("version")
            except Exception as error:  # the point of a health check is to say so
                log.warning("health check failed: %s", type(error).__name__)
                return JSONResponse({**body, "status": "unavailable"}, status_code=503)
        return JSONResponse(body)

    routes = [
        Route("/graphql", view, methods=["GET", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def app() -> Starlette:
    """Factory for ``uvicorn --factory server:app``."""
    return create_app()
