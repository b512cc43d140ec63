"""Client operations the gateway must refuse or recognise (issue 13 review, items 12 and 15): an alias
``__typename`` on another field (or any alias starting ``__`` on a field that is not a meta field) is
refused, as the gateway reads ``__typename`` in every answer to know an object's type; copies of an
operation that differ only in layout share one cached plan and cannot evict the hot ones."""

from __future__ import annotations

from pathlib import Path

from graphql import parse

from gateway.auth.principal import PUBLIC
from gateway.federation.planner import PlanCache
from gateway.kernel.errors import GRAPHQL_VALIDATION_FAILED
from tests.federation.hardening_harness import canned_gateway, supergraph_text_of
from tests.federation.planner_supergraphs import family_supergraph

SDLS = {
    "a": """
type Query { media: [Media] }
interface Media { id: ID! }
type Book implements Media @key(fields: "id") { id: ID! rating: Int }
type Movie implements Media @key(fields: "id") { id: ID! }
"""
}


async def test_aliases_starting_with_two_underscores_are_refused(tmp_path: Path) -> None:
    # Answered under the fields' names and under the aliases the fetch may use (a canned subgraph).
    book = {"__typename": "Book", "id": "b1", "rating": 5, "__t": "Book", "key": "b1"}
    media = {"media": [book, {"__typename": "Movie", "id": "m1", "__t": "Movie", "key": "m1"}]}
    answers = {"a": lambda o, v: {"data": media}}
    gateway, canned = canned_gateway(supergraph_text_of(SDLS), {"*": "public"}, answers, tmp_path)
    for query in (
        "{ media { __typename: id ... on Book { rating } } }",
        "{ media { __kind: id } }",
        "query { media { ...F } } fragment F on Media { __id: id }",
    ):
        out = await gateway.execute(query, None, None, PUBLIC)
        assert "data" not in out, query
        [error] = out["errors"]
        assert error["extensions"]["code"] == GRAPHQL_VALIDATION_FAILED
        assert "reserved" in error["message"] and error["locations"]
    assert canned.sent == []
    # The meta field under an alias of its own, and ordinary aliases, are served.
    out = await gateway.execute("{ media { __t: __typename key: id ... on Book { rating } } }", None, None, PUBLIC)
    assert out == {"data": {"media": [{"__t": "Book", "key": "b1", "rating": 5}, {"__t": "Movie", "key": "m1"}]}}


def test_operations_differing_only_in_layout_share_a_plan() -> None:
    cache = PlanCache(family_supergraph("keys"), size=10)
    hot = "{ orders { buyer { name } } }"
    first = cache.plan(hot, parse(hot), None)
    for n in range(20):
        variant = "query {\n  orders ,{ buyer { name } }\n}" + " " * n + f"# copy {n}"
        assert cache.plan(variant, parse(variant), None) is first
    assert len(cache) == 1
    other = "{ orders { id } }"
    assert cache.plan(other, parse(other), None) is not first
    assert cache.plan(hot, parse(hot), None) is first
