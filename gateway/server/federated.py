"""The app's side of serving a supergraph (setting ``supergraph``): the federated gateway behind
``/graphql`` in place of the plugins' own endpoint, the in-process subgraph run on the plugins' schema,
``/healthz`` naming the supergraph, the admin's reload route, and reloading for the app's lifetime.

Without a ``supergraph`` setting none of this exists and ``/graphql`` serves the plugins, as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from graphql import GraphQLInterfaceType, GraphQLObjectType
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.auth.principal import Principal, Role
from gateway.db.availability import raise_if_unavailable
from gateway.kernel.settings import Settings
from gateway.policy.limits import ListSizes, role_limits
from gateway.server.context import GatewayContext
from gateway.server.graphiql import graphiql_response
from gateway.server.schema import Graph

if TYPE_CHECKING:  # the federation packages load only when a supergraph is served
    from gateway.federation.serving import FederatedGateway
    from gateway.federation.serving.transports import LocalRunner

RELOAD_PATH = "/admin/supergraph/reload"
# gateway.server.app.request_context: passed in, since that module imports this one.
ContextMaker = Callable[[Graph, Principal, Any], GatewayContext]


class FederatedServing:
    def __init__(self, settings: Settings, gateway: FederatedGateway) -> None:
        from gateway.federation.serving.endpoint import FederatedEndpoint, reload_endpoint

        self.settings = settings
        self.gateway = gateway
        self.endpoint = _WithGraphiQL(FederatedEndpoint(gateway))
        self.routes = [Route(RELOAD_PATH, reload_endpoint, methods=["POST"])]

    def health(self) -> dict[str, object]:
        return {"supergraph": self.gateway.loaded.describe()}

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        from gateway.federation.serving.reloading import reloading

        try:
            async with reloading(self.gateway, self.settings.supergraph_poll_seconds):
                yield
        finally:
            await self.gateway.aclose()


class _WithGraphiQL:
    """GraphiQL for a browser's GET without a query, as on the local /graphql; the rest to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            request = Request(scope, receive)
            if "query" not in request.query_params and "text/html" in request.headers.get("accept", ""):
                await graphiql_response()(scope, receive, send)
                return
        await self.app(scope, receive, send)


def federated_serving(settings: Settings, graph: Graph, make_context: ContextMaker) -> FederatedServing | None:
    """None without a supergraph; raises ConfigurationError (the start's refusal) when it cannot be served."""
    if not settings.supergraph:
        return None
    from gateway.federation.serving import FederatedGateway, ServingConfig
    from gateway.federation.serving.headers import HeaderRules, HeaderRuleTransport
    from gateway.federation.serving.siblings import accepted_text, remember
    from gateway.federation.serving.subgraph_limits import SubgraphLimits
    from gateway.server.federated_subjects import subject_guards
    from gateway.telemetry.metrics import SubgraphFetchMetrics

    rules = HeaderRules.parse(settings.subgraph_headers)
    subgraph_limits = SubgraphLimits(
        settings.subgraph_timeout_seconds,
        settings.subgraph_timeouts,
        settings.subgraph_concurrency,
        settings.subgraph_deduplication,
    )
    fetch_metrics = SubgraphFetchMetrics()
    config = ServingConfig(
        location=settings.supergraph,
        visibilities=dict(settings.subgraph_visibility),
        local_subgraph=settings.local_subgraph_name,
        local_visible=_local_visibility(graph),
        headers=rules,
        subgraph_limits=subgraph_limits,
    )
    gateway = FederatedGateway.start(
        config,
        fallback=accepted_text(),  # under `serve --workers N`: what the other workers serve
        limits=role_limits(settings.role_limits),
        sizes=ListSizes(settings.default_list_size, settings.max_page_size, settings.max_batch_subjects),
        development_mode=settings.development_mode,
        local_runner=_local_runner(graph, make_context),
        transport_factory=lambda urls: HeaderRuleTransport(
            urls,
            rules=rules,
            observer=fetch_metrics,
            **subgraph_limits.transport_options(),
        ),
        subject_guard=subject_guards(graph, make_context),
    )
    remember(gateway.loaded.text)
    # The remote partner groups join the plugins' ones, so that partners' contracts may name them (those a
    # reloaded supergraph adds are contractable after the next start).
    for (type_name, field_name), group in gateway.loaded.consent.groups.items():
        graph.composition.policies.declare(group.split(".", 1)[0], {f"{type_name}.{field_name}": f"partner:{group}"})
    return FederatedServing(settings, gateway)


def _local_visibility(graph: Graph) -> Callable[[Role, str, str], bool]:
    """A field of the in-process subgraph is visible to an audience exactly when its own schema has it."""

    def visible(role: Role, type_name: str, field_name: str) -> bool:
        named = graph.schema_for(role)._schema.type_map.get(type_name)
        return isinstance(named, GraphQLObjectType | GraphQLInterfaceType) and field_name in named.fields

    return visible


def _local_runner(graph: Graph, make_context: ContextMaker) -> Callable[[Principal, Any], LocalRunner]:
    def for_caller(principal: Principal, request: Any) -> LocalRunner:
        async def run(operation: str, variables: dict[str, Any], _kind: str) -> dict[str, Any]:
            # The caller's audience schema, with its extensions: limits, error policy, partner checks and
            # the query record apply to the local part of a federated request as to a local one.
            context = make_context(graph, principal, request)
            try:
                result = await graph.schema_for(principal.role).execute(
                    operation, variable_values=variables, context_value=context
                )
            finally:
                await context.loaders.close()
            raise_if_unavailable(result.errors)  # an outage: the whole answer is the 503, as locally
            body: dict[str, Any] = {"data": result.data}
            if result.errors:
                body["errors"] = [error.formatted for error in result.errors]
            return body

        return run

    return for_caller
