"""HttpTransport's deduplication of identical queries in flight (``deduplicate``, setting
``subgraph_deduplication``), against a raw HTTP server started here that holds its requests until told and
counts them (tests/federation/raw_http.py): identical queries sent at once reach the subgraph once and each
caller gets an answer of its own; a different body, different propagated headers, a mutation, or the
option off are sent each; nothing is kept once answered; a caller that goes away does not end the request
the others wait for; a failure reaches every caller as an error of its own. The transport's observer (the
server's metrics) is told of each request sent, with its outcome, and of each fetch answered by another."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from gateway.federation.executor import HttpTransport
from gateway.federation.query_plan import OperationKind, SubgraphUnavailable
from gateway.federation.serving.headers import HeaderRules, HeaderRuleTransport, client_headers
from tests.federation.raw_http import HoldingServer, raw_server

ANSWER = {"data": {"x": 1}}
# How long a test waits for something it caused before it fails: a guard, never a timing assertion.
PATIENCE_S = 30.0


class Observed:
    """A :class:`~gateway.federation.executor.transport.FetchObserver` that keeps what it is told."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []  # (subgraph, outcome) per request sent
        self.joined: list[str] = []  # the subgraph of each fetch answered by one in flight

    def sent(self, subgraph: str, outcome: str, seconds: float) -> None:
        assert seconds >= 0
        self.requests.append((subgraph, outcome))

    def shared(self, subgraph: str) -> None:
        self.joined.append(subgraph)


@asynccontextmanager
async def held(server: HoldingServer, **options: Any) -> AsyncIterator[HttpTransport]:
    """A transport to ``server`` as subgraph "a"; held requests are released and the transport closed at the end."""
    async with raw_server(server) as url:
        transport = HttpTransport({"a": url}, **options)
        try:
            yield transport
        finally:
            server.release.set()
            await transport.aclose()


def send(
    transport: HttpTransport, variables: dict[str, Any] | None = None, kind: OperationKind = "query"
) -> asyncio.Task[dict[str, Any]]:
    operation = "{ x }" if kind == "query" else "mutation { x }"
    return asyncio.create_task(transport.send("a", operation, variables or {}, operation_kind=kind))


async def answered(server: HoldingServer, tasks: list[asyncio.Task[Any]], *, in_flight: int) -> list[Any]:
    """Releases ``server`` once it holds ``in_flight`` requests (every task has been sent or has joined one:
    they all ran before any request reached the server), then the tasks' results."""
    async with asyncio.timeout(PATIENCE_S):  # a guard against a hang, not a timing assertion
        await server.reached(in_flight)
        server.release.set()
        return await asyncio.gather(*tasks, return_exceptions=True)


async def test_identical_queries_in_flight_reach_the_subgraph_once_and_each_caller_gets_its_own_answer() -> None:
    server, observed = HoldingServer(), Observed()
    async with held(server, observer=observed) as transport:
        answers = await answered(server, [send(transport) for _ in range(5)], in_flight=1)
        assert server.requests == 1
        assert (observed.requests, observed.joined) == ([("a", "OK")], ["a"] * 4)
        assert answers == [ANSWER] * 5
        # Parsed per caller: one caller's merge into its answer cannot reach another's.
        answers[0]["data"]["x"] = "changed"
        assert answers[1] == ANSWER
        # Nothing is kept once answered: the same query later is sent again.
        assert await send(transport) == ANSWER
        assert server.requests == 2


async def test_different_variables_are_different_requests() -> None:
    server = HoldingServer()
    async with held(server) as transport:
        answers = await answered(server, [send(transport, {"n": n}) for n in range(3)], in_flight=3)
    assert (answers, server.requests) == ([ANSWER] * 3, 3)


async def test_mutations_are_sent_each_time() -> None:
    server, observed = HoldingServer(), Observed()
    async with held(server, observer=observed) as transport:
        answers = await answered(server, [send(transport, kind="mutation") for _ in range(3)], in_flight=3)
    assert (answers, server.requests) == ([ANSWER] * 3, 3)
    assert (observed.requests, observed.joined) == ([("a", "OK")] * 3, [])


async def test_without_deduplication_identical_queries_are_sent_each() -> None:
    server = HoldingServer()
    async with held(server, deduplicate=False) as transport:
        answers = await answered(server, [send(transport) for _ in range(3)], in_flight=3)
    assert (answers, server.requests) == ([ANSWER] * 3, 3)


async def test_queries_with_different_propagated_headers_are_not_shared() -> None:
    """Two clients whose forwarded credentials differ: the subgraph may answer each differently, so each
    request is sent, with its own header; two clients with the same one share."""
    server = HoldingServer()
    rules = HeaderRules.parse({"a": {"forward": ["authorization"]}})
    async with raw_server(server) as url:
        transport = HeaderRuleTransport({"a": url}, rules=rules)
        tasks = []
        for token in ("Bearer one", "Bearer two", "Bearer one"):
            with client_headers(type("Request", (), {"headers": {"Authorization": token}})()):
                tasks.append(send(transport))  # the task copies the context: the client's headers
        try:
            answers = await answered(server, tasks, in_flight=2)
        finally:
            await transport.aclose()
    assert (answers, server.requests) == ([ANSWER] * 3, 2)
    sent = sorted(line for lines in server.header_lines for line in lines if line.startswith(b"authorization"))
    assert sent == [b"authorization: bearer one", b"authorization: bearer two"]


async def test_a_caller_that_goes_away_does_not_end_the_request_the_others_wait_for() -> None:
    server = HoldingServer()
    async with held(server) as transport:
        first, second = send(transport), send(transport)
        async with asyncio.timeout(PATIENCE_S):
            await server.reached(1)
        first.cancel()  # its client disconnected
        answers = await answered(server, [first, second], in_flight=1)
    assert isinstance(answers[0], asyncio.CancelledError)
    assert answers[1] == ANSWER
    assert (server.requests, server.hung_up.is_set()) == (1, False)


async def test_a_failure_reaches_every_caller_as_an_error_of_its_own() -> None:
    server, observed = HoldingServer(), Observed()  # never released before the timeout
    async with held(server, timeout_s=0.2, observer=observed) as transport:
        failures = await asyncio.gather(*(send(transport) for _ in range(3)), return_exceptions=True)
    assert server.requests == 1
    assert (observed.requests, observed.joined) == ([("a", "SUBGRAPH_TIMEOUT")], ["a", "a"])
    assert all(isinstance(f, SubgraphUnavailable) and f.code == "SUBGRAPH_TIMEOUT" for f in failures)
    assert len({id(f) for f in failures}) == 3
    assert str(failures[0]) == "subgraph 'a' did not answer within 0.2 s"


@pytest.mark.parametrize("kind", ["query", "mutation"])
async def test_an_answer_that_is_not_graphql_fails_each_caller(kind: OperationKind) -> None:
    server = HoldingServer(b"<html>oops</html>")
    async with held(server) as transport:
        failures = await answered(
            server, [send(transport, kind=kind) for _ in range(2)], in_flight=1 if kind == "query" else 2
        )
    assert server.requests == (1 if kind == "query" else 2)
    assert [f.code for f in failures] == ["SUBGRAPH_BAD_RESPONSE"] * 2
