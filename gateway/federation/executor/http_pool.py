"""One subgraph's pool of keep-alive HTTP connections, and the POST of one fetch over it.

Used by :class:`~gateway.federation.executor.transport.HttpTransport` in place of ``httpx.AsyncClient``:
the client's per-request layers (URL merging, cookies, auth and redirect steps, event hooks, request and
response models) were about a quarter of a federated request's CPU, and none of them applies to a POST to an
operator's own subgraph. Underneath it is the same connection pool httpx uses (``httpcore``), with
the same headers and defaults as the client had: keep-alive connections that expire after 5 idle
seconds, ``accept-encoding: gzip, deflate`` and the body decoded before the size cap counts it.

One pool per subgraph: httpcore checks every idle connection of a pool for each request it places,
so a shared pool cost that for all subgraphs' connections on every fetch.

The connections are asyncio's own streams (:mod:`.asyncio_stream`), not anyio's, each request
leaving in one write.
"""

from __future__ import annotations

import ssl
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from gateway.federation.executor.asyncio_stream import AsyncioBackend

# What httpx's client sent by default, kept so that subgraphs see the same requests as before.
_DEFAULT_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"accept-encoding", b"gzip, deflate"),
    (b"connection", b"keep-alive"),
    (b"user-agent", f"python-httpx/{httpx.__version__}".encode()),
)
_KEEPALIVE_EXPIRY_S = 5.0  # httpx's default (httpx.Limits)

# httpcore's errors that httpx maps to httpx.TransportError: worth another attempt for a query.
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
    httpcore.ProxyError,
)


class ResponseTooLarge(Exception):
    """The decoded body passed the cap; it was not read further."""


class BadEncoding(Exception):
    """The body does not decode as its content-encoding says."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str | None
    body: bytes


class SubgraphPool:
    """Keep-alive connections to one subgraph URL; :meth:`post` sends one body and reads the answer."""

    def __init__(
        self, url: str, *, max_connections: int, headers: Mapping[str, str], ssl_context: ssl.SSLContext | None
    ) -> None:
        parsed = httpx.URL(url)  # raises httpx.InvalidURL, as the client did for a bad URL
        self._url = httpcore.URL(
            scheme=parsed.raw_scheme, host=parsed.raw_host, port=parsed.port, target=parsed.raw_path
        )
        given = {name.lower(): value for name, value in headers.items()}
        self._head = [
            (b"host", parsed.netloc),
            *((name, value) for name, value in _DEFAULT_HEADERS if name.decode() not in given),
            *((name.encode(), value.encode()) for name, value in given.items()),
        ]
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=_KEEPALIVE_EXPIRY_S,
            network_backend=AsyncioBackend(),
        )

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def post(self, body: bytes, extra_headers: Iterable[tuple[str, str]], max_bytes: int) -> Answer:
        """POST ``body``; raises one of TRANSPORT_ERRORS, :class:`ResponseTooLarge` or :class:`BadEncoding`.
        ``extra_headers`` replace the fixed headers of the same name."""
        head = self._head
        extra = [(name.lower().encode(), value.encode()) for name, value in extra_headers]
        if extra:
            replaced = {name for name, _ in extra}
            head = [h for h in head if h[0] not in replaced] + extra
        request = httpcore.Request(
            b"POST", self._url, headers=[*head, (b"content-length", b"%d" % len(body))], content=body
        )
        response = await self._pool.handle_async_request(request)
        try:
            declared = _header(response.headers, b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise ResponseTooLarge
            encoding = (_header(response.headers, b"content-encoding") or b"").strip().lower()
            raw = await _read(response.stream, _decoder(encoding), max_bytes)
        finally:
            await response.aclose()
        content_type = _header(response.headers, b"content-type")
        return Answer(response.status, content_type.decode("latin-1") if content_type is not None else None, raw)


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


class _Decoder:
    """gzip or deflate (zlib or raw, as httpx accepts both), bounded per call so a bomb stops at the cap."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._inflate = zlib.decompressobj(wbits)
        self._started = False

    def decode(self, chunk: bytes, room: int) -> bytes:
        try:
            out = self._inflate.decompress(chunk, room + 1)
        except zlib.error:
            if self._started or self._wbits != zlib.MAX_WBITS:
                raise BadEncoding from None
            self._wbits, self._inflate = -zlib.MAX_WBITS, zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate
            return self.decode(chunk, room)
        self._started = True
        if self._inflate.unconsumed_tail:
            raise ResponseTooLarge
        return out


def _decoder(encoding: bytes) -> _Decoder | None:
    if encoding in (b"gzip", b"x-gzip"):
        return _Decoder(zlib.MAX_WBITS | 16)
    if encoding == b"deflate":
        return _Decoder(zlib.MAX_WBITS)
    return None  # identity, or one that was not asked for: read as it is (httpx did the same)


async def _read(stream: Any, decoder: _Decoder | None, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in stream:
        if decoder is not None:
            chunk = decoder.decode(chunk, max_bytes - size)
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
