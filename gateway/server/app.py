"""The application factory: compose the plugins, build the graph, mount it with its middleware."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from contextlib import asynccontextmanager, nullcontext
from typing import Any

import orjson
import sqlalchemy as sa
from graphql import GraphQLSchema
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL, HTTPException  # the exception strawberry raises for a malformed request
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from gateway.auth.bearer import build_jwt_authenticator
from gateway.auth.principal import PUBLIC, Principal, Role
from gateway.db.availability import raise_if_unavailable
from gateway.db.engine import serving_engine
from gateway.host.composition import CORE_HTTP_PATHS, Composition, compose
from gateway.host.loading import load_plugins, plugins_running
from gateway.kernel.clock import serve_as_of
from gateway.kernel.errors import BAD_REQUEST, error_body
from gateway.kernel.settings import Settings
from gateway.records.publicity import serve_rules
from gateway.server import heap
from gateway.server.context import GatewayContext, Loaders
from gateway.server.federated import federated_serving
from gateway.server.graphiql import graphiql_assets_mount, graphiql_response
from gateway.server.http import (
    AuthMiddleware,
    BodyLimitMiddleware,
    CrossSiteGuardMiddleware,
    RateLimitMiddleware,
    RequestIdMiddleware,
)
from gateway.server.observability.wiring import Observability
from gateway.server.outage import DatabaseOutageMiddleware
from gateway.server.plain_post import is_plain_json_post, read_operation
from gateway.server.ratelimit import create_rate_limiter, rate_limits
from gateway.server.read_connection import ReadConnectionPark
from gateway.server.schema import Graph, build_graph
from gateway.telemetry.observation import OBSERVATION_KEY

log = logging.getLogger("gateway")

# Where get_context leaves the request's loaders in the ASGI scope, for __call__ to close their
# connection when the request is answered.
_LOADERS_KEY = "gateway.loaders"


class GraphQLEndpoint(GraphQL):
    """Strawberry's ASGI view of one audience's schema, with our context and orjson on the wire."""

    def __init__(self, graph: Graph, role: Role) -> None:
        super().__init__(graph.schema_for(role), graphql_ide="graphiql")
        self.graph = graph

    async def get_context(self, request: Any, response: Any) -> GatewayContext:
        state = request.scope.get("state", {})
        context = request_context(self.graph, state.get("principal", PUBLIC), request, response)
        request.scope[_LOADERS_KEY] = context.loaders
        return context

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            request = Request(scope, receive)
            response = await self._run_plain_post(request) if is_plain_json_post(scope) else None
            if response is None:
                response = await self.run(request)
        except HTTPException as exc:
            # strawberry answers a malformed request in plain text; clients expect a GraphQL body with a code.
            # The code is the cause's when it has one (OperationNameRequired), else BAD_REQUEST.
            code = getattr(exc.__cause__, "code", BAD_REQUEST)
            observation = scope.get("state", {}).get(OBSERVATION_KEY)
            if observation is not None:  # the access line and metrics show the same code as the body
                observation.refused_with = code
            body = error_body(exc.reason, code)
            response = Response(orjson.dumps(body), status_code=exc.status_code, media_type="application/json")
        finally:
            # The request's read connection goes back to the pool once the result is built, before the
            # body is sent, and on every error too (an outage's DatabaseUnavailable passes on to the 503).
            loaders = scope.pop(_LOADERS_KEY, None)
            if loaders is not None:
                await loaders.close()
        await response(scope, receive, send)

    async def _run_plain_post(self, request: Request) -> Response | None:
        """A JSON POST of one operation, as strawberry's view runs it without its general parsing and
        dispatch (gateway.server.plain_post); None when the body is anything else, for the view."""
        operation = read_operation(await request.body())
        if operation is None:
            return None
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        result = await self.execute_single(
            request=request,
            request_adapter=self.request_adapter_class(request),
            sub_response=sub_response,
            context=context,
            root_value=await self.get_root_value(request),
            request_data=operation,
        )
        # The schema has no incremental delivery, so the result is one ExecutionResult, as the view's is.
        response_data = await self.process_result(request, result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data=response_data, sub_response=sub_response)

    async def render_graphql_ide(self, request: Any) -> Response:
        # Our page, not strawberry's: its assets come from this gateway (no CDN) and it takes an API key.
        return graphiql_response()

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        # An error that came from a database outage turns the whole answer into the 503 of
        # DatabaseOutageMiddleware: a partial 200 would hide it, and a mutation must not look done.
        raise_if_unavailable(result.errors)
        return await super().process_result(request, result)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        """A POST body, and the ``variables`` and ``extensions`` of a GET, must be JSON objects (or, for
        a body, an array, which strawberry refuses as a batch): strawberry would fail on ``null`` with a 500."""
        value = super().parse_json(data)  # invalid JSON: 400 already
        if not isinstance(value, dict | list):
            raise HTTPException(400, f"Expected a JSON object, found {_json_kind(value)}")
        return value


def request_context(graph: Graph, principal: Principal, request: Any, response: Any = None) -> GatewayContext:
    """The context one operation runs in: its principal, fresh loaders, and the day and rules it is served as of.
    The caller closes ``context.loaders`` when the answer is built."""
    # The day and the rules travel in the context (and its loaders). The two calls below mirror
    # them for code reached without a context: record types' computed fields, plugins' SQL helpers.
    day, rules = graph.clock.today(), graph.settings.publicity
    serve_as_of(day)
    serve_rules(rules)
    loaders = Loaders(
        graph.loader_specs,
        graph.engine,
        record_loaders=graph.record_loader_names,
        derived=graph.derived_fact_loaders,
        principal=principal,
        day=day,
        rules=rules,
        park=graph.read_park,
    )
    state = request.scope.get("state", {}) if request is not None else {}
    return GatewayContext(
        graph=graph,
        principal=principal,
        request_id=state.get("request_id", "-"),
        loaders=loaders,
        request=request,
        response=response,
        day=day,
        rules=rules,
    )


class PublicGraphQL:
    """Operations run in process against the public audience's schema, for plugins' pages (``http_routes``):
    what a page shows is then exactly what the public API answers, under the same limits and extensions.
    The public principal is used whatever credential the request carried: a page is the same for everyone,
    and the public is never written to the query record."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    @property
    def graphql_schema(self) -> GraphQLSchema:
        """The public audience's graphql-core schema: which types and fields an operation may name."""
        return self.graph.schema_for(Role.PUBLIC)._schema

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, request: Any = None
    ) -> ExecutionResult:
        """Raises ``DatabaseUnavailable`` (answered 503 by the outage middleware) when an error came from an
        outage, as ``/graphql`` does; every other error is in the result."""
        context = request_context(self.graph, PUBLIC, request)
        try:
            result = await self.graph.schema_for(Role.PUBLIC).execute(
                query, variable_values=variables, context_value=context
            )
        finally:
            await context.loaders.close()
        raise_if_unavailable(result.errors)
        return result


class _CrossSiteGuardOutsidePluginRoutes:
    """The cross-site guard for every path but the plugins' own (``http_routes``), whose HTML forms post
    form-encoded bodies; a plugin route guards itself."""

    def __init__(self, app: ASGIApp, plugin_routes: list[BaseRoute]) -> None:
        self.app = app
        self.guarded = CrossSiteGuardMiddleware(app)
        self.plugin_routes = plugin_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A core path (/graphql, /healthz …) is no plugin's: composition refuses a plugin route that
        # clashes with one, so there is no need to try every plugin route for it.
        if (
            scope["type"] == "http"
            and scope["path"] not in CORE_HTTP_PATHS
            and any(route.matches(scope)[0] is not Match.NONE for route in self.plugin_routes)
        ):
            await self.app(scope, receive, send)
            return
        await self.guarded(scope, receive, send)


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a string" if isinstance(value, str) else "a number"


class AudienceRouter:
    """Sends each request to the endpoint of its principal's audience: a role never validates, let
    alone runs, an operation against fields it may not see."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.endpoints: dict[Role, GraphQLEndpoint] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        role = scope.get("state", {}).get("principal", PUBLIC).role
        endpoint = self.endpoints.get(role)
        if endpoint is None:
            endpoint = self.endpoints[role] = GraphQLEndpoint(self.graph, role)
        await endpoint(scope, receive, send)


def compose_plugins(settings: Settings, extra_plugins: Iterable[tuple[str, Any]] = ()) -> Composition:
    manager, plugins = load_plugins(settings.plugins, extra=extra_plugins)
    return compose(manager, plugins)


def create_app(
    settings: Settings | None = None,
    *,
    extra_plugins: Iterable[tuple[str, Any]] = (),
    engine: AsyncEngine | None = None,
    settle_heap: bool = False,
    park_reads: bool = False,
) -> Starlette:
    """Build the ASGI app. Raises ``ConfigurationError`` when the plugins do not compose.
    ``settle_heap``: a serving process's garbage-collection tuning (gateway.server.heap), for ``serve``.
    ``park_reads``: on PostgreSQL, requests lend their read connections to the next ones instead of
    giving them back to the pool (gateway.server.read_connection.ReadConnectionPark), for ``serve``; the
    app's shutdown gives them back (whoever calls this without running the app's lifespan closes
    ``app.state.graph.read_park`` before disposing of the engine)."""
    settings = settings or Settings()
    composition = compose_plugins(settings, extra_plugins)
    jwt_authenticator = build_jwt_authenticator(settings, composition.plugin_names)
    owns_engine = engine is None
    engine = engine or serving_engine(settings)
    observability = Observability(settings, engine)  # before the graph: it adds a schema extension
    graph = build_graph(settings, engine, composition, extensions=observability.schema_extensions)
    if park_reads and engine.dialect.name == "postgresql":
        # Half the pool: the other half stays for writes, and for requests beyond the parked ones.
        graph.read_park = ReadConnectionPark(engine, max(1, engine.sync_engine.pool.size() // 2))
    rate_limiter = create_rate_limiter(settings.redis_url, settings.rate_limit_key_prefix)
    plugin_routes = [owned.item for owned in composition.http_routes]
    # With a supergraph (setting or serve --supergraph), /graphql serves it (gateway.server.federated).
    federated = federated_serving(settings, graph, request_context)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", **(federated.health() if federated is not None else {})})

    async def readyz(_: Request) -> Response:
        try:
            # Bounded: a database host that accepts connections and never answers must not hang the probe.
            async with asyncio.timeout(settings.readiness_timeout), engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except Exception as exc:  # any failure (a timeout too) means not ready; say which
            log.warning("readiness check failed: %r", exc)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ready", "database": "ok", "plugins": composition.plugin_names})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> Any:
        if settle_heap:
            graph.on_schema_built = heap.settle  # a role's schema, built on its first request
            heap.tune()
            heap.settle()
        try:
            # Each plugin's startup, then (on shutdown, or when one fails to start) their shutdowns.
            async with (
                plugins_running(composition.manager, app=app, graph=graph),
                federated.running() if federated is not None else nullcontext(),
            ):
                yield
        finally:  # a failed start too: close what the core opened
            observability.close()
            await rate_limiter.aclose()
            if graph.read_park is not None:
                await graph.read_park.close()
            if owns_engine:
                await engine.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", federated.endpoint if federated is not None else AudienceRouter(graph)),
            *(federated.routes if federated is not None else []),  # the admin's supergraph reload
            *observability.routes,  # /metrics
            graphiql_assets_mount(),
            *plugin_routes,  # after the core's: a plugin's pages (http_routes), checked not to clash with them
        ],
        middleware=[
            *observability.middleware,  # outermost: refusals are counted and timed too
            Middleware(RequestIdMiddleware),
            # Outside everything that may touch the database (authentication too): an outage is a 503.
            Middleware(DatabaseOutageMiddleware, retry_after=settings.unavailable_retry_after),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes),
            Middleware(_CrossSiteGuardOutsidePluginRoutes, plugin_routes=plugin_routes),
            Middleware(AuthMiddleware, engine=engine, jwt=jwt_authenticator),
            Middleware(RateLimitMiddleware, limiter=rate_limiter, limits=rate_limits(settings.rate_limits)),
        ],
        lifespan=lifespan,
    )
    app.state.graph = graph
    app.state.federated_gateway = federated.gateway if federated is not None else None
    app.state.public_graphql = PublicGraphQL(graph)  # for plugins' pages (http_routes)
    app.state.rate_limiter = rate_limiter
    return app


def create_worker_app() -> Starlette:
    """The app of each ``serve --workers N`` process (uvicorn imports it by name): settings and logging
    from the environment, to which ``serve`` exported its flags. A worker forked from a preloading
    supervisor takes the app the supervisor built (gateway.server.preloaded_app), when it built one."""
    from gateway.server import preloaded_app
    from gateway.server.observability.logs import configure_logging

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return preloaded_app.built() or create_app(settings, settle_heap=True, park_reads=True)
