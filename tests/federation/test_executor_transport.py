"""HttpTransport on its own, against small raw HTTP servers started here: a query is tried again after
a dropped connection, a mutation never (it may have run); a body larger than
MAX_SUBGRAPH_RESPONSE_BYTES is refused while it streams in, never read to its end; a 5xx that carries a
GraphQL body is a GraphQL answer."""

from __future__ import annotations

import asyncio

import pytest

from gateway.federation.executor import HttpTransport
from gateway.federation.query_plan import SubgraphUnavailable
from gateway.kernel.limits import MAX_SUBGRAPH_RESPONSE_BYTES
from tests.federation.raw_http import answer, answering_once, failure_of, raw_server, read_request, send_once


class DroppingServer:
    """Reads each request and closes the connection without a word: a crash mid-request."""

    def __init__(self) -> None:
        self.requests = 0

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        self.requests += 1
        writer.close()


@pytest.mark.parametrize(("kind", "requests"), [("query", 3), ("mutation", 1)])
async def test_only_queries_are_retried(kind: str, requests: int) -> None:
    dropping = DroppingServer()
    async with raw_server(dropping) as url:
        transport = HttpTransport({"flaky": url}, retries=2)
        try:
            with pytest.raises(SubgraphUnavailable) as failed:
                await transport.send("flaky", f"{kind} {{ x }}", {}, operation_kind=kind)  # type: ignore[arg-type]
        finally:
            await transport.aclose()
    assert failed.value.code == "SUBGRAPH_UNAVAILABLE"
    assert dropping.requests == requests


async def test_an_endless_body_stops_at_the_cap() -> None:
    sent = 0

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
        chunk = b" " * 65536
        try:
            # Stops when the client hangs up, or far past the cap if it never does.
            while sent <= 4 * MAX_SUBGRAPH_RESPONSE_BYTES:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
                sent += len(chunk)
        except (ConnectionError, OSError):
            pass
        writer.close()

    async with raw_server(endless) as url:
        failed = await failure_of(url)
    assert failed.code == "SUBGRAPH_RESPONSE_TOO_LARGE"
    assert str(MAX_SUBGRAPH_RESPONSE_BYTES) in str(failed)
    assert sent < 4 * MAX_SUBGRAPH_RESPONSE_BYTES


async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    declared = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 99999999999\r\n\r\n{"
    async with raw_server(answering_once(declared)) as url:
        failed = await failure_of(url)
    assert failed.code == "SUBGRAPH_RESPONSE_TOO_LARGE"


async def test_a_5xx_with_a_graphql_body_is_a_graphql_answer() -> None:
    body = b'{"data":null,"errors":[{"message":"down for a moment","extensions":{"code":"DOWN"}}]}'
    async with raw_server(answering_once(answer(body, status=b"503 Service Unavailable"))) as url:
        response = await send_once(url)
    assert response["errors"][0]["message"] == "down for a moment"


async def test_an_unknown_subgraph_is_unavailable() -> None:
    transport = HttpTransport({})
    try:
        with pytest.raises(SubgraphUnavailable, match="no URL is configured"):
            await transport.send("nowhere", "{ x }", {}, operation_kind="query")
    finally:
        await transport.aclose()
