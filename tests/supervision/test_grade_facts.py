"""The supervision grade as a fact of the measures catalogue (kind ``supervision_grade``), on SQLite and
PostgreSQL: a D subject's materialised grade triggers the catalogue's D measure for inspections, with the
grade in its facts; a record written since the last refresh withholds the fact (the grade may be out of date)
until the next refresh; grades are never made of grades; the measures of 100 subjects stay one statement
per fact source."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gateway.db.engine import count_statements
from gateway.features.supervision.grade_facts import GRADE_KIND, grading_sources
from gateway.host.demo import demo_subjects, seed
from gateway.testing import GatewayHarness
from testsupport.factories import VIOLATOR_CODE, tax_violation

DAY = dt.date(2025, 7, 1)
D_MEASURE = "SUPERVISION_GRADE_D_INSPECTION"
MEASURES = """query($c: String!) { subject(code: $c) {
  supervisionGrade { grade }
  measures(matter: INSPECTION_FREQUENCY) { measure { id } facts { kind description attributes { name value } } } } }"""
SUBMIT = """mutation($v: [MajorTaxViolationInput!]!) { submitMajorTaxViolations(violations: $v) { created } }"""
DRAW = """mutation { drawInspectionSample(domain: "tax", kind: "检查", size: 1, seed: "s") { population } }"""


async def _measures(gw: GatewayHarness, key: str) -> tuple[str, dict[str, Any]]:
    body = await gw.graphql(MEASURES, {"c": VIOLATOR_CODE}, key=key)
    assert "errors" not in body, body
    found = body["data"]["subject"]
    return found["supervisionGrade"]["grade"], {m["measure"]["id"]: m for m in found["measures"]}


async def test_a_current_d_grade_triggers_the_inspection_measure(gw: GatewayHarness) -> None:
    gw.clock.travel_to(DAY)
    tax = await gw.create_key("department", domain="tax")
    admin = await gw.create_key("admin")
    assert "errors" not in await gw.graphql(SUBMIT, {"v": [tax_violation()]}, key=tax)
    # Computed on request the grade is D, but nothing is materialised yet: no grade fact, no D measure.
    grade, measures = await _measures(gw, admin)
    assert grade == "D" and D_MEASURE not in measures
    # A draw refreshes the materialised grades: now the grade is a fact, and the measure applies.
    assert "errors" not in await gw.graphql(DRAW, key=admin)
    grade, measures = await _measures(gw, admin)
    assert grade == "D" and D_MEASURE in measures
    [fact] = measures[D_MEASURE]["facts"]
    assert fact["kind"] == GRADE_KIND and {"name": "grade", "value": "D"} in fact["attributes"]
    assert "D" in fact["description"] and DAY.isoformat() in fact["description"]
    # A record written since the refresh: the materialised grade may be out of date, so it is no fact ...
    second = tax_violation(documentNumber="榕税稽罚〔2025〕8号")
    assert "errors" not in await gw.graphql(SUBMIT, {"v": [second]}, key=tax)
    _, measures = await _measures(gw, admin)
    assert D_MEASURE not in measures
    # ... until the next refresh.
    assert "errors" not in await gw.graphql(DRAW, key=admin)
    _, measures = await _measures(gw, admin)
    assert D_MEASURE in measures


async def test_grades_are_not_made_of_grades(gw: GatewayHarness) -> None:
    facts = gw.graph.composition.measure_facts
    own = [name for name, source in facts.items() if GRADE_KIND in source.kinds]
    assert len(own) == 1 and own[0].startswith("core.supervision.")
    assert set(grading_sources(facts)) == set(facts) - set(own)


async def test_measures_of_100_subjects_cost_one_statement_per_source(gw: GatewayHarness) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=100)
    admin = await gw.create_key("admin")
    assert "errors" not in await gw.graphql(DRAW, key=admin)
    query = "query($c: [String!]!) { subjects(codes: $c) { measures { measure { id } facts { kind } } } }"
    codes = [s.code.value for s in demo_subjects(100)]
    counts = []
    for batch in (codes[:1], codes):
        with count_statements(gw.engine) as counted:
            body = await gw.graphql(query, {"c": batch}, key=admin)
        assert "errors" not in body, body
        counts.append(counted.count)
    assert counts[0] == counts[1]
