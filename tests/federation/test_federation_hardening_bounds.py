"""What a subgraph's answer may cost (issue 13 review, items 4, 5 and 9): an error path longer than any
path into the client's response is not followed (the error is kept, without it), and noting errors
costs each path's length, not its square; the shaper's own errors are capped like a fetch's, with one
error saying more were left out; a fetch that raises cancels its sibling fetches, so nothing keeps
running for a request that has ended; one part of a merged request cannot fail the others (item 14)."""

from __future__ import annotations

import asyncio
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema, parse

from gateway.auth.principal import PUBLIC
from gateway.federation.executor.shape import Shaper
from gateway.kernel.errors import LIMIT_EXCEEDED, SUBGRAPH_INVALID_VALUE
from gateway.kernel.limits import MAX_ERROR_PATH_ELEMENTS, MAX_ERRORS_PER_FETCH
from tests.federation.hardening_harness import canned_gateway, supergraph_text_of

SDLS = {
    "a": "type Query { x: Int items: [Item] one: One }\ntype Item { id: ID }\n"
    'type One @key(fields: "id") { id: ID! }\n',
    "b": 'type Query { two: Two }\ntype Two @key(fields: "id") { id: ID! }\n',
}


async def test_an_error_path_longer_than_any_response_path_is_dropped(tmp_path: Path) -> None:
    error = {"message": "deep", "path": ["x"] + [0] * 16_000}
    answer = {"data": {"x": None}, "errors": [error]}
    gateway, _ = canned_gateway(supergraph_text_of(SDLS), {"*": "public"}, {"a": lambda o, v: answer}, tmp_path)
    out = await gateway.execute("{ x }", None, None, PUBLIC)
    assert out["data"] == {"x": None}
    [kept] = out["errors"]
    assert "path" not in kept


def test_noting_errors_costs_their_paths_length() -> None:
    schema = build_schema("type Query { x: [[Int]] y: Int! }")
    long_path = ["x", *([0] * (MAX_ERROR_PATH_ELEMENTS - 1))]
    errors: list[dict[str, Any]] = [{"message": "e", "path": [*long_path[:-1], n]} for n in range(MAX_ERRORS_PER_FETCH)]
    tracemalloc.start()
    try:
        shaper = Shaper(schema, {}, {}, errors)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Every prefix of every path would be ~MAX_ERRORS_PER_FETCH * 400² / 2 tuple slots (hundreds of MB).
    assert peak < 20 * 2**20
    # Errors at, above and below a path still explain a null there (no second error is added).
    assert shaper._explained(("x", 0)) and shaper._explained(tuple(long_path)) and not shaper._explained(("y",))
    shaped = shaper.shape_root(schema.query_type, parse("{ y }").definitions[0].selection_set, {"y": None})  # type: ignore[attr-defined, arg-type]
    assert shaped is None
    assert errors[-1]["path"] == ["y"] and errors[-1]["extensions"]["code"] == SUBGRAPH_INVALID_VALUE


async def test_the_shapers_own_errors_are_capped(tmp_path: Path) -> None:
    answer = {"data": {"items": [1] * (3 * MAX_ERRORS_PER_FETCH)}}
    gateway, _ = canned_gateway(supergraph_text_of(SDLS), {"*": "public"}, {"a": lambda o, v: answer}, tmp_path)
    out = await gateway.execute("{ items { id } }", None, None, PUBLIC)
    assert out["data"] == {"items": [None] * (3 * MAX_ERRORS_PER_FETCH)}
    assert len(out["errors"]) == MAX_ERRORS_PER_FETCH + 1
    assert {e["extensions"]["code"] for e in out["errors"][:-1]} == {SUBGRAPH_INVALID_VALUE}
    assert out["errors"][-1]["extensions"]["code"] == LIMIT_EXCEEDED
    assert "left out" in out["errors"][-1]["message"]


class Boom(Exception):
    pass


async def test_a_failing_fetch_cancels_its_siblings(tmp_path: Path) -> None:
    sibling_started = asyncio.Event()
    outcome: list[str] = []

    async def slow(operation: str, variables: dict[str, Any]) -> dict[str, Any]:
        sibling_started.set()
        try:
            await asyncio.Event().wait()  # never answers by itself
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise
        return {"data": {"two": {"id": "2"}}}

    async def boom(operation: str, variables: dict[str, Any]) -> dict[str, Any]:
        await sibling_started.wait()
        raise Boom("an unexpected failure (the local subgraph's database outage, say)")

    gateway, _ = canned_gateway(supergraph_text_of(SDLS), {"*": "public"}, {"a": boom, "b": slow}, tmp_path)
    with pytest.raises(Boom):
        await gateway.execute("{ one { id } two { id } }", None, None, PUBLIC)
    assert outcome == ["cancelled"]  # and awaited before the request ended


WAVE_SDLS = {
    "a": 'type Query { x: X y: Y }\ntype X @key(fields: "id") { id: ID! }\ntype Y @key(fields: "id") { id: ID! }\n',
    "b": 'type X @key(fields: "id") { id: ID! name: String }\ntype Y @key(fields: "id") { id: ID! name: String }\n',
}


async def test_one_failing_part_of_a_merged_request_fails_alone(tmp_path: Path) -> None:
    def entities(operation: str, variables: dict[str, Any]) -> dict[str, Any]:
        if "_e0" in operation:  # the wave's two entity fetches in one request: Y's error nulls it all
            return {"data": None, "errors": [{"message": "Y is down", "path": ["_e1"]}]}
        [representation] = variables["representations"]
        if representation["__typename"] == "Y":
            return {"data": None, "errors": [{"message": "Y is down", "path": ["_entities"]}]}
        # With the key it is asked back (and checked) by: an entity without it is refused.
        return {"data": {"_entities": [{"__typename": "X", "id": "1", "name": "x-name"}]}}

    root = {"data": {"x": {"__typename": "X", "id": "1"}, "y": {"__typename": "Y", "id": "2"}}}
    answers = {"a": lambda o, v: root, "b": entities}
    gateway, canned = canned_gateway(supergraph_text_of(WAVE_SDLS), {"*": "public"}, answers, tmp_path)
    out = await gateway.execute("{ x { name } y { name } }", None, None, PUBLIC)
    assert any("_e0" in operation for _, operation, _ in canned.sent)  # it was merged, then sent alone
    assert out["data"] == {"x": {"name": "x-name"}, "y": {"name": None}}
    assert [error["path"] for error in out["errors"]] == [["y", "name"]]
