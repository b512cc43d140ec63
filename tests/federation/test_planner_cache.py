"""The plan cache: one plan per (document text, operation name), bounded, least recently used dropped."""

from __future__ import annotations

import pytest
from graphql import parse

from gateway.federation.planner import PlanCache, PlanningError
from tests.federation.planner_supergraphs import family_supergraph

QUERIES = ["{ left }", "{ right }", "{ version left }"]


def cached(cache: PlanCache, text: str, operation_name: str | None = None) -> object:
    return cache.plan(text, parse(text), operation_name)


def test_the_same_document_and_operation_get_the_same_plan() -> None:
    cache = PlanCache(family_supergraph("root_fields"))
    first = cached(cache, QUERIES[0])
    assert cached(cache, QUERIES[0]) is first
    assert len(cache) == 1


def test_the_operation_name_is_part_of_the_key() -> None:
    cache = PlanCache(family_supergraph("root_fields"))
    text = "query A { left } query B { right }"
    a, b = cached(cache, text, "A"), cached(cache, text, "B")
    assert a is not b
    assert a.subgraphs == frozenset({"left"}) and b.subgraphs == frozenset({"right"})  # type: ignore[attr-defined]
    assert len(cache) == 2


def test_the_cache_is_bounded_and_drops_the_least_recently_used() -> None:
    cache = PlanCache(family_supergraph("root_fields"), size=2)
    left = cached(cache, QUERIES[0])
    right = cached(cache, QUERIES[1])
    assert cached(cache, QUERIES[0]) is left  # now the most recently used
    cached(cache, QUERIES[2])  # drops "{ right }"
    assert len(cache) == 2
    assert cached(cache, QUERIES[0]) is left
    assert cached(cache, QUERIES[1]) is not right


def test_planning_errors_are_not_cached() -> None:
    cache = PlanCache(family_supergraph("root_fields"))
    with pytest.raises(PlanningError):
        cached(cache, "query A { left } query B { right }", None)
    assert len(cache) == 0


def test_a_cache_holds_at_least_one_plan() -> None:
    with pytest.raises(ValueError):
        PlanCache(family_supergraph("root_fields"), size=0)


def test_the_cache_plans_with_the_subgraphs_it_trusts() -> None:
    # serving.loading trusts the in-process subgraph: its entity fetches ask no key back.
    text = "{ reviews { author { name } } }"
    for trusted, asks_back in ((frozenset({"accounts"}), False), (frozenset(), True)):
        cache = PlanCache(family_supergraph("keys"), trusted_subgraphs=trusted)
        [entities] = [f for f in cache.plan(text, parse(text), None).fetches() if f.requires is not None]
        assert entities.subgraph == "accounts"
        assert (entities.keys is not None) is asks_back
