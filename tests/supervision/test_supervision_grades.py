"""``CreditSubject.supervisionGrade`` over HTTP, on SQLite and PostgreSQL: a black-listed subject grades D
with the facts and points behind it, who sees grades, and statements per level."""

from __future__ import annotations

from gateway.db.engine import count_statements
from gateway.features.supervision.grade_facts import grading_sources
from gateway.host.demo import demo_subjects, seed
from gateway.testing import GatewayHarness, error_codes
from testsupport.factories import VIOLATOR_CODE, tax_violation

GRADE = """query($c: String!) { subject(code: $c) { supervisionGrade {
  grade score rulesVersion inspectionRatio domains { domain grade score }
  facts { kind domain points counted capsAt recordId description attributes { name value } } } } }"""
SUBMIT_VIOLATIONS = """mutation($v: [MajorTaxViolationInput!]!) {
  submitMajorTaxViolations(violations: $v) { records { recordId } } }"""
OTHER_CODE = "91110108551385082Q"


async def _violator(gw: GatewayHarness) -> int:
    key = await gw.create_key("department", domain="tax")
    body = await gw.graphql(SUBMIT_VIOLATIONS, {"v": [tax_violation()]}, key=key)
    assert "errors" not in body, body
    return int(body["data"]["submitMajorTaxViolations"]["records"][0]["recordId"])


async def test_a_black_listed_subject_grades_d_with_its_explanation(gw: GatewayHarness) -> None:
    record_id = await _violator(gw)
    department = await gw.create_key("department", domain="culture")
    body = await gw.graphql(GRADE, {"c": VIOLATOR_CODE}, key=department)
    assert "errors" not in body, body
    found = body["data"]["subject"]["supervisionGrade"]
    assert found["grade"] == "D" and found["inspectionRatio"] == 0.3 and found["rulesVersion"].startswith("2026.1+")
    # The violation is a serious negative record (the core's facts) and a black-list entry (the tax plugin's):
    # one record, counted once, by its fact of the most points.
    record, listed = found["facts"]
    assert record["kind"] == "record" and record["points"] == 0 and record["counted"] is False
    assert listed["kind"] == "list" and listed["domain"] == "tax" and int(listed["recordId"]) == record_id
    assert listed["points"] == -40 and listed["capsAt"] == "D" and listed["counted"] is True
    assert "重大税收违法" in listed["description"] and int(record["recordId"]) == record_id
    assert found["score"] == 40
    assert found["domains"] == [{"domain": "tax", "grade": "D", "score": 40}]


async def test_grades_are_for_departments_the_admin_and_the_subject_itself(gw: GatewayHarness) -> None:
    await _violator(gw)
    assert error_codes(await gw.graphql(GRADE, {"c": VIOLATOR_CODE})) == ["GRAPHQL_VALIDATION_FAILED"]
    portal = await gw.create_key("portal")
    assert error_codes(await gw.graphql(GRADE, {"c": VIOLATOR_CODE}, key=portal)) == ["GRAPHQL_VALIDATION_FAILED"]
    admin = await gw.create_key("admin")
    assert (await gw.graphql(GRADE, {"c": VIOLATOR_CODE}, key=admin))["data"]["subject"]["supervisionGrade"]
    own = await gw.create_key("subject", subject=VIOLATOR_CODE)
    mine = await gw.graphql(GRADE, {"c": VIOLATOR_CODE}, key=own)
    assert mine["data"]["subject"]["supervisionGrade"]["grade"] == "D"
    other = await gw.graphql(GRADE, {"c": OTHER_CODE}, key=own)
    assert error_codes(other) in (["FORBIDDEN"], [])  # the other subject may not be on file at all
    if other["data"]["subject"] is not None:
        assert other["data"]["subject"]["supervisionGrade"] is None and error_codes(other) == ["FORBIDDEN"]


def _per_request(statement: str) -> bool:
    """The key's look-ups and the query record's write: the same for any keyed request."""
    noise = ("api_client", "query_record", "pg_advisory_xact_lock")
    return any(word in statement for word in noise) or statement.startswith("BEGIN")


async def test_grades_of_a_hundred_subjects_cost_one_statement_per_fact_source(gw: GatewayHarness) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=150)
    admin = await gw.create_key("admin")
    codes = [s.code.value for s in demo_subjects(150)][:100]
    query = """query($c: [String!]!) { subjects(codes: $c) { name
      supervisionGrade { grade score domains { domain grade } facts { kind points recordId } } } }"""
    counts = []
    for batch in (codes[:1], codes):
        with count_statements(gw.engine) as counter:
            body = await gw.graphql(query, {"c": batch}, key=admin)
        assert "errors" not in body, body
        counts.append(sum(1 for q in counter.statements if not _per_request(q)))
    # The core's (lists, records, broken commitments) and the tax plugin's; not the grade's own fact.
    sources = len(grading_sources(gw.graph.composition.measure_facts))
    assert sources == 2 and len(gw.graph.composition.measure_facts) == 3
    assert counts == [1 + sources, 1 + sources]  # the subjects, then one per fact source
    grades = [s["supervisionGrade"]["grade"] for s in body["data"]["subjects"] if s]
    assert len(grades) == 100 and "D" in grades and len(set(grades)) >= 3
    explained = [s for s in body["data"]["subjects"] if s and s["supervisionGrade"]["facts"]]
    assert all(f["recordId"] for s in explained for f in s["supervisionGrade"]["facts"])
