"""Every query operation the test suite sends (corpus.jsonl), replayed on both engines and both backends
against the seeded world, as the kind of caller that sent it; graphql-core's answer is the oracle.

Regenerate the corpus with ``python tests/differential/corpus.py`` (see differential.corpus).
"""

from __future__ import annotations

from typing import Any

import pytest

from differential.corpus import load
from differential.pair import Caller, EnginePair

CORPUS = load()


def caller_for(pair: EnginePair, entry: dict[str, Any]) -> Caller:
    """The recorded kind of caller; a department of the recorded domain (or another when the seeded
    gateway has no such department); the admin for a caller the harness did not make (JWT, CLI keys)."""
    if entry["role"] == "department":
        return pair.callers.get(f"department:{entry.get('domain')}") or pair.callers[f"department:{pair.domains[0]}"]
    return pair.callers.get(entry["role"]) or pair.callers["admin"]


def test_the_corpus_is_large_and_holds_only_queries() -> None:
    import graphql

    assert len(CORPUS) >= 500
    roles = {entry["role"] for entry in CORPUS}
    assert {"public", "portal", "admin", "subject", "partner", "department"} <= roles
    for entry in CORPUS:
        operation = graphql.get_operation_ast(graphql.parse(entry["query"]), entry["operationName"])
        assert operation is not None and operation.operation is graphql.OperationType.QUERY, entry


@pytest.mark.parametrize("entry", CORPUS, ids=[f"{i:03d}-{e['role']}" for i, e in enumerate(CORPUS)])
async def test_recorded_operation(pair: EnginePair, entry: dict[str, Any]) -> None:
    await pair.assert_same(
        entry["query"], entry["variables"], caller_for(pair, entry), operation_name=entry["operationName"]
    )
