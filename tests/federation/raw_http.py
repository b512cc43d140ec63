"""Small raw HTTP servers for the transport's own tests (test_executor_transport.py,
test_executor_subgraph_pool.py, test_executor_subgraph_limits.py, test_serve_supergraph_subgraph_limits.py):
what a subgraph sends, byte for byte, including what no real server would (a lying content-encoding, an
endless body, a dropped connection), and one that holds its requests until told (timeouts, concurrency)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from gateway.federation.executor import HttpTransport
from gateway.federation.query_plan import SubgraphUnavailable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """A server on a free port running ``handler`` per connection; yields its /graphql URL."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.close()
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> tuple[list[bytes], bytes]:
    """The request's header lines (lower-cased) and its body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = [line.lower() for line in head.split(b"\r\n")[1:] if line]
    length = next((int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length")), 0)
    return lines, await reader.readexactly(length)


def answer(body: bytes, *extra: bytes, status: bytes = b"200 OK") -> bytes:
    """A whole HTTP/1.1 response with a JSON content type, its length, and ``extra`` header lines."""
    head = b"".join(b"%s\r\n" % line for line in extra)
    return b"HTTP/1.1 %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s" % (
        status,
        len(body),
        head,
        body,
    )


def answering_once(response: bytes) -> Handler:
    """A handler that reads one request, sends ``response`` as it is and closes the connection."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(response)
        await writer.drain()
        writer.close()

    return handler


async def send_once(url: str, **transport_options: Any) -> dict[str, Any]:
    """One query through a transport of its own to ``url`` (subgraph "a"), the transport closed after."""
    transport = HttpTransport({"a": url}, **transport_options)
    try:
        return await transport.send("a", "{ x }", {}, operation_kind="query")
    finally:
        await transport.aclose()


async def failure_of(url: str, **transport_options: Any) -> SubgraphUnavailable:
    """The coded error :func:`send_once` raises for ``url``; fails the test when it answers instead."""
    with pytest.raises(SubgraphUnavailable) as failed:
        await send_once(url, **transport_options)
    return failed.value


class HoldingServer:
    """Holds every request until ``release`` is set, then answers ``body``. Counts the requests, those in
    flight and the most in flight at once (what a concurrency limit bounds), and sets ``hung_up`` when a
    client closes a connection whose request it still holds (what a client's timeout does)."""

    def __init__(self, body: bytes = b'{"data":{"x":1}}', *, release: asyncio.Event | None = None) -> None:
        self.body = body
        self.release = release or asyncio.Event()
        self.hung_up = asyncio.Event()
        self.requests = 0
        self.header_lines: list[list[bytes]] = []  # per request, its header lines (lower-cased)
        self.in_flight = 0
        self.most = 0
        self._arrived = asyncio.Event()

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    lines, _body = await read_request(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return  # the client closed a kept-alive connection
                self.requests += 1
                self.header_lines.append(lines)
                self.in_flight += 1
                self.most = max(self.most, self.in_flight)
                self._arrived.set()
                try:
                    released = await self._hold(reader)
                finally:
                    self.in_flight -= 1
                if not released:
                    return
                writer.write(answer(self.body))
                await writer.drain()
        finally:
            writer.close()

    async def reached(self, in_flight: int) -> None:
        """Returns once ``in_flight`` requests are held at the same time."""
        while self.in_flight < in_flight:
            self._arrived.clear()
            await self._arrived.wait()

    async def _hold(self, reader: asyncio.StreamReader) -> bool:
        """Waits for the release; False when the client hung up first."""
        # A client sends nothing more on this connection before its answer: a read ends only when it hangs up.
        closed = asyncio.ensure_future(reader.read(1))
        released = asyncio.ensure_future(self.release.wait())
        done, _ = await asyncio.wait({closed, released}, return_when=asyncio.FIRST_COMPLETED)
        if closed in done:
            released.cancel()
            self.hung_up.set()
            return False
        closed.cancel()
        return True


async def held_under_limit(
    limited: HoldingServer, unlimited: HoldingServer, *, limit: int, sent: int, patience_s: float
) -> int:
    """How many requests ``limited`` holds once ``unlimited`` holds all ``sent`` requests and ``limited``
    ``limit``; then both are released. The same number were sent to each at the same time: those no limit
    held back have all arrived, so ``limited`` holding no more than ``limit`` is its limit's doing."""
    async with asyncio.timeout(patience_s):  # a guard against a hang, not a timing assertion
        await unlimited.reached(sent)
        await limited.reached(limit)
    held = limited.in_flight
    limited.release.set()
    unlimited.release.set()
    return held
