"""``GET /metrics`` on the main port: for admin keys only (the numbers describe every client's use).

A scraper that cannot send a key can use the separate listener instead (``metrics_bind``,
:mod:`gateway.server.observability.listener`), bound where only it reaches.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.auth.principal import Role
from gateway.kernel.errors import FORBIDDEN, UNAUTHENTICATED, error_body
from gateway.telemetry.metrics import render


def _refusal(status: int, message: str, code: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="metrics"'} if status == 401 else None
    return JSONResponse(error_body(message, code), status, headers)


async def metrics_endpoint(request: Request) -> Response:
    principal = request.scope.get("state", {}).get("principal")
    if principal is None or not principal.is_authenticated:
        return _refusal(401, "Metrics need an admin key (Authorization: Bearer <key>)", UNAUTHENTICATED)
    if principal.role is not Role.ADMIN:
        return _refusal(403, f"Client {principal.name!r} ({principal.role.value}) may not read metrics", FORBIDDEN)
    body, content_type = render(request.headers.get("accept"))
    return Response(body, media_type=content_type)
