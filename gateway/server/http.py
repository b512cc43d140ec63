"""ASGI middleware around the GraphQL endpoint: request ids, body limits, and API-key principals."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth.bearer import InvalidToken, looks_like_jwt
from gateway.auth.keys import InvalidKey, authenticate
from gateway.auth.principal import PUBLIC, Principal, Role
from gateway.kernel.errors import BAD_REQUEST, LIMIT_EXCEEDED, UNAUTHENTICATED, error_body
from gateway.server.ratelimit import RATE_LIMITED, RateLimit, RateLimiter, retry_after_header
from gateway.telemetry.metrics import count_rate_limit_refusal

if TYPE_CHECKING:
    from gateway.auth.jwt_tokens import JwtAuthenticator  # imports PyJWT: only with an identity provider

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


async def send_json(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
    """Answer with a JSON body (an error body, here) from a middleware, before any response began."""
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def send_retry_later(send: Send, status: int, message: str, code: str, retry_after: int) -> None:
    """A refusal to retry later (429, 503): the seconds in ``Retry-After`` and in ``extensions.retryAfter``."""
    body = error_body(message, code)
    body["errors"][0]["extensions"]["retryAfter"] = retry_after
    await send_json(send, status, body, [(b"retry-after", str(retry_after).encode())])


class RequestIdMiddleware:
    """Give every request an id (the caller's ``X-Request-ID`` if sane), echoed in the response,
    so that a masked error can be found in the log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimitMiddleware:
    """Refuse bodies over the limit before anything parses them (413)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await send_json(send, 413, error_body(f"Request body over {self.max_bytes} bytes", LIMIT_EXCEEDED), [])
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await send_json(send, 413, error_body(f"Request body over {self.max_bytes} bytes", LIMIT_EXCEEDED), [])


class _BodyTooLarge(Exception):
    pass


class AuthMiddleware:
    """Resolve ``Authorization: Bearer <API key or JWT>`` to a principal in ``scope["state"]["principal"]``.

    No header means the public principal; a header with a malformed, unknown or revoked key, or a
    token that fails verification, is refused outright (401), so that a broken client never silently
    degrades to public access. A credential shaped like a JWT goes to ``jwt`` (when configured);
    anything else is an API key.
    """

    def __init__(self, app: ASGIApp, engine: AsyncEngine, jwt: JwtAuthenticator | None = None) -> None:
        self.app = app
        self.engine = engine
        self.jwt = jwt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"authorization")
        principal = PUBLIC
        if header is not None:
            scheme, _, credential = header.decode("latin-1").partition(" ")
            credential = credential.strip()
            if scheme.lower() != "bearer" or not credential:
                await self._refuse(send, "Authorization must be 'Bearer <API key or token>'", "invalid_request")
                return
            try:
                if not looks_like_jwt(credential):
                    principal = await authenticate(self.engine, credential)
                elif self.jwt is None:
                    raise InvalidToken("JWT bearer tokens are not enabled")
                else:
                    principal = await self.jwt.authenticate(credential)
            except (InvalidKey, InvalidToken) as exc:
                await self._refuse(send, str(exc), "invalid_token")
                return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(send: Send, message: str, error: str) -> None:
        challenge = f'Bearer error="{error}"'.encode()
        await send_json(send, 401, error_body(message, UNAUTHENTICATED), [(b"www-authenticate", challenge)])


# --- Abuse limits: cross-site request guard and per-client rate limits ------------------------

# Media types a browser cannot send cross-site without a CORS preflight (unlike the "simple"
# text/plain, form-urlencoded and multipart/form-data).
_PREFLIGHT_HEADERS = (b"x-requested-with", b"apollo-require-preflight")


def _is_json(content_type: bytes) -> bool:
    media_type = content_type.split(b";", 1)[0].strip().lower()
    return media_type == b"application/json" or media_type.endswith(b"+json")


class CrossSiteGuardMiddleware:
    """Refuse a POST that a foreign web page could send from a visitor's browser (CSRF): it must
    carry a JSON content type or a custom header, either of which forces a CORS preflight. GET is
    untouched (GraphiQL, queries), since strawberry runs no mutation over GET."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            headers = dict(scope["headers"])
            if not _is_json(headers.get(b"content-type", b"")) and not any(
                headers.get(name) for name in _PREFLIGHT_HEADERS
            ):
                message = "POST needs a JSON content type, or an X-Requested-With or Apollo-Require-Preflight header"
                await send_json(send, 400, error_body(message, BAD_REQUEST), [])
                return
        await self.app(scope, receive, send)


class RateLimitMiddleware:
    """One token per request from the caller's bucket (after authentication: the bucket is the
    client's, or the IP's for the public). Health checks are exempt, so that probes never starve."""

    EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})

    def __init__(self, app: ASGIApp, limiter: RateLimiter, limits: Mapping[Role, RateLimit]) -> None:
        self.app = app
        self.limiter = limiter
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        principal: Principal = scope.get("state", {}).get("principal", PUBLIC)
        decision = await self.limiter.hit(_bucket_key(scope, principal), self.limits[principal.role])
        if not decision.allowed:
            count_rate_limit_refusal(principal.role)
            retry_after = int(retry_after_header(decision.retry_after))
            message = f"Rate limit exceeded; retry in {retry_after} s"
            await send_retry_later(send, 429, message, RATE_LIMITED, retry_after)
            return
        await self.app(scope, receive, send)


def _bucket_key(scope: Scope, principal: Principal) -> str:
    if principal.client_id is not None:
        return f"client:{principal.client_id}"
    if principal.is_authenticated:  # a token's principal without a client row: its name is its identity
        return f"principal:{principal.role.value}:{principal.name}"
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"
