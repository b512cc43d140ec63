"""The application factory: compose the plugins, build the graph, mount it with its middleware."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import asynccontextmanager
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL, HTTPException  # the exception strawberry raises for a malformed request

from gateway.auth.jwt_tokens import build_jwt_authenticator
from gateway.auth.principal import PUBLIC, Role
from gateway.clock import serve_as_of
from gateway.composition import Composition, compose
from gateway.db.engine import create_engine
from gateway.errors import BAD_REQUEST
from gateway.graph.context import GatewayContext, Loaders
from gateway.graph.schema import Graph, build_graph
from gateway.http import (
    AuthMiddleware,
    BodyLimitMiddleware,
    CrossSiteGuardMiddleware,
    RateLimitMiddleware,
    RequestIdMiddleware,
)
from gateway.lifecycle.publicity import serve_rules
from gateway.plugins import load_plugins
from gateway.ratelimit import create_rate_limiter, rate_limits
from gateway.settings import Settings

log = logging.getLogger("gateway")


class GraphQLEndpoint(GraphQL):
    """Strawberry's ASGI view of one audience's schema, with our context and orjson on the wire."""

    def __init__(self, graph: Graph, role: Role) -> None:
        super().__init__(graph.schema_for(role), graphql_ide="graphiql")
        self.graph = graph

    async def get_context(self, request: Any, response: Any) -> GatewayContext:
        serve_as_of(self.graph.clock.today())
        serve_rules(self.graph.settings.publicity)
        state = request.scope.get("state", {})
        return GatewayContext(
            graph=self.graph,
            principal=state.get("principal", PUBLIC),
            request_id=state.get("request_id", "-"),
            loaders=Loaders(
                self.graph.loader_specs,
                self.graph.engine,
                record_loaders=self.graph.record_loader_names,
                principal=state.get("principal", PUBLIC),
            ),
            request=request,
            response=response,
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive))
        except HTTPException as exc:
            # strawberry answers a malformed request in plain text; clients expect a GraphQL body with a code.
            body = {"errors": [{"message": exc.reason, "extensions": {"code": BAD_REQUEST}}]}
            response = Response(orjson.dumps(body), status_code=exc.status_code, media_type="application/json")
        await response(scope, receive, send)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)


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
) -> Starlette:
    """Build the ASGI app. Raises ``ConfigurationError`` when the plugins do not compose."""
    settings = settings or Settings()
    composition = compose_plugins(settings, extra_plugins)
    jwt_authenticator = build_jwt_authenticator(settings, composition.plugin_names)
    owns_engine = engine is None
    engine = engine or create_engine(settings.database_url, settings.db_pool_size)
    graph = build_graph(settings, engine, composition)
    rate_limiter = create_rate_limiter(settings.redis_url, settings.rate_limit_key_prefix)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except Exception as exc:  # any failure means not ready; say which
            log.warning("readiness check failed: %r", exc)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ready", "database": "ok", "plugins": composition.plugin_names})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> Any:
        yield
        await rate_limiter.aclose()
        if owns_engine:
            await engine.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", AudienceRouter(graph)),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes),
            Middleware(CrossSiteGuardMiddleware),
            Middleware(AuthMiddleware, engine=engine, jwt=jwt_authenticator),
            Middleware(RateLimitMiddleware, limiter=rate_limiter, limits=rate_limits(settings.rate_limits)),
        ],
        lifespan=lifespan,
    )
    app.state.graph = graph
    app.state.rate_limiter = rate_limiter
    return app
