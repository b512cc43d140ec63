"""Faulty subgraphs behind the served supergraph (the "faults" set of tests/federation/faults/): each
answers its own way wrong, and the client gets its fields null with a stable code while the
well-behaved loans subgraph's data stands. The hanging one is cut by `subgraph_timeout_seconds`."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.testing import GatewayHarness
from tests.federation.oracle import FAULTS_DIR, compose, ensure_node_modules, start_subgraphs

FAULTS = ["html", "status500", "malformed", "hang", "entities_fewer", "entities_reversed"]
LOANS = [{"id": "l1"}, {"id": "l2"}, {"id": "l3"}]


@pytest.fixture(scope="module")
def supergraph() -> Iterator[Path]:
    ensure_node_modules()
    with tempfile.TemporaryDirectory(prefix="serve-supergraph-faults-") as tmp:
        process, ready = start_subgraphs("faults", Path(tmp))
        try:
            path = Path(tmp) / "faults.graphql"
            # Each raw subgraph answers by the fault its URL names (tests/federation/faults/subgraphs.mjs).
            path.write_text(compose(FAULTS_DIR, ready, {fault: fault for fault in FAULTS}))
            yield path
        finally:
            process.stop()


async def test_faulty_subgraphs_null_their_fields_with_a_code(supergraph: Path) -> None:
    settings = {"subgraph_visibility": {"*": "public"}, "subgraph_timeout_seconds": 0.5}
    async with GatewayHarness.start(plugins=[], supergraph=str(supergraph), **settings) as gw:

        async def answer(field: str) -> tuple[dict[str, Any], list[tuple[str, list[Any]]]]:
            body = (await gw.client.post("/graphql", json={"query": f"{{ loans {{ id }} {field} }}"})).json()
            return body["data"], [(e["extensions"]["code"], e["path"]) for e in body["errors"]]

        try:
            for field, code in (
                ("hangAnswer", "SUBGRAPH_TIMEOUT"),
                ("htmlAnswer", "SUBGRAPH_BAD_RESPONSE"),
                ("malformedAnswer", "SUBGRAPH_BAD_RESPONSE"),
            ):
                data, errors = await answer(field)
                assert data == {"loans": LOANS, field: None}, field  # the well-behaved subgraph's answer stands
                assert errors == [(code, [field])], field
            data, errors = await answer("status500Answer")
            assert data == {"loans": LOANS, "status500Answer": None}
            assert [path for _, path in errors] == [["status500Answer"]]
            assert errors[0][0].startswith("SUBGRAPH_")
        finally:
            await gw.app.state.federated_gateway.aclose()
