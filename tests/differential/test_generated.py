"""Query operations generated from each audience's schema (hypothesis-graphql, as tests/reliability
does), sent to both engines as a caller of that audience; graphql-core's answer is the oracle.

Deterministic: derandomized Hypothesis over the fixed seeded world, so a difference found once is
found again. SQLite only, to keep the run short; every operation is sent twice, once per engine.
Half of the operations carry their arguments as literals, half as variables (a different coercion path).

Generating is the slow part (Hypothesis draws and mutates large documents: about a minute for all
audiences), so the operations are kept in pytest's cache under a hash of everything they derive from
(the audience's SDL, the value strategies, the count); ``--cache-clear`` generates them afresh.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries
from reliability.values import Vocabulary, int_node, object_node, string_node
from reliability.variables import lift_arguments

from differential.pair import Caller, EnginePair, assert_same_answer
from gateway.auth.principal import Role

OPERATIONS_PER_AUDIENCE = 200
AUDIENCES = [Role.PUBLIC, Role.PORTAL, Role.SUBJECT, Role.PARTNER, Role.DEPARTMENT, Role.ADMIN]
SHOWN = 5  # differences printed in full; the rest are counted


def _schema(pair: EnginePair, role: Role) -> graphql.GraphQLSchema:
    sdl = pair.planned.graph.schema_for(role).as_str()
    # The SDL uses federation directives (@key, @link) that it does not define; they do not matter here.
    return graphql.build_schema(sdl, assume_valid_sdl=True)


def _callers(pair: EnginePair, role: Role) -> list[Caller]:
    return [caller for label, caller in pair.callers.items() if label.split(":")[0] == role.value]


def plausible_scalars(vocabulary: Vocabulary) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Argument values that mostly pass validation and reach rows (seeded codes, small ids, page sizes
    about the limits), unlike the fuzz's hostile ones: a refusal before execution compares little."""
    codes = st.sampled_from(vocabulary.subject_codes[:12])
    near_codes = st.sampled_from([code[:-1] + "0" for code in vocabulary.subject_codes[:3]])  # bad check digit
    words = st.sampled_from((*vocabulary.domains, *vocabulary.field_groups, "NEGATIVE", "FILED", "loan application"))
    domains = st.sampled_from(vocabulary.domains)
    # Division codes (the last names none) and the shipped measure catalogue's label reach the places and
    # measures fields; every string argument draws from the one vocabulary, so each kind needs its weight.
    divisions = st.sampled_from(["350000", "350100", "350102", "110000", "350100999"])
    labels = st.sampled_from(["2026.1", "2027.9"])
    strings = st.one_of(codes, codes, codes, codes, domains, domains, divisions, divisions, labels, near_codes, words)
    small = st.integers(min_value=-1, max_value=30)
    dates = st.sampled_from(["2026-11-15", "2026-11-01", "2025-01-01", "2027-06-30", "2026-02-30"])
    representation = st.builds(
        lambda typename, code: object_node([("__typename", string_node(typename)), ("code", string_node(code))]),
        st.sampled_from(["CreditSubject"] * 7 + ["Nope"]),
        st.one_of(codes, near_codes),
    )
    return {
        "String": strings.map(string_node),
        "ID": st.one_of(small.map(int_node), small.map(lambda n: string_node(str(n)))),
        "Int": st.one_of(small, st.sampled_from([0, 1, 20, 100, 101, 100_000])).map(int_node),
        "Date": dates.map(string_node),
        "DateTime": st.sampled_from(["2026-11-15T00:00:00Z", "2026-01-01T08:00:00+08:00"]).map(string_node),
        "Decimal": st.sampled_from(["0", "100.50", "-1", "1e3"]).map(string_node),
        "_Any": representation,
        "_FieldSet": st.just(string_node("code")),
        "JSON": strings.map(string_node),
    }


def generate(schema: graphql.GraphQLSchema, vocabulary: Vocabulary, count: int) -> list[tuple[str, bool, int]]:
    """``count`` query operations on ``schema``: (operation, as variables?, caller index)."""
    found: list[tuple[str, bool, int]] = []
    scalars = plausible_scalars(vocabulary)
    assert schema.query_type is not None
    # One root field an operation: an argument the gateway refuses before running anything then costs
    # one operation, not every field beside it (and smaller documents are quicker to draw).
    by_field = [
        queries(schema, fields=[name], custom_scalars=scalars, allow_x00=False) for name in schema.query_type.fields
    ]
    operations = st.sampled_from(by_field).flatmap(lambda strategy: strategy)

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation=operations, lifted=st.booleans(), caller=st.integers(min_value=0, max_value=15))
    def collect(operation: str, lifted: bool, caller: int) -> None:
        found.append((operation, lifted, caller))

    collect()
    return found


def cached_generate(
    cache: pytest.Cache, role: Role, schema: graphql.GraphQLSchema, vocabulary: Vocabulary
) -> list[tuple[str, bool, int]]:
    derived_from = [
        graphql.print_schema(schema),
        inspect.getsource(plausible_scalars),
        inspect.getsource(generate),
        repr(vocabulary),
        OPERATIONS_PER_AUDIENCE,
    ]
    digest = hashlib.sha256(json.dumps(derived_from).encode()).hexdigest()[:16]
    key = f"differential/generated/{role.value}/{digest}"
    kept = cache.get(key, None)
    if kept is None:
        kept = generate(schema, vocabulary, OPERATIONS_PER_AUDIENCE)
        cache.set(key, kept)
    return [(operation, lifted, caller) for operation, lifted, caller in kept]


@pytest.mark.parametrize("role", AUDIENCES, ids=lambda role: role.value)
async def test_generated_operations(sqlite_pair: EnginePair, role: Role, pytestconfig: pytest.Config) -> None:
    pair = sqlite_pair
    schema = _schema(pair, role)
    vocabulary = Vocabulary(
        subject_codes=pair.subject_codes,
        domains=tuple(pair.planned.graph.composition.plugin_names),
        field_groups=tuple(sorted(pair.planned.graph.composition.policies.partner_groups())),
    )
    callers = _callers(pair, role)
    cache = getattr(pytestconfig, "cache", None)  # none under -p no:cacheprovider: generate every time
    operations = (
        cached_generate(cache, role, schema, vocabulary)
        if cache is not None
        else generate(schema, vocabulary, OPERATIONS_PER_AUDIENCE)
    )
    assert len(operations) >= OPERATIONS_PER_AUDIENCE * 0.9
    differences: list[str] = []
    answered_with_data = 0
    for operation, lifted, index in operations:
        variables: dict[str, Any] = {}
        if lifted:
            operation, variables = lift_arguments(schema, operation)
        planned, core = await pair.both(operation, variables, callers[index % len(callers)])
        answered_with_data += bool(core.data)
        try:
            assert_same_answer(planned, core, context=f"variables {variables!r}\n{operation}")
        except AssertionError as difference:
            differences.append(str(difference))
    # Enough generated operations must reach the resolvers, or this compares only refusals. Every string
    # argument draws from one vocabulary (codes, domains, divisions, labels), so a root field with several
    # checked strings (creditLists: domain, division, cursor) is mostly refused for its arguments; with the
    # places, lists and measures fields, a department's 200 operations had data for 36 to 70 of them.
    assert answered_with_data > len(operations) / 6, f"only {answered_with_data} of {len(operations)} had data"
    if differences:
        shown = "\n\n".join(differences[:SHOWN])
        pytest.fail(f"{len(differences)} of {len(operations)} operations differ; the first:\n{shown}", pytrace=False)
