"""One SQL statement per plugin per level, whatever the number of subjects: counted, not timed."""

from __future__ import annotations

import pytest

from gateway.db.engine import count_statements
from gateway.demo import seed
from gateway.testing import GatewayHarness

PROFILE = """query($c: [String!]!) { subjects(codes: $c) {
  name kind region { name }
  tax { latestRating { grade score } ratings { year grade }
        majorViolations { documentNumber amountInvolved } isMajorViolator }
  records { __typename id decisionDate ... on TaxCreditRating { grade } } } }"""


@pytest.fixture
async def seeded(gw: GatewayHarness) -> GatewayHarness:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=150)
    return gw


async def _count(gw: GatewayHarness, codes: list[str]) -> tuple[int, dict]:
    with count_statements(gw.engine) as counter:
        body = await gw.graphql(PROFILE, {"c": codes})
    assert "errors" not in body, body
    return counter.count, body


async def test_profile_statements_do_not_grow_with_subjects(seeded: GatewayHarness) -> None:
    from gateway.demo import demo_subjects

    codes = [s.code.value for s in demo_subjects(150)][:100]
    one, _ = await _count(seeded, codes[:1])
    hundred, body = await _count(seeded, codes)
    # subject look-up + one tax statement (the tax field and the records field share the loader)
    assert one == hundred == 2
    assert sum(1 for s in body["data"]["subjects"] if s and s["tax"]["ratings"]) > 50


async def test_black_list_with_subject_names_is_two_statements(seeded: GatewayHarness) -> None:
    with count_statements(seeded.engine) as counter:
        body = await seeded.graphql(
            "{ majorTaxViolations(first: 50) { edges { node { subjectName amountInvolved } } } }"
        )
    assert body["data"]["majorTaxViolations"]["edges"]
    assert counter.count == 2
