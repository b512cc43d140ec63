"""One subgraph's pool of keep-alive HTTP connections, and the POST of one fetch over it.

Used by :class:`~gateway.federation.executor.transport.HttpTransport`. The pool is aiohttp's client
(``ClientSession`` over a ``TCPConnector``): its HTTP parser is C (llhttp), where httpx's pool (httpcore,
then h11) parsed every answer in Python, a fifth of a millisecond of CPU per fetch, and a W1 profile makes
five fetches. What the fetch needs from it is small and fixed: keep-alive connections that expire after 5
idle seconds, at most ``max_connections`` of them, no cookies, no proxy from the environment, and the
body read as it streams.

The body is decoded here (gzip or deflate, as ``accept-encoding`` offers), not by aiohttp, so that the size
cap counts what it expands to and stops a decompression bomb at the cap.

One pool per subgraph, made on the first fetch (a session belongs to the running event loop).
"""

from __future__ import annotations

import ssl
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import aiohttp

from gateway import __version__

# Offered, and decoded by _Decoder: never more than it can decode (aiohttp would offer brotli when
# its module is installed).
_DEFAULT_HEADERS: Mapping[str, str] = {
    "accept-encoding": "gzip, deflate",
    "user-agent": f"credit-gateway/{__version__}",
}
_KEEPALIVE_EXPIRY_S = 5.0

# Reset, closed or cut short after the answer began: the subgraph had the request and was answering.
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)


class Unanswered(Exception):
    """The connection failed before any answer began: refused, reset or closed before the status line
    (``reason`` names aiohttp's error). Nothing came back, so sending the request again cannot make the
    client read two answers."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
        self._url = url
        given = {name.lower(): value for name, value in headers.items()}
        self._headers = {**{k: v for k, v in _DEFAULT_HEADERS.items() if k not in given}, **given}
        self._max_connections = max_connections
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections, keepalive_timeout=_KEEPALIVE_EXPIRY_S, ssl=self._ssl
        )
        return aiohttp.ClientSession(
            connector=connector,
            headers=self._headers,
            # Every header the fetch sends is one of ours: no Accept: */* nor aiohttp's User-Agent.
            skip_auto_headers=("accept", "user-agent", "accept-encoding"),
            auto_decompress=False,  # decoded here, within the cap
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,  # the operator's own services, reached directly: no HTTP_PROXY from the environment
            timeout=aiohttp.ClientTimeout(total=None),  # the transport bounds the whole exchange itself
            raise_for_status=False,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, body: bytes, extra_headers: Iterable[tuple[str, str]], max_bytes: int) -> Answer:
        """POST ``body``; raises :class:`Unanswered` (no answer began), one of TRANSPORT_ERRORS (the answer
        was cut), another ``aiohttp.ClientError`` (a malformed answer, a URL it cannot reach),
        :class:`ResponseTooLarge` or :class:`BadEncoding`. ``extra_headers`` replace the fixed headers of the
        same name."""
        session = self._session
        if session is None or session.closed:
            session = self._session = self._open()
        extra = {name.lower(): value for name, value in extra_headers} or None
        try:
            # Returns once the status line and headers are read: a connection error here came before them.
            response = await session.post(self._url, data=body, headers=extra)
        except aiohttp.ClientConnectionError as exc:
            raise Unanswered(type(exc).__name__) from exc
        async with response:
            try:
                declared = response.content_length
                if declared is not None and declared > max_bytes:
                    raise ResponseTooLarge
                encoding = (response.headers.get("content-encoding") or "").strip().lower()
                raw = await _read(response.content, _decoder(encoding), max_bytes)
            except BaseException:
                response.close()  # not read to its end: the connection cannot serve another request
                raise
            return Answer(response.status, response.headers.get("content-type"), raw)


class _Decoder:
    """gzip or deflate (zlib or raw, as browsers and httpx accept both), bounded per call so a bomb stops at
    the cap."""

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


def _decoder(encoding: str) -> _Decoder | None:
    if encoding in ("gzip", "x-gzip"):
        return _Decoder(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return _Decoder(zlib.MAX_WBITS)
    return None  # identity, or one that was not offered: read as it is


async def _read(stream: aiohttp.StreamReader, decoder: _Decoder | None, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in stream.iter_any():
        if decoder is not None:
            chunk = decoder.decode(chunk, max_bytes - size)
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge
        chunks.append(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
