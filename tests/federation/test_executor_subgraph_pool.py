"""HttpTransport's own connection handling (gateway.federation.executor.http_pool), against small raw
HTTP servers started here: keep-alive connections are reused, one the server closed while idle is not
(so even a mutation, sent once, gets through), a request carries the fixed headers (and a subclass's
per-fetch ones replacing them), and a gzip body is decoded, with the size cap counting what it expands
to."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Mapping

from gateway.federation.executor import HttpTransport
from tests.federation.raw_http import answer, answering_once, failure_of, raw_server, read_request, send_once

ANSWER = b'{"data":{"x":1}}'


class CountingServer:
    """Answers every request; ``close_after_each``: then closes the connection (an idle timeout's effect)."""

    def __init__(self, *, close_after_each: bool = False) -> None:
        self.close_after_each = close_after_each
        self.connections = 0
        self.requests: list[list[bytes]] = []
        self.closed = asyncio.Event()  # set each time the server has closed a connection

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                lines, _ = await read_request(reader)
                self.requests.append(lines)
                writer.write(answer(ANSWER))
                await writer.drain()
                if self.close_after_each:
                    break
        except asyncio.IncompleteReadError:
            pass  # the client closed the connection
        writer.close()
        await writer.wait_closed()
        self.closed.set()


async def test_keep_alive_connections_are_reused() -> None:
    server = CountingServer()
    async with raw_server(server) as url:
        transport = HttpTransport({"kept": url})
        try:
            for _ in range(3):
                assert await transport.send("kept", "{ x }", {}, operation_kind="query") == {"data": {"x": 1}}
        finally:
            await transport.aclose()
    assert server.connections == 1
    assert len(server.requests) == 3


async def test_a_connection_the_server_closed_while_idle_is_not_used_again() -> None:
    server = CountingServer(close_after_each=True)
    async with raw_server(server) as url:
        transport = HttpTransport({"closing": url}, retries=0)
        try:
            for _ in range(3):
                # A mutation is sent once: it only gets through if the closed connection is not picked.
                await transport.send("closing", "mutation { x }", {}, operation_kind="mutation")
                await server.closed.wait()
                server.closed.clear()
                for _ in range(3):
                    await asyncio.sleep(0)  # the event loop reads the server's close on the client's side
        finally:
            await transport.aclose()
    assert server.connections == 3


class RuleTransport(HttpTransport):
    def outgoing_headers(self, subgraph: str) -> Mapping[str, str] | None:
        return {"X-Tenant": f"for-{subgraph}", "Accept": "application/json"}


async def test_fixed_headers_and_a_subclass_s_per_fetch_headers() -> None:
    server = CountingServer()
    async with raw_server(server) as url:
        plain = HttpTransport({"a": url}, headers={"X-Fixed": "1"})
        ruled = RuleTransport({"a": url})
        try:
            await plain.send("a", "{ x }", {}, operation_kind="query")
            await ruled.send("a", "{ x }", {}, operation_kind="query")
        finally:
            await plain.aclose()
            await ruled.aclose()
    fixed, per_fetch = server.requests
    assert b"x-fixed: 1" in fixed
    assert b"content-type: application/json" in fixed
    assert b"accept-encoding: gzip, deflate" in fixed
    assert any(line.startswith(b"host: 127.0.0.1:") for line in fixed)
    assert b"x-tenant: for-a" in per_fetch
    assert [line for line in per_fetch if line.startswith(b"accept:")] == [b"accept: application/json"]


async def test_a_gzip_body_is_decoded() -> None:
    async with raw_server(answering_once(answer(gzip.compress(ANSWER), b"content-encoding: gzip"))) as url:
        assert await send_once(url) == {"data": {"x": 1}}


async def test_the_cap_counts_what_a_gzip_body_expands_to() -> None:
    expanded = b'{"data":{"x":"' + b"a" * 200_000 + b'"}}'
    async with raw_server(answering_once(answer(gzip.compress(expanded), b"content-encoding: gzip"))) as url:
        failed = await failure_of(url, max_response_bytes=100_000)
    assert failed.code == "SUBGRAPH_RESPONSE_TOO_LARGE"


async def test_a_body_that_is_not_gzip_as_declared_is_a_bad_response() -> None:
    async with raw_server(answering_once(answer(ANSWER, b"content-encoding: gzip"))) as url:
        failed = await failure_of(url)
    assert failed.code == "SUBGRAPH_BAD_RESPONSE"
