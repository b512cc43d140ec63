"""Reloading the supergraph (issue 13 review, items 10 and 13): a supergraph URL answering bytes that
are not UTF-8 is refused, and the old supergraph keeps serving; a transport a reload replaced stays
open while a request that began before the reload still uses it, and is closed when the last one ends
(requests are counted per transport; no fixed grace)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gateway.auth.principal import PUBLIC
from gateway.federation.serving import FederatedGateway, ServingConfig
from gateway.policy.limits import ListSizes, role_limits
from tests.federation.hardening_harness import CannedSubgraphs, supergraph_text_of

SDLS = {"a": 'type Query { one: One }\ntype One @key(fields: "id") { id: ID! }\n'}


@pytest.fixture(scope="module")
def supergraph() -> Iterator[str]:
    yield supergraph_text_of(SDLS)


class _Served:
    """An HTTP server in a thread answering ``body`` to every GET (the gateway reads URLs blocking)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("content-length", str(len(served.body)))
                self.end_headers()
                self.wfile.write(served.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/supergraph.graphql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _gateway(location: str, factory: Any) -> FederatedGateway:
    config = ServingConfig(location=location, visibilities={"*": "public"}, local_subgraph="credit-gateway")
    return FederatedGateway.start(
        config, limits=role_limits({}), sizes=ListSizes(), development_mode=False, transport_factory=factory
    )


async def test_a_supergraph_url_answering_bytes_that_are_not_utf8_is_refused(supergraph: str) -> None:
    served = _Served(supergraph.encode())
    try:
        canned = CannedSubgraphs({"a": lambda o, v: {"data": {"one": {"__typename": "One", "id": "1"}}}})
        gateway = _gateway(served.url, lambda urls: canned)
        before = gateway.loaded.sha256
        served.body = b"schema \xff\xfe not utf-8"
        outcome = await gateway.reload()
        assert outcome.status == "refused"
        assert outcome.error is not None and "utf-8" in outcome.error.lower()
        assert gateway.loaded.sha256 == before
        assert await gateway.execute("{ one { id } }", None, None, PUBLIC) == {"data": {"one": {"id": "1"}}}
    finally:
        served.close()


async def test_a_replaced_transport_is_closed_when_its_last_request_ends(supergraph: str, tmp_path: Path) -> None:
    path = tmp_path / "supergraph.graphql"
    path.write_text(supergraph)
    release = asyncio.Event()
    started = asyncio.Event()

    async def slow(operation: str, variables: dict[str, Any]) -> dict[str, Any]:
        started.set()
        await release.wait()
        return {"data": {"one": {"__typename": "One", "id": "1"}}}

    made: list[CannedSubgraphs] = []

    def factory(urls: Any) -> CannedSubgraphs:
        made.append(CannedSubgraphs({"a": slow}))
        return made[-1]

    gateway = _gateway(str(path), factory)
    request = asyncio.create_task(gateway.execute("{ one { id } }", None, None, PUBLIC))
    await started.wait()
    path.write_text(supergraph.replace("http://127.0.0.1:9/", "http://127.0.0.1:9/v2/"))
    assert (await gateway.reload()).status == "reloaded"
    first, second = made
    await asyncio.sleep(0)
    assert not first.closed  # the running request still uses it

    # A second reload replaces the second transport, which no request used: closed at once.
    path.write_text(supergraph.replace("http://127.0.0.1:9/", "http://127.0.0.1:9/v3/"))
    assert (await gateway.reload()).status == "reloaded"
    for _ in range(3):
        await asyncio.sleep(0)
    assert second.closed and not first.closed

    release.set()
    assert await request == {"data": {"one": {"id": "1"}}}
    for _ in range(3):
        await asyncio.sleep(0)
    assert first.closed
    third = made[2]
    assert not third.closed
    await gateway.aclose()
    assert third.closed
