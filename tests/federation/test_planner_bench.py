"""The bench's supergraph (bench/peers: five Apollo subgraphs) planned for the operations of W1–W3
(bench/cgbench/workloads.py, the ones W6 sends) and a new operation of their kind. Planning time is
measured by hand (see the planner's README section), never asserted here."""

from __future__ import annotations

import sys

import pytest
from graphql import parse, validate

from gateway.federation.planner import plan_operation
from tests.federation.planner_checks import check_plan, fetches, outline
from tests.federation.planner_supergraphs import HERE, bench_subgraph_schemas, bench_supergraph

sys.path.insert(0, str(HERE.parent.parent / "bench"))
from cgbench.workloads import BATCH, BLACK_LISTS, PROFILE

DOMAINS = "Par[subject:tax, subject:urban_management, subject:culture, subject:construction]"
NEW_OPERATION = """
query Mixed($code: String!, $codes: [String!]!) {
  one: subject(code: $code) { name tax { isMajorViolator } construction { isBlacklisted } }
  many: subjects(codes: $codes) { code culture { greenChannel { eligible } } }
  majorTaxViolations(first: 5) { edges { node { id subjectName } } }
}
"""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (PROFILE, f"Seq[subjects, {DOMAINS}]"),
        (BATCH, f"Seq[subjects, {DOMAINS.replace('subject:', 'subjects.@:')}]"),
        (BLACK_LISTS, "Seq[Par[tax, culture], majorTaxViolations.edges.@.node:subjects]"),
    ],
    ids=["W1", "W2", "W3"],
)
def test_the_bench_workloads_plan_one_fetch_per_subgraph(query: str, expected: str) -> None:
    supergraph = bench_supergraph()
    document = parse(query)
    assert not validate(supergraph.api_schema, document)
    plan = plan_operation(supergraph, document, None)
    check_plan(plan, supergraph, bench_subgraph_schemas())
    assert outline(plan.node) == expected


def test_a_new_operation_of_their_kind_is_planned() -> None:
    supergraph = bench_supergraph()
    document = parse(NEW_OPERATION)
    assert not validate(supergraph.api_schema, document)
    plan = plan_operation(supergraph, document, None)
    check_plan(plan, supergraph, bench_subgraph_schemas())
    assert plan.subgraphs == frozenset({"subjects", "tax", "construction", "culture"})
    # The tax listing's subject names need the subject code first (@requires), from tax.
    (names,) = [f for f in fetches(plan) if f.requires is not None and "subjectName" in f.operation]
    assert names.subgraph == "subjects"
