"""ASGI middleware around the GraphQL endpoint: request ids, body limits, and API-key principals."""

from __future__ import annotations

import re
import uuid
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth.keys import InvalidKey, authenticate
from gateway.auth.principal import PUBLIC
from gateway.errors import LIMIT_EXCEEDED, UNAUTHENTICATED

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
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


def _error(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


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
            await _send_json(send, 413, _error(f"Request body over {self.max_bytes} bytes", LIMIT_EXCEEDED), [])
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
            await _send_json(send, 413, _error(f"Request body over {self.max_bytes} bytes", LIMIT_EXCEEDED), [])


class _BodyTooLarge(Exception):
    pass


class AuthMiddleware:
    """Resolve ``Authorization: Bearer <key>`` to a principal in ``scope["state"]["principal"]``.

    No header means the public principal; a header with a malformed, unknown or revoked key is
    refused outright (401), so that a broken client never silently degrades to public access.
    """

    def __init__(self, app: ASGIApp, engine: AsyncEngine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"authorization")
        principal = PUBLIC
        if header is not None:
            scheme, _, key = header.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not key.strip():
                await self._refuse(send, "Authorization must be 'Bearer <API key>'")
                return
            try:
                principal = await authenticate(self.engine, key.strip())
            except InvalidKey as exc:
                await self._refuse(send, str(exc))
                return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(send: Send, message: str) -> None:
        await _send_json(send, 401, _error(message, UNAUTHENTICATED), [(b"www-authenticate", b"Bearer")])
