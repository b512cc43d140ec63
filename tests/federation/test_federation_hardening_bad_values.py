"""Values that used to end a federated request in a 500 (issue 13 review, items 6, 8, 11): a client's
variable nested past what JSON encoders write, refused before planning (and, should one reach the
transport, a coded error at the fetch's fields); subgraph leaf values of the wrong kind, or nested too
deep to serialise, null with an error; the rest of the response stands. (A body that does not decode
as its content-encoding says is test_executor_subgraph_pool.py's.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.auth.principal import PUBLIC
from gateway.federation.executor import HttpTransport
from gateway.federation.query_plan import SubgraphUnavailable
from gateway.federation.serving.endpoint import FederatedEndpoint
from gateway.kernel.errors import LIMIT_EXCEEDED, SUBGRAPH_INVALID_VALUE, SUBGRAPH_REQUEST_UNSERIALISABLE
from gateway.kernel.limits import MAX_SCALAR_NESTING
from tests.federation.hardening_harness import canned_gateway, supergraph_text_of

SDLS = {
    "a": """
scalar JSON
type Query { loan: Loan echo(v: JSON): String }
type Loan @key(fields: "id") {
  id: ID! name: String count: Int ratio: Float open: Boolean extra: JSON strict: String!
}
"""
}


def nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


@pytest.fixture(scope="module")
def supergraph() -> Iterator[str]:
    yield supergraph_text_of(SDLS)


def _loan(**fields: Any) -> Any:
    return lambda operation, variables: {"data": {"loan": {"__typename": "Loan", "id": "1", "strict": "s", **fields}}}


async def test_leaf_values_of_the_wrong_kind_are_null_with_errors(supergraph: str, tmp_path: Path) -> None:
    wrong = _loan(name={"internal": "row 17"}, count="many", ratio=True, open=1, extra=nested(MAX_SCALAR_NESTING + 1))
    gateway, _ = canned_gateway(supergraph, {"*": "public"}, {"a": wrong}, tmp_path)
    out = await gateway.execute("{ loan { id name count ratio open extra } }", None, None, PUBLIC)
    assert out["data"] == {"loan": {"id": "1", "name": None, "count": None, "ratio": None, "open": None, "extra": None}}
    assert sorted(e["path"][-1] for e in out["errors"]) == ["count", "extra", "name", "open", "ratio"]
    assert {e["extensions"]["code"] for e in out["errors"]} == {SUBGRAPH_INVALID_VALUE}
    assert "row 17" not in repr(out)

    # A wrong kind at a non-null field: its null bubbles to the nullable loan.
    gateway, _ = canned_gateway(supergraph, {"*": "public"}, {"a": _loan(count=1.5, strict=[])}, tmp_path)
    out = await gateway.execute("{ loan { count strict } }", None, None, PUBLIC)
    assert out["data"] == {"loan": None}
    assert sorted(e["path"] for e in out["errors"]) == [["loan", "count"], ["loan", "strict"]]


async def test_an_int_outside_32_bits_is_null_with_an_error(supergraph: str, tmp_path: Path) -> None:
    # JSON carries 64-bit integers; GraphQL's Int is 32-bit, which clients in other languages rely on.
    for count in (2**31, -(2**31) - 1, 2**63):
        gateway, _ = canned_gateway(supergraph, {"*": "public"}, {"a": _loan(count=count)}, tmp_path)
        out = await gateway.execute("{ loan { id count } }", None, None, PUBLIC)
        assert out["data"] == {"loan": {"id": "1", "count": None}}
        [error] = out["errors"]
        assert (error["path"], error["extensions"]["code"]) == (["loan", "count"], SUBGRAPH_INVALID_VALUE)


async def test_right_values_pass_as_given(supergraph: str, tmp_path: Path) -> None:
    extra = {"a": [1, 2.5, None, {"b": nested(MAX_SCALAR_NESTING - 3)}]}  # nested exactly the maximum
    right = _loan(name="n", count=-(2**31), ratio=3, open=False, extra=extra)
    gateway, _ = canned_gateway(supergraph, {"*": "public"}, {"a": right}, tmp_path)
    out = await gateway.execute("{ loan { id name count ratio open extra strict } }", None, None, PUBLIC)
    loan = {"id": "1", "name": "n", "count": -(2**31), "ratio": 3, "open": False, "extra": extra, "strict": "s"}
    assert out == {"data": {"loan": loan}}


async def test_a_deep_leaf_value_is_not_a_500(supergraph: str, tmp_path: Path) -> None:
    gateway, _ = canned_gateway(supergraph, {"*": "public"}, {"a": _loan(name=nested(300))}, tmp_path)
    transport = httpx.ASGITransport(app=FederatedEndpoint(gateway), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        response = await client.post("/graphql", json={"query": "{ loan { id name } }"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"loan": {"id": "1", "name": None}}
    assert body["errors"][0]["extensions"]["code"] == SUBGRAPH_INVALID_VALUE


async def test_a_deep_variable_is_refused_before_planning(supergraph: str, tmp_path: Path) -> None:
    gateway, canned = canned_gateway(
        supergraph, {"*": "public"}, {"a": lambda o, v: {"data": {"echo": "ok"}}}, tmp_path
    )
    query = "query($v: JSON) { echo(v: $v) }"
    out = await gateway.execute(query, {"v": nested(300)}, None, PUBLIC)
    [error] = out["errors"]
    assert error["extensions"]["code"] == LIMIT_EXCEEDED
    assert error["extensions"]["limit"] == "variableNesting"
    assert canned.sent == []
    assert await gateway.execute(query, {"v": nested(MAX_SCALAR_NESTING - 1)}, None, PUBLIC) == {"data": {"echo": "ok"}}


async def test_a_request_json_cannot_write_is_a_coded_subgraph_error() -> None:
    # Representations come from subgraphs' answers, not the client: the transport itself must not raise.
    transport = HttpTransport({"a": "http://127.0.0.1:9/graphql"})
    try:
        with pytest.raises(SubgraphUnavailable) as failed:
            await transport.send("a", "query($v: JSON) { echo(v: $v) }", {"v": nested(300)}, operation_kind="query")
        assert failed.value.code == SUBGRAPH_REQUEST_UNSERIALISABLE
    finally:
        await transport.aclose()
