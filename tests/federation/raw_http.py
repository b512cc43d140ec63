"""Small raw HTTP servers for the transport's own tests (test_executor_transport.py,
test_executor_subgraph_pool.py): what a subgraph sends, byte for byte, including what no real server
would (a lying content-encoding, an endless body, a dropped connection)."""

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
