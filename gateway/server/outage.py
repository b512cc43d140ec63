"""The one answer to a database outage: HTTP 503, ``Retry-After``, code ``SERVICE_UNAVAILABLE``.

:class:`DatabaseOutageMiddleware` wraps everything that may touch the database (authentication,
rate limiting, the GraphQL endpoint). An outage reaches it as an exception: the driver's own, raised
where the request was being authenticated, or :class:`DatabaseUnavailable`, raised by the endpoint
when an error of the GraphQL result came from one (graphql-core catches resolver exceptions into the
result, so a partial 200 would otherwise hide the outage, or a mutation's failure to commit).

Which errors count is decided in :mod:`gateway.db.availability`. Anything else is re-raised as it is.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.db.availability import is_database_unavailable
from gateway.kernel.errors import SERVICE_UNAVAILABLE
from gateway.server.http import send_retry_later

log = logging.getLogger("gateway.server.outage")


class DatabaseOutageMiddleware:
    """Turn a database outage anywhere inside into a JSON 503 (unless the response has begun)."""

    def __init__(self, app: ASGIApp, retry_after: int) -> None:
        self.app = app
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started or not is_database_unavailable(exc):
                raise
            request_id = scope.get("state", {}).get("request_id", "-")
            log.warning("request %s: database unavailable, answered 503: %r", request_id, exc.__cause__ or exc)
            message = f"The database is unavailable; retry in {self.retry_after} s."
            await send_retry_later(send, 503, message, SERVICE_UNAVAILABLE, self.retry_after)
