"""Mutations through the executor over the "mutations" family's real subgraphs, with a hand-built plan:
root fetches run one after the other in the plan's order, and a failing one leaves null and its error
while the ones after it still run (and see the effects of the earlier ones)."""

from __future__ import annotations

from gateway.federation.query_plan import Fetch, QueryPlan, Sequence
from tests.federation.executor_harness import running_family
from tests.federation.matching import mismatches
from tests.federation.oracle import load_cases


def _mutation(subgraph: str, selection: str, fetch_id: int) -> Fetch:
    return Fetch(subgraph, f"mutation($log:String!){{{selection}}}", "mutation", ("log",), id=fetch_id)


async def test_mutations_run_in_sequence_and_a_failure_stops_none() -> None:
    case = next(c for c in load_cases("mutations") if c["name"].startswith("a failing mutation"))
    plan = QueryPlan(
        "mutation",
        Sequence(
            (
                _mutation("audit", "early:seal(log:$log)", 1),
                _mutation("ledger", 'add:append(log:$log,entry:"z")', 2),
                _mutation("audit", "late:seal(log:$log)", 3),
            )
        ),
    )
    with running_family("mutations") as family:
        transport = family.transport()
        try:
            response = await family.run(plan, case["query"], case["variables"], transport=transport)
        finally:
            await transport.aclose()
    assert not mismatches(case["expected"], response), response
    assert [subgraph for subgraph, _, _ in transport.sent] == ["audit", "ledger", "audit"]
    assert all(variables == {"log": "failing"} for _, _, variables in transport.sent)
