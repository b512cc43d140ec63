"""Schema-driven fuzz: for every audience, operations generated from the schema it sees are sent
over HTTP to the real app on seeded data, and none may crash (see reliability.verdicts), nor may
the run's memory run away.

The audiences are fuzzed by two test files, test_schema_fuzz_readers.py and
test_schema_fuzz_writers.py, each on its own seeded gateway, so that parallel test workers share
the fuzz (it is the suite's longest part). Deterministic (derandomized Hypothesis, pinned clock,
fixed demo data), so a crash found in CI is found again locally by running the file. On failure the
report groups the crashes by cause and shows the smallest operation of each with the traceback the
app logged.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from gateway.auth.principal import Role
from reliability.memory import MIB, PeakMemory
from reliability.seeded_gateway import SHOWCASE, Audience, Caller, SeededGateway, seeded_gateway
from reliability.values import scalar_strategies
from reliability.variables import WRONG_JSON, lift_arguments, with_wrong_value
from reliability.verdicts import Crash, CrashReport, ErrorLog, crash_of

# The audiences that only read, and those that may write (subject revoking, admin everything): each
# group on its own seeded gateway, so the readers always meet the seeded data unchanged. Within an
# audience, queries come first, then mutations.
READERS = [Role.PUBLIC, Role.PORTAL, Role.PARTNER]
WRITERS = [Role.SUBJECT, Role.DEPARTMENT, Role.ADMIN]
QUERIES_PER_AUDIENCE = 600
MUTATIONS_PER_AUDIENCE = 400
# Generous: the fuzz itself (Hypothesis' bookkeeping, the app's bounded caches of parsed and validated
# operations filling up) takes most in the first audience a process fuzzes (public +156 MiB, subject
# +210 MiB when first on its gateway), 27-119 MiB in the next ones; an unbounded `first` once took 13 GB.
MAX_MEMORY_GROWTH = 320 * MIB
# What the memory bound is about is what the app keeps, and how much one request takes. Cyclic garbage
# (an error's traceback and its frames) waits for a full collection, which the interpreter defers
# until it is a quarter of the long-lived heap: in a process that ran the whole suite first, that
# is itself over the bound (CI saw +212 MiB, this file alone +103 MiB). So collect now and then.
COLLECT_EVERY = 50
# How the arguments travel: as generated (literals), as variables, or as variables one of which
# holds JSON of the wrong shape.
INLINE, VARIABLES, WRONG_VARIABLE = "inline", "variables", "wrong variable"
DELIVERIES = [INLINE, INLINE, VARIABLES, WRONG_VARIABLE]
WARM_UP = ["{ __typename }", "query($c: String!) { subject(code: $c) { name } }"]


@pytest.fixture(scope="module")
def gateway() -> Iterator[SeededGateway]:
    """A seeded gateway per test module (imported by the two fuzz files)."""
    with seeded_gateway() as seeded:
        yield seeded


@pytest.fixture
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def _root_fields(schema: graphql.GraphQLSchema) -> list[tuple[list[str], int]]:
    """The root fields to generate from, in turns: all queries, then all mutations (if any)."""
    turns = []
    if schema.query_type is not None:
        turns.append((list(schema.query_type.fields), QUERIES_PER_AUDIENCE))
    if schema.mutation_type is not None:
        turns.append((list(schema.mutation_type.fields), MUTATIONS_PER_AUDIENCE))
    else:  # still a thousand operations for an audience that may not write
        turns[0] = (turns[0][0], QUERIES_PER_AUDIENCE + MUTATIONS_PER_AUDIENCE)
    return turns


def _fuzz(
    gateway: SeededGateway, audience: Audience, fields: list[str], examples: int, log: ErrorLog, report: CrashReport
) -> int:
    """Send ``examples`` generated operations on ``fields``; returns how many were sent."""
    operations = from_schema(
        audience.schema, fields=fields, custom_scalars=scalar_strategies(gateway.vocabulary), allow_x00=True
    )
    sent = 0

    def judge(caller: Caller, operation: str, variables: dict[str, Any], request_id: str) -> Crash | None:
        mark = len(log.records)
        what = crash_of(gateway.post(operation, variables, caller, request_id=request_id))
        if what is None:
            return None
        return Crash(audience.role.value, what, operation, variables, caller, log.since(mark))

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        # Nothing is raised inside (crashes are collected), so there is nothing to shrink.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(
        caller=st.sampled_from(audience.callers),
        operation=operations,
        delivery=st.sampled_from(DELIVERIES),
        wrong=st.tuples(st.integers(min_value=0, max_value=63), st.sampled_from(WRONG_JSON)),
    )
    def send(caller: Caller, operation: str, delivery: str, wrong: tuple[int, Any]) -> None:
        nonlocal sent
        sent += 1
        if sent % COLLECT_EVERY == 0:
            gc.collect()
        variables: dict[str, Any] = {}
        if delivery != INLINE:
            operation, variables = lift_arguments(audience.schema, operation)
            if delivery == WRONG_VARIABLE:
                variables = with_wrong_value(variables, *wrong)
        crash = judge(caller, operation, variables, f"fuzz-{audience.role.value}-{sent}")
        if crash is not None:
            report.add(crash)

    send()
    report.narrow(lambda crash, cut: judge(crash.caller, cut, {}, f"fuzz-{audience.role.value}-narrowing"))
    return sent


def fuzz_audience(gateway: SeededGateway, error_log: ErrorLog, role: Role) -> None:
    """The test of one audience: warm up, send its generated operations, judge crashes and memory."""
    audience = gateway.audiences[role]
    for operation in WARM_UP:
        for caller in audience.callers:
            gateway.run(gateway.harness.post(operation, {"c": SHOWCASE}, key=caller.key))
    memory = PeakMemory()
    memory.start()

    report = CrashReport()
    sent = sum(_fuzz(gateway, audience, fields, n, error_log, report) for fields, n in _root_fields(audience.schema))
    growth = memory.growth()

    print(f"{role.value}: {sent} operations, {len(report.crashes)} crashes, peak memory +{growth / MIB:.0f} MiB")
    assert sent >= QUERIES_PER_AUDIENCE + MUTATIONS_PER_AUDIENCE
    if report:
        pytest.fail(report.render(), pytrace=False)  # the crashes, not this test's own traceback
    assert growth < MAX_MEMORY_GROWTH, f"memory rose {growth / MIB:.0f} MiB over {sent} operations"


def audience_test(roles: list[Role]) -> Callable[[SeededGateway, ErrorLog, Role], None]:
    """The test function of a fuzz file: one case per audience of ``roles``, on the file's seeded gateway."""

    @pytest.mark.parametrize("role", roles, ids=lambda role: role.value)
    def test_generated_operations_never_crash(gateway: SeededGateway, error_log: ErrorLog, role: Role) -> None:
        fuzz_audience(gateway, error_log, role)

    return test_generated_operations_never_crash
