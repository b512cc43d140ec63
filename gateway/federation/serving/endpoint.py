"""HTTP for the federated gateway: ``/graphql`` (POST a JSON body; GET for queries), the ``/healthz``
body naming the served supergraph, and ``POST /admin/supergraph/reload`` (admin only).

The principal and the request id come from the middleware in front (gateway.server.http), as for the
local ``/graphql``. GraphQL errors answer 200 with an ``errors`` list; a malformed HTTP request 400, a
wrong method 405, each with a coded GraphQL error body.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gateway.auth.principal import PUBLIC, Principal, Role
from gateway.federation.serving.gateway import FederatedGateway
from gateway.federation.serving.siblings import reload_and_share
from gateway.kernel.errors import BAD_REQUEST, FORBIDDEN, error_body
from gateway.telemetry.observation import OBSERVATION_KEY


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _principal(request: Request) -> Principal:
    return request.scope.get("state", {}).get("principal", PUBLIC)


class FederatedEndpoint:
    """``/graphql`` served by the federated gateway."""

    def __init__(self, gateway: FederatedGateway) -> None:
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self._answer(request)
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                payload = orjson.loads(await request.body())
            except orjson.JSONDecodeError:
                return _json(error_body("The body is not JSON", BAD_REQUEST), 400)
        elif request.method == "GET":
            payload = dict(request.query_params)
            if "variables" in payload:
                try:
                    payload["variables"] = orjson.loads(payload["variables"])
                except orjson.JSONDecodeError:
                    return _json(error_body("variables is not JSON", BAD_REQUEST), 400)
        else:
            return _json(error_body("Use POST (or GET for queries)", BAD_REQUEST), 405, {"allow": "GET, POST"})
        problem = _payload_problem(payload)
        if problem is not None:
            return _json(error_body(problem, BAD_REQUEST), 400)
        body = await self.gateway.execute(
            payload["query"],
            payload.get("variables"),
            payload.get("operationName"),
            _principal(request),
            request=request,
            request_id=request.scope.get("state", {}).get("request_id", "-"),
            # A link or an image a page embeds sends GET: it must not be able to change anything.
            allow_mutations=request.method == "POST",
        )
        errors = body.get("errors")
        observation = request.scope.get("state", {}).get(OBSERVATION_KEY)
        if errors and observation is not None:
            # The access line's and the metrics' outcome: the first error's code, as for a local request.
            observation.refused_with = (errors[0].get("extensions") or {}).get("code")
        return _json(body)


def _payload_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return "The body must be a JSON object with a query"
    if not isinstance(payload.get("query"), str) or not payload["query"].strip():
        return "query must be a non-empty string"
    if payload.get("variables") is not None and not isinstance(payload["variables"], dict):
        return "variables must be a JSON object"
    if payload.get("operationName") is not None and not isinstance(payload["operationName"], str):
        return "operationName must be a string"
    return None


async def reload_endpoint(request: Request) -> Response:
    """Admin only: re-read the supergraph now; says whether it was reloaded, unchanged or refused (and why)."""
    if _principal(request).role is not Role.ADMIN:
        return _json(error_body("Only the admin may reload the supergraph", FORBIDDEN), 403)
    gateway: FederatedGateway = request.app.state.federated_gateway
    # Under `serve --workers N` this reaches one worker; a new supergraph is passed on to the others.
    outcome = await reload_and_share(gateway, tell_siblings=True)
    body: dict[str, Any] = {"status": outcome.status, "supergraph": outcome.served}
    if outcome.error is not None:
        body["error"] = outcome.error
    return _json(body, 200 if outcome.status != "refused" else 422)
