"""HttpTransport's per-subgraph timeouts and concurrency limits, and which failures a query is sent again
after, against raw HTTP servers started here that hold their requests until told
(tests/federation/raw_http.py): each subgraph waits as long as its own timeout says; no more requests than
its limit are in flight to it, counted in the server; a query that timed out, or whose answer was cut
off, is not sent again; one whose connection closed before any answer is."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from gateway.federation.executor import HttpTransport
from gateway.federation.query_plan import SubgraphUnavailable
from tests.federation.raw_http import (
    HoldingServer,
    answer,
    failure_of,
    held_under_limit,
    raw_server,
    read_request,
    send_once,
)

ANSWER = {"data": {"x": 1}}
# How long a test waits for something it caused before it fails: a guard, never a timing assertion.
PATIENCE_S = 30.0


class Scripted:
    """Per connection: reads the request, sends the next of ``responses`` (the last one again once they
    run out; empty: nothing) as it is, and closes the connection."""

    def __init__(self, *responses: bytes) -> None:
        self.responses = responses
        self.requests = 0

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        response = self.responses[min(self.requests, len(self.responses) - 1)]
        self.requests += 1
        if response:
            writer.write(response)
            await writer.drain()
        writer.close()


@asynccontextmanager
async def holding(*servers: HoldingServer) -> AsyncIterator[list[str]]:
    """The servers' URLs; every held request is released at the end, so that no handler outlives the test."""
    async with raw_server(servers[0]) as first:
        if len(servers) == 1:
            try:
                yield [first]
            finally:
                servers[0].release.set()
        else:
            async with holding(*servers[1:]) as rest:
                try:
                    yield [first, *rest]
                finally:
                    servers[0].release.set()


async def query(transport: HttpTransport, subgraph: str) -> dict[str, object]:
    return await transport.send(subgraph, "{ x }", {}, operation_kind="query")


async def test_each_subgraph_waits_as_long_as_its_own_timeout() -> None:
    short = HoldingServer()
    # The long one is answered only once the short one's client has given up on it.
    long = HoldingServer(release=short.hung_up)
    async with holding(short, long) as (short_url, long_url):
        transport = HttpTransport({"short": short_url, "long": long_url}, timeout_s={"short": 0.2, "*": PATIENCE_S})
        try:
            answered = asyncio.create_task(query(transport, "long"))
            with pytest.raises(SubgraphUnavailable) as failed:
                await query(transport, "short")
            assert await answered == ANSWER
        finally:
            await transport.aclose()
    assert failed.value.code == "SUBGRAPH_TIMEOUT"
    assert str(failed.value) == "subgraph 'short' did not answer within 0.2 s"
    assert (short.requests, long.requests) == (1, 1)


async def test_a_concurrency_limit_bounds_the_requests_in_flight_to_that_subgraph_only() -> None:
    narrow, wide = HoldingServer(), HoldingServer()
    async with holding(narrow, wide) as (narrow_url, wide_url):
        # Six identical queries to each, sent as six (not deduplicated): the limit, not the deduplication, at work.
        transport = HttpTransport(
            {"narrow": narrow_url, "wide": wide_url}, max_concurrency={"narrow": 2, "*": 64}, deduplicate=False
        )
        try:
            sent = [asyncio.create_task(query(transport, name)) for name in ("narrow", "wide") for _ in range(6)]
            assert await held_under_limit(narrow, wide, limit=2, sent=6, patience_s=PATIENCE_S) == 2
            assert await asyncio.gather(*sent) == [ANSWER] * 12
        finally:
            await transport.aclose()
    assert (narrow.most, narrow.requests) == (2, 6)
    assert (wide.most, wide.requests) == (6, 6)


async def test_a_query_that_timed_out_is_not_sent_again() -> None:
    hanging = HoldingServer()
    async with holding(hanging) as (url,):
        failed = await failure_of(url, timeout_s=0.2, retries=2)
    assert failed.code == "SUBGRAPH_TIMEOUT"
    assert hanging.requests == 1


async def test_a_query_whose_answer_was_cut_off_is_not_sent_again() -> None:
    cutting = Scripted(b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"data"')
    async with raw_server(cutting) as url:
        failed = await failure_of(url, retries=2)
    assert failed.code == "SUBGRAPH_UNAVAILABLE"
    assert "broke off its answer" in str(failed)
    assert cutting.requests == 1


async def test_a_query_is_sent_again_after_a_connection_closed_before_any_answer() -> None:
    first_dropped = Scripted(b"", answer(b'{"data":{"x":1}}'))
    async with raw_server(first_dropped) as url:
        assert await send_once(url, retries=1) == ANSWER
    assert first_dropped.requests == 2


@pytest.mark.parametrize(
    "options",
    [{"timeout_s": 0}, {"timeout_s": {"a": -1.0}}, {"max_concurrency": 0}, {"max_concurrency": {"a": 0, "*": 8}}],
)
def test_a_limit_below_one_request_or_a_timeout_of_no_time_is_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="timeouts must be above 0 and concurrency limits at least 1"):
        HttpTransport({"a": "http://127.0.0.1:9/graphql"}, **options)  # type: ignore[arg-type]
