"""A subgraph's own errors through the served supergraph: the "keys" family's accounts subgraph fails
User.nickname for Bob with a plain Error (Apollo answers it as INTERNAL_SERVER_ERROR). Anyone but the
admin reads a masked message with the request id, at the client's path; the admin reads the subgraph's."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.testing import GatewayHarness
from tests.federation.oracle import FAMILIES_DIR, compose, ensure_node_modules, start_subgraphs

QUERY = "{ orders { id buyer { nickname } } }"


@pytest.fixture(scope="module")
def supergraph() -> Iterator[Path]:
    ensure_node_modules()
    with tempfile.TemporaryDirectory(prefix="serve-supergraph-masking-") as tmp:
        process, ready = start_subgraphs("keys", Path(tmp))
        try:
            path = Path(tmp) / "keys.graphql"
            path.write_text(compose(FAMILIES_DIR / "keys", ready))
            yield path
        finally:
            process.stop()


async def test_a_subgraphs_internal_error_is_masked_but_for_the_admin(supergraph: Path) -> None:
    async with GatewayHarness.start(plugins=[], supergraph=str(supergraph), subgraph_visibility={"*": "public"}) as gw:
        try:
            admin = await gw.create_key("admin")
            public = (
                await gw.client.post("/graphql", json={"query": QUERY}, headers={"x-request-id": "req-42"})
            ).json()
            [error] = public["errors"]
            assert error["message"] == "A remote service failed; quote request id req-42 when reporting it."
            assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
            assert error["extensions"]["requestId"] == "req-42"
            assert error["path"] == ["orders", 1, "buyer", "nickname"]
            assert "Bob" not in str(public)
            assert public["data"]["orders"][1] == {"id": "o2", "buyer": {"nickname": None}}

            headers = {"authorization": f"Bearer {admin}"}
            seen = (await gw.client.post("/graphql", json={"query": QUERY}, headers=headers)).json()
            assert [e["message"] for e in seen["errors"]] == ["no nickname for Bob"]
            assert seen["data"] == public["data"]
        finally:
            await gw.app.state.federated_gateway.aclose()
