"""The federation corpus through credit-gateway's own planner and executor: for every family of
tests/federation/families/, its real Node subgraphs composed, every case planned by
``gateway.federation.planner.plan_operation`` and run by ``gateway.federation.executor.execute_plan``;
the response must be the case's expected result (compared by ``matching.mismatches``).

Cases marked ``"oracle": "disagrees"`` are bugs of Hive Gateway: we must give the expected result all
the same. The operation is validated against the API schema first, as the serving layer does (an
invalid one is answered with its validation errors, nothing planned).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from graphql import parse, validate

from gateway.federation.executor import execute_plan
from gateway.federation.planner import plan_operation
from gateway.kernel.errors import GRAPHQL_VALIDATION_FAILED
from tests.federation.executor_harness import RunningFamily, running_family
from tests.federation.matching import mismatches
from tests.federation.oracle import family_names, load_cases

CASES = [(family, case) for family in family_names() for case in load_cases(family)]


class Families:
    """One family's subgraphs at a time (the cases come grouped by family), all stopped at the end."""

    def __init__(self) -> None:
        self.current: tuple[str, RunningFamily, ExitStack] | None = None

    def get(self, family: str) -> RunningFamily:
        if self.current is None or self.current[0] != family:
            self.close()
            stack = ExitStack()
            running = stack.enter_context(running_family(family))
            self.current = (family, running, stack)
        return self.current[1]

    def close(self) -> None:
        if self.current is not None:
            self.current[2].close()
            self.current = None


@pytest.fixture(scope="module")
def families() -> Iterator[Families]:
    started = Families()
    try:
        yield started
    finally:
        started.close()


async def answer(running: RunningFamily, case: dict[str, Any]) -> dict[str, Any]:
    supergraph = running.supergraph
    document = parse(case["query"])
    invalid = validate(supergraph.api_schema, document)
    if invalid:
        return {"errors": [{"message": e.message, "extensions": {"code": GRAPHQL_VALIDATION_FAILED}} for e in invalid]}
    plan = plan_operation(supergraph, document, case.get("operationName"))
    transport = running.transport()
    try:
        return await execute_plan(
            plan,
            supergraph=supergraph,
            document=document,
            operation_name=case.get("operationName"),
            variables=case.get("variables") or {},
            transport=transport,
        )
    finally:
        await transport.aclose()


@pytest.mark.parametrize(("family", "case"), CASES, ids=[f"{f}:{c['name']}" for f, c in CASES])
async def test_our_gateway_answers_the_expected_result(families: Families, family: str, case: dict[str, Any]) -> None:
    response = await answer(families.get(family), case)
    problems = mismatches(case["expected"], response)
    assert not problems, "\n".join(problems)
