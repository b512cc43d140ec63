"""Mutations through the served supergraph (the "mutations" family: two subgraphs keeping logs): sent
with POST they run in order across subgraphs; sent with GET (a link, an image) they never run."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.testing import GatewayHarness
from tests.federation.oracle import FAMILIES_DIR, compose, ensure_node_modules, start_subgraphs

APPEND = (
    'mutation ($log: String!) { a: append(log: $log, entry: "x") b: count(log: $log) c: append(log: $log, entry: "y") }'
)
COUNT = "mutation ($log: String!) { count(log: $log) }"


@pytest.fixture(scope="module")
def supergraph() -> Iterator[Path]:
    ensure_node_modules()
    with tempfile.TemporaryDirectory(prefix="serve-supergraph-mutations-") as tmp:
        process, ready = start_subgraphs("mutations", Path(tmp))
        try:
            path = Path(tmp) / "mutations.graphql"
            path.write_text(compose(FAMILIES_DIR / "mutations", ready))
            yield path
        finally:
            process.stop()


async def test_mutations_run_in_order_with_post_and_never_with_get(supergraph: Path) -> None:
    async with GatewayHarness.start(plugins=[], supergraph=str(supergraph), subgraph_visibility={"*": "public"}) as gw:
        try:
            refused = await gw.client.get("/graphql", params={"query": APPEND, "variables": json.dumps({"log": "g"})})
            assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["BAD_REQUEST"]
            ran = await gw.client.post("/graphql", json={"query": APPEND, "variables": {"log": "g"}})
            # The GET changed nothing: the log starts empty.
            assert ran.json() == {"data": {"a": ["x"], "b": 1, "c": ["x", "y"]}}
            counted = await gw.client.post("/graphql", json={"query": COUNT, "variables": {"log": "g"}})
            assert counted.json() == {"data": {"count": 2}}
        finally:
            await gw.app.state.federated_gateway.aclose()
