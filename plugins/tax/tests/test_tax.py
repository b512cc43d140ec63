"""The tax plugin over HTTP: submissions (validation, idempotency, permissions), the profile,
the cross-domain records field, and the black list."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.host.demo import demo_subjects
from gateway.testing import GatewayHarness, error_codes
from testsupport.factories import TAX_BUREAU_CODE, tax_violation

SUBMIT_RATINGS = """mutation($r: [TaxCreditRatingInput!]!) {
  submitTaxCreditRatings(ratings: $r) { created unchanged records { index status recordId } } }"""
SUBMIT_VIOLATIONS = """mutation($v: [MajorTaxViolationInput!]!) {
  submitMajorTaxViolations(violations: $v) { created unchanged records { index status recordId } } }"""
# Read with the tax department's key: score and directAssignmentReason are partner:tax.rating fields,
# which a department sees in its own domain (the public does not).
PROFILE = """query($c: String!) { subject(code: $c) { name tax {
  latestRating { year grade score directAssignmentReason polarity severity domain category }
  ratings { year grade } majorViolations { documentNumber amountInvolved publishBy subjectName }
  isMajorViolator } } }"""


def rating(code: str = "91110108551385082Q", year: int = 2024, grade: str = "B", score: Any = 82.5, **kw: Any) -> dict:
    return {
        "subjectCode": code,
        "subjectName": "北京海淀中关村数据服务有限公司",
        "year": year,
        "grade": grade,
        "score": None if score is None else str(score),
        "decisionDate": f"{year + 1}-04-10",
        "decidingAuthority": "国家税务总局福州市税务局",
        "decidingAuthorityCode": TAX_BUREAU_CODE,
        "sourceUnit": "国家税务总局福州市税务局",
        "sourceUnitCode": TAX_BUREAU_CODE,
        **kw,
    }


@pytest.fixture
async def tax_key(gw: GatewayHarness) -> str:
    return await gw.create_key("department", domain="tax")


async def _record_count(gw: GatewayHarness) -> int:
    async with gw.engine.connect() as conn:
        return (await conn.execute(sa.text("SELECT count(*) FROM credit_record"))).scalar_one()


async def test_ratings_are_submitted_read_and_idempotent(gw: GatewayHarness, tax_key: str) -> None:
    batch = [rating(year=2023, grade="A", score=93), rating(year=2024, grade="B", score=82.5)]
    first = await gw.graphql(SUBMIT_RATINGS, {"r": batch}, key=tax_key)
    assert first["data"]["submitTaxCreditRatings"]["created"] == 2
    again = await gw.graphql(SUBMIT_RATINGS, {"r": batch}, key=tax_key)
    result = again["data"]["submitTaxCreditRatings"]
    assert (result["created"], result["unchanged"]) == (0, 2)
    assert [r["recordId"] for r in result["records"]] == [
        r["recordId"] for r in first["data"]["submitTaxCreditRatings"]["records"]
    ]
    body = await gw.graphql(PROFILE, {"c": "91110108551385082Q"}, key=tax_key)
    tax = body["data"]["subject"]["tax"]
    assert tax["latestRating"] == {
        "year": 2024,
        "grade": "B",
        "score": "82.50",
        "directAssignmentReason": None,
        "polarity": "NEUTRAL",
        "severity": None,
        "domain": "tax",
        "category": "TAX_CREDIT_RATING",
    }
    assert [r["year"] for r in tax["ratings"]] == [2024, 2023]
    assert await _record_count(gw) == 2


async def test_a_different_rating_for_a_held_year_is_refused_and_nothing_written(
    gw: GatewayHarness, tax_key: str
) -> None:
    await gw.graphql(SUBMIT_RATINGS, {"r": [rating(year=2024, grade="B", score=82.5)]}, key=tax_key)
    body = await gw.graphql(
        SUBMIT_RATINGS,
        {"r": [rating(year=2023, grade="A", score=95), rating(year=2024, grade="C", score=55)]},
        key=tax_key,
    )
    assert error_codes(body) == ["DUPLICATE_RECORD"]
    assert [f["index"] for f in body["errors"][0]["extensions"]["failures"]] == [1]
    assert await _record_count(gw) == 1  # the valid 2023 item was not written either


async def test_contradicting_items_in_one_batch(gw: GatewayHarness, tax_key: str) -> None:
    body = await gw.graphql(
        SUBMIT_RATINGS, {"r": [rating(grade="B", score=80), rating(grade="A", score=95)]}, key=tax_key
    )
    assert error_codes(body) == ["DUPLICATE_RECORD"]
    same = await gw.graphql(SUBMIT_RATINGS, {"r": [rating(), rating()]}, key=tax_key)
    assert same["data"]["submitTaxCreditRatings"]["created"] == 1
    assert [r["status"] for r in same["data"]["submitTaxCreditRatings"]["records"]] == ["CREATED", "UNCHANGED"]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (rating(grade="A", score=80), "grade"),
        (rating(grade="C", score=75), "grade"),
        (rating(grade="D", score=None), "directAssignmentReason"),
        (rating(grade="B", score=None), "score"),
        (rating(score=101), "score"),
        (rating(score=-1), "score"),
        (rating(year=2013), "year"),
        (rating(year=2031), "year"),
        (rating(code="91110000600037341N"), "subjectCode"),
        (rating(code="11010519491231002X"), "subjectCode"),
        (rating(subjectName="  "), "subjectName"),
        (rating(sourceUnitCode="11010519491231002X"), "sourceUnitCode"),
        (rating(decidingAuthorityCode="bogus"), "decidingAuthorityCode"),
        (rating(decisionDate="2099-01-01"), "decisionDate"),
        (rating(grade="A", score=95, directAssignmentReason="x"), "directAssignmentReason"),
    ],
)
async def test_invalid_ratings_name_the_item_and_field(
    gw: GatewayHarness, tax_key: str, item: dict, field: str
) -> None:
    body = await gw.graphql(SUBMIT_RATINGS, {"r": [rating(year=2022, grade="A", score=91), item]}, key=tax_key)
    assert error_codes(body) == ["INVALID_SUBMISSION"]
    failures = body["errors"][0]["extensions"]["failures"]
    assert {(f["index"], f["field"]) for f in failures} >= {(1, field)}
    assert all(f["index"] == 1 for f in failures)
    assert await _record_count(gw) == 0


async def test_direct_d_and_m_without_score_are_accepted(gw: GatewayHarness, tax_key: str) -> None:
    body = await gw.graphql(
        SUBMIT_RATINGS,
        {
            "r": [
                rating(year=2023, grade="M", score=None),
                rating(year=2024, grade="D", score=None, directAssignmentReason="被列为重大税收违法失信主体"),
            ]
        },
        key=tax_key,
    )
    assert body["data"]["submitTaxCreditRatings"]["created"] == 2
    profile = (await gw.graphql(PROFILE, {"c": "91110108551385082Q"}, key=tax_key))["data"]["subject"]["tax"]
    assert profile["latestRating"]["grade"] == "D" and profile["latestRating"]["severity"] == "SERIOUS"


async def test_every_invalid_item_is_reported_at_once(gw: GatewayHarness, tax_key: str) -> None:
    items = [rating(year=2000 + i, grade="A", score=50) for i in range(14, 20)]
    body = await gw.graphql(SUBMIT_RATINGS, {"r": items}, key=tax_key)
    assert sorted({f["index"] for f in body["errors"][0]["extensions"]["failures"]}) == list(range(6))


async def test_batch_bounds(gw: GatewayHarness, tax_key: str) -> None:
    assert error_codes(await gw.graphql(SUBMIT_RATINGS, {"r": []}, key=tax_key)) == ["INVALID_SUBMISSION"]
    over = [rating(year=2024, code=s.code.value) for s in demo_subjects(520)[:501]]
    assert error_codes(await gw.graphql(SUBMIT_RATINGS, {"r": over}, key=tax_key)) == ["LIMIT_EXCEEDED"]


@pytest.mark.parametrize(
    ("role", "domain", "code"),
    [
        (None, None, "GRAPHQL_VALIDATION_FAILED"),
        ("department", "culture", "FORBIDDEN"),
        ("portal", None, "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_only_tax_department_or_admin_submit(
    gw: GatewayHarness, role: str | None, domain: str | None, code: str
) -> None:
    key = await gw.create_key(role, domain=domain) if role else None
    assert set(error_codes(await gw.graphql(SUBMIT_RATINGS, {"r": [rating()]}, key=key))) == {code}
    assert await _record_count(gw) == 0
    admin = await gw.create_key("admin")
    assert "errors" not in await gw.graphql(SUBMIT_RATINGS, {"r": [rating()]}, key=admin)


async def test_many_subjects_in_one_batch_get_their_own_ratings(gw: GatewayHarness, tax_key: str) -> None:
    """The envelope insert returns ids in order: every subject must read back its own grade."""
    grades = {"A": 95, "B": 80, "C": 50, "M": None}
    organisations = [s for s in demo_subjects(400) if not s.code.is_natural_person][:300]
    items = []
    expected = {}
    for n, s in enumerate(organisations):
        grade = "ABCM"[n % 4]
        items.append(rating(code=s.code.value, grade=grade, score=grades[grade], subjectName=s.name))
        expected[s.code.value] = grade
    body = await gw.graphql(SUBMIT_RATINGS, {"r": items}, key=tax_key)
    assert body["data"]["submitTaxCreditRatings"]["created"] == 300
    codes = list(expected)
    gw.clock.travel_to(date(2025, 6, 1))  # while the 2024 ratings (decided 2025-04-10) are published
    for start in range(0, 300, 100):
        page = await gw.graphql(
            "query($c: [String!]!) { subjects(codes: $c) { code tax { latestRating { grade } } } }",
            {"c": codes[start : start + 100]},
        )
        got = {s["code"]: s["tax"]["latestRating"]["grade"] for s in page["data"]["subjects"]}
        assert got == {c: expected[c] for c in codes[start : start + 100]}


async def test_violations_thresholds_and_idempotency(gw: GatewayHarness, tax_key: str) -> None:
    small = await gw.graphql(SUBMIT_VIOLATIONS, {"v": [tax_violation(amountInvolved="999999.99")]}, key=tax_key)
    assert error_codes(small) == ["INVALID_SUBMISSION"]
    share = await gw.graphql(
        SUBMIT_VIOLATIONS, {"v": [tax_violation(amountInvolved="1000000", taxDue="20000000")]}, key=tax_key
    )
    assert error_codes(share) == ["INVALID_SUBMISSION"]
    negative = await gw.graphql(
        SUBMIT_VIOLATIONS, {"v": [tax_violation(violationType="FAKE_VAT_INVOICE", amountInvolved="-5")]}, key=tax_key
    )
    assert error_codes(negative) == ["INVALID_SUBMISSION"]
    ok = await gw.graphql(SUBMIT_VIOLATIONS, {"v": [tax_violation()]}, key=tax_key)
    assert ok["data"]["submitMajorTaxViolations"]["created"] == 1
    again = await gw.graphql(SUBMIT_VIOLATIONS, {"v": [tax_violation()]}, key=tax_key)
    assert again["data"]["submitMajorTaxViolations"]["unchanged"] == 1
    changed = await gw.graphql(SUBMIT_VIOLATIONS, {"v": [tax_violation(amountInvolved="3000000")]}, key=tax_key)
    assert error_codes(changed) == ["DUPLICATE_RECORD"]
    profile = (await gw.graphql(PROFILE, {"c": "91310115MA1K3BTP2B"}, key=tax_key))["data"]["subject"]["tax"]
    assert profile["isMajorViolator"] is True
    assert profile["majorViolations"] == [
        {
            "documentNumber": "榕税稽罚〔2025〕7号",
            "amountInvolved": "2500000.00",
            "publishBy": "2025-07-15",
            "subjectName": "上海浦东新区明珠文化传媒有限公司",
        }
    ]


async def test_records_span_the_envelope_with_concrete_types(gw: GatewayHarness, tax_key: str) -> None:
    await gw.graphql(
        SUBMIT_RATINGS, {"r": [rating(code="91310115MA1K3BTP2B", grade="C", score=55, year=2024)]}, key=tax_key
    )
    await gw.graphql(SUBMIT_VIOLATIONS, {"v": [tax_violation()]}, key=tax_key)
    await gw.graphql(
        SUBMIT_RATINGS, {"r": [rating(code="91310115MA1K3BTP2B", grade="A", score=95, year=2022)]}, key=tax_key
    )
    gw.clock.travel_to(date(2025, 6, 1))  # while the C of 2024 (decided 2025-04-10) is published
    query = """query($p: Polarity) { subject(code: "91310115MA1K3BTP2B") { records(polarity: $p) {
        __typename decisionDate ... on TaxCreditRating { grade } ... on MajorTaxViolation { documentNumber } } } }"""
    negative = (await gw.graphql(query, {"p": "NEGATIVE"}))["data"]["subject"]["records"]
    assert [r["__typename"] for r in negative] == ["MajorTaxViolation", "TaxCreditRating"]
    everything = (await gw.graphql(query, {"p": None}))["data"]["subject"]["records"]
    assert len(everything) == 3 and everything[-1]["grade"] == "A"
    dates = [r["decisionDate"] for r in everything]
    assert dates == sorted(dates, reverse=True)
    limited = await gw.graphql('{ subject(code: "91310115MA1K3BTP2B") { records(first: 1000) { id } } }')
    assert error_codes(limited) == ["LIMIT_EXCEEDED"]


async def test_black_list_pages(gw: GatewayHarness, tax_key: str) -> None:
    items = [
        tax_violation(documentNumber=f"榕税稽罚〔2025〕{n}号", decisionDate=f"2025-0{1 + n % 9}-1{n % 10}")
        for n in range(12)
    ]
    assert (await gw.graphql(SUBMIT_VIOLATIONS, {"v": items}, key=tax_key))["data"]["submitMajorTaxViolations"][
        "created"
    ] == 12
    query = """query($after: String) { majorTaxViolations(first: 5, after: $after) {
        edges { node { documentNumber decisionDate subjectName } } pageInfo { hasNextPage endCursor } } }"""
    seen, after = [], None
    while True:
        page = (await gw.graphql(query, {"after": after}))["data"]["majorTaxViolations"]
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len({n["documentNumber"] for n in seen}) == 12
    assert [n["decisionDate"] for n in seen] == sorted((n["decisionDate"] for n in seen), reverse=True)
    assert error_codes(await gw.graphql('{ majorTaxViolations(after: "garbage") { edges { cursor } } }')) == [
        "BAD_USER_INPUT"
    ]
    assert error_codes(await gw.graphql("{ majorTaxViolations(first: 101) { edges { cursor } } }")) == [
        "LIMIT_EXCEEDED"
    ]


async def test_injection_attempts_in_text_fields_are_stored_as_text(gw: GatewayHarness, tax_key: str) -> None:
    evil = tax_violation(facts="'); DROP TABLE credit_record; --", documentNumber="x'; DELETE FROM subject; --")
    assert "errors" not in await gw.graphql(SUBMIT_VIOLATIONS, {"v": [copy.deepcopy(evil)]}, key=tax_key)
    profile = await gw.graphql(PROFILE, {"c": "91310115MA1K3BTP2B"}, key=tax_key)
    assert profile["data"]["subject"]["tax"]["majorViolations"][0]["documentNumber"] == "x'; DELETE FROM subject; --"
    assert await _record_count(gw) == 1


async def test_concurrent_identical_submissions_write_one_record(gw: GatewayHarness, tax_key: str) -> None:
    import asyncio

    items = [rating(code=s.code.value, subjectName=s.name) for s in demo_subjects(60) if not s.code.is_natural_person]
    bodies = await asyncio.gather(*(gw.graphql(SUBMIT_RATINGS, {"r": items}, key=tax_key) for _ in range(4)))
    created = [b["data"]["submitTaxCreditRatings"]["created"] for b in bodies if b.get("data")]
    conflicts = [c for b in bodies for c in error_codes(b)]
    assert sorted(created, reverse=True)[0] == len(items) and sum(created) == len(items)
    assert set(conflicts) <= {"CONFLICT"}, conflicts
    assert await _record_count(gw) == len(items)
