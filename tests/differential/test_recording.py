"""The harness's recording of query operations, which builds corpus.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from differential.corpus import deduplicate
from gateway.testing import RECORD_OPERATIONS_ENV, GatewayHarness


async def test_the_harness_records_query_operations_with_their_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = tmp_path / "recorded.jsonl"
    monkeypatch.setenv(RECORD_OPERATIONS_ENV, str(recorded))
    async with GatewayHarness.start(plugins=["tax"]) as gw:
        department = await gw.create_key("department", domain="tax")
        await gw.graphql("query($c: String!) { subject(code: $c) { name } }", {"c": "91350100M000100Y43"})
        await gw.graphql('{ subject(code: "91350100M000100Y43") { code } }', key=department)
        await gw.graphql("mutation { __typename }", key=department)  # not a query: not recorded
        await gw.graphql("{ not a document", key=department)  # no operation: not recorded
        both = "query A { __typename } mutation B { __typename }"
        await gw.client.post("/graphql", json={"query": both, "operationName": "A"})
        await gw.client.post("/graphql", json={"query": both, "operationName": "B"})  # the mutation
        await gw.client.get("/graphql", params={"query": "{ __typename }", "variables": '{"x": 1}'})
        await gw.graphql("query($c: String!) { subject(code: $c) { name } }", {"c": "91110000600037341L"})
    lines = [json.loads(line) for line in recorded.read_text(encoding="utf-8").splitlines()]
    assert [(line["role"], line.get("domain"), line["operationName"]) for line in lines] == [
        ("public", None, None),
        ("department", "tax", None),
        ("public", None, "A"),
        ("public", None, None),
        ("public", None, None),
    ]
    assert lines[0]["variables"] == {"c": "91350100M000100Y43"} and lines[3]["variables"] == {"x": 1}
    corpus = deduplicate(lines)
    assert len(corpus) == 4 and corpus[0]["variables"] == {"c": "91350100M000100Y43"}  # the first kept


async def test_without_the_variable_nothing_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RECORD_OPERATIONS_ENV, raising=False)
    async with GatewayHarness.start(plugins=["tax"]) as gw:
        assert not gw.client.event_hooks["request"]
