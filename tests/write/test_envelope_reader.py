"""The shared envelope reader (gateway.write.envelope_reader), exercised directly: field by field
without a database, and through the built-in plugins' record kinds on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

import gateway.api
from gateway.api import (
    QUERY_CHUNK,
    EnvelopeFields,
    ItemError,
    ItemReader,
    SubjectCode,
    SubjectKind,
    SubmissionPolicy,
    code_fits_kind,
    lookup_hash,
    parse_subject_code,
    query_chunks,
    read_envelope_fields,
)
from gateway.kernel.errors import DUPLICATE_RECORD, GatewayError
from gateway.testing import GatewayHarness
from gateway.write import envelope_reader
from plugins.tax import rules as tax_rules
from plugins.tax.submissions import RATINGS, VIOLATIONS
from plugins.tax.types import MajorTaxViolationInput, TaxCreditRatingInput
from testsupport.factories import TAX_BUREAU_CODE, VIOLATOR_CODE

PERSON = "11010519491231002X"
INDIVIDUAL_BUSINESS = "92350100MA2Y00001" + uscc.calc_check_digit("92350100MA2Y00001")
TODAY = date(2025, 7, 1)
POLICY = SubmissionPolicy(secret_key="envelope-reader-test", today=TODAY)
FIELD_ORDER = [
    "subjectCode",
    "subjectName",
    "decidingAuthority",
    "decidingAuthorityCode",
    "sourceUnit",
    "sourceUnitCode",
    "decisionDate",
]


@dataclasses.dataclass
class Raw:
    """Any object with the envelope attributes will do (a strawberry input in the plugins)."""

    subject_code: str = VIOLATOR_CODE
    subject_name: str = "  上海浦东新区明珠文化传媒有限公司 "
    deciding_authority: str = "国家税务总局福州市税务局稽查局"
    deciding_authority_code: str = TAX_BUREAU_CODE
    source_unit: str = "国家税务总局福州市税务局"
    source_unit_code: str = TAX_BUREAU_CODE
    decision_date: date = date(2025, 6, 18)


def read(raw: Raw, policy: SubmissionPolicy = POLICY, **options: Any) -> tuple[EnvelopeFields | None, list[ItemError]]:
    errors: list[ItemError] = []
    fields = read_envelope_fields(ItemReader(3, errors), raw, policy, **options)
    return fields, errors


def test_the_api_exports_the_core_implementation() -> None:
    for name in ("EnvelopeFields", "EnvelopeInput", "KindCheck", "QUERY_CHUNK", "code_fits_kind", "query_chunks"):
        assert name in gateway.api.__all__
        assert getattr(gateway.api, name) is getattr(envelope_reader, name)
    assert gateway.api.read_envelope_fields is envelope_reader.read_envelope_fields
    assert "read_envelope_fields" in gateway.api.__all__


def test_valid_fields_are_trimmed_hashed_and_build_the_envelope_and_submission() -> None:
    fields, errors = read(Raw())
    assert errors == []
    assert fields is not None
    code = parse_subject_code(VIOLATOR_CODE)
    assert fields.code == code
    assert fields.subject_hash == lookup_hash(code, POLICY.secret_key)
    assert fields.kind is SubjectKind.LEGAL_PERSON  # what a 91… code implies
    assert fields.name == "上海浦东新区明珠文化传媒有限公司"
    assert (fields.deciding_authority_code, fields.source_unit_code) == (TAX_BUREAU_CODE, TAX_BUREAU_CODE)

    envelope = fields.envelope("tax", "T", "C", "NEGATIVE", "SERIOUS", "No. 7")
    assert envelope.values() == {
        "domain": "tax",
        "record_type": "T",
        "category": "C",
        "polarity": "NEGATIVE",
        "severity": "SERIOUS",
        "decision_date": date(2025, 6, 18),
        "document_number": "No. 7",
        "deciding_authority": "国家税务总局福州市税务局稽查局",
        "deciding_authority_code": TAX_BUREAU_CODE,
        "source_unit": "国家税务总局福州市税务局",
        "source_unit_code": TAX_BUREAU_CODE,
    }
    assert fields.envelope("tax", "T", "C", "NEUTRAL", None).document_number is None

    submission = fields.submission(envelope, key=("k", 1), fingerprint=("f",), detail={"x": 1})
    assert (submission.subject_code, submission.subject_name, submission.subject_kind) == (
        code,
        fields.name,
        SubjectKind.LEGAL_PERSON,
    )
    assert (submission.key, submission.fingerprint, submission.detail) == (("k", 1), ("f",), {"x": 1})
    assert submission.envelope is envelope


def test_every_problem_is_reported_in_field_order_against_the_item() -> None:
    raw = Raw(
        subject_code="not a code",
        subject_name=" ",
        deciding_authority="",
        deciding_authority_code=PERSON,  # an authority has a USCC, never an ID number
        source_unit="x" * 201,
        source_unit_code="123",
        decision_date=TODAY + timedelta(days=1),
    )
    fields, errors = read(raw)
    assert fields is None
    assert [e.field for e in errors] == FIELD_ORDER
    assert {e.index for e in errors} == {3}
    by_field = {e.field: e.message for e in errors}
    assert by_field["subjectName"] == "must not be empty"
    assert by_field["decidingAuthorityCode"] == "must be a unified social credit code, not a resident ID number"
    assert by_field["sourceUnit"] == "must have at most 200 characters, not 201"
    assert by_field["decisionDate"] == "must not be in the future (today is 2025-07-01)"


def test_decision_date_between_earliest_and_today() -> None:
    floor = {"earliest": date(2014, 1, 1), "too_early": "must not be before 2014"}
    assert read(Raw(decision_date=TODAY), **floor)[0] is not None
    assert read(Raw(decision_date=date(2014, 1, 1)), **floor)[0] is not None
    fields, errors = read(Raw(decision_date=date(2013, 12, 31)), **floor)
    assert fields is None
    assert [(e.field, e.message) for e in errors] == [("decisionDate", "must not be before 2014")]
    # Without a floor any past date is accepted.
    assert read(Raw(decision_date=date(1990, 1, 1)))[0] is not None
    # An explicit day overrides the policy's (a batch reads it once for every item).
    fields, errors = read(Raw(decision_date=TODAY), today=TODAY - timedelta(days=1))
    assert fields is None
    assert errors[0].message == f"must not be in the future (today is {(TODAY - timedelta(days=1)).isoformat()})"


def test_kind_comes_from_the_input_then_the_policy_then_the_code() -> None:
    assert read(Raw(subject_code=PERSON))[0].kind is SubjectKind.NATURAL_PERSON  # type: ignore[union-attr]
    assert read(Raw(subject_code=INDIVIDUAL_BUSINESS))[0].kind is SubjectKind.INDIVIDUAL_BUSINESS  # type: ignore[union-attr]
    known = dataclasses.replace(POLICY, kinds={VIOLATOR_CODE: SubjectKind.OTHER_ORGANIZATION})
    assert read(Raw(), known)[0].kind is SubjectKind.OTHER_ORGANIZATION  # type: ignore[union-attr]
    stated = read(Raw(), known, stated_kind=SubjectKind.LEGAL_PERSON)[0]
    assert stated is not None and stated.kind is SubjectKind.LEGAL_PERSON


def test_kind_checks_report_against_the_subject_code() -> None:
    # The default check: the kind must be one the code can denote.
    fields, errors = read(Raw(), stated_kind=SubjectKind.NATURAL_PERSON)
    assert fields is None
    assert [(e.field, e.message) for e in errors] == [
        ("subjectCode", "a code of this form cannot denote a subject of kind NATURAL_PERSON")
    ]
    assert code_fits_kind(parse_subject_code(PERSON), SubjectKind.NATURAL_PERSON) is None

    seen: list[tuple[SubjectCode, SubjectKind]] = []

    def no_persons(code: SubjectCode, kind: SubjectKind) -> str | None:
        seen.append((code, kind))
        return "no persons here" if code.is_natural_person else None

    assert read(Raw(), check_kind=no_persons)[0] is not None
    fields, errors = read(Raw(subject_code=PERSON), check_kind=no_persons)
    assert fields is None
    assert [(e.field, e.message) for e in errors] == [("subjectCode", "no persons here")]
    assert seen == [
        (parse_subject_code(VIOLATOR_CODE), SubjectKind.LEGAL_PERSON),
        (parse_subject_code(PERSON), SubjectKind.NATURAL_PERSON),
    ]


def test_a_field_failed_before_the_call_makes_it_return_none() -> None:
    errors: list[ItemError] = []
    item = ItemReader(0, errors)
    item.fail("year", "out of range")
    assert read_envelope_fields(item, Raw(), POLICY) is None
    assert [e.field for e in errors] == ["year"]  # the envelope fields themselves were fine


@pytest.mark.parametrize(
    ("count", "size", "lengths"),
    [(0, 3, []), (1, 3, [1]), (3, 3, [3]), (7, 3, [3, 3, 1]), (2 * QUERY_CHUNK + 1, QUERY_CHUNK, [500, 500, 1])],
)
def test_query_chunks_cover_every_value_once_in_order(count: int, size: int, lengths: list[int]) -> None:
    values = list(range(count))
    chunks = list(query_chunks(values, size))
    assert [len(c) for c in chunks] == lengths
    assert [v for c in chunks for v in c] == values


def test_query_chunks_default_and_invalid_size() -> None:
    assert QUERY_CHUNK == 500
    assert [len(c) for c in query_chunks(list(range(501)))] == [500, 1]
    with pytest.raises(ValueError, match="positive"):
        list(query_chunks([1], 0))


# Through the plugins' record kinds, on a real database.


def violation(**overrides: Any) -> MajorTaxViolationInput:
    values: dict[str, Any] = {
        "subject_code": VIOLATOR_CODE,
        "subject_name": "上海浦东新区明珠文化传媒有限公司",
        "document_number": "榕税稽罚〔2025〕7号",
        "violation_type": tax_rules.ViolationType.TAX_EVASION,
        "facts": "2023年采取虚假申报手段少缴增值税",
        "amount_involved": Decimal("2500000.5"),
        "tax_due": Decimal("9000000"),
        "legal_basis": "《中华人民共和国税收征收管理法》第六十三条",
        "penalty": "追缴税款并处少缴税款一倍罚款",
        "decision_date": date(2025, 6, 18),
        "deciding_authority": "国家税务总局福州市税务局稽查局",
        "deciding_authority_code": TAX_BUREAU_CODE,
        "source_unit": "国家税务总局福州市税务局",
        "source_unit_code": TAX_BUREAU_CODE,
        **overrides,
    }
    return MajorTaxViolationInput(**values)


async def test_document_keyed_records_are_idempotent_and_clash_when_different(gw: GatewayHarness) -> None:
    created = await VIOLATIONS.submit(gw.engine, [violation()], POLICY)
    assert [item.status.value for item in created] == ["CREATED"]
    # 2500000.5 reads back as 2500000.50: the same record.
    again = await VIOLATIONS.submit(gw.engine, [violation(amount_involved=Decimal("2500000.50"))], POLICY)
    assert [(i.status.value, i.record_id) for i in again] == [("UNCHANGED", created[0].record_id)]
    with pytest.raises(GatewayError) as clash:
        await VIOLATIONS.submit(gw.engine, [violation(facts="另一事实")], POLICY)
    assert clash.value.code == DUPLICATE_RECORD
    # A different source unit keys a different record.
    other_unit = "11350100MB0301235" + uscc.calc_check_digit("11350100MB0301235")
    other = await VIOLATIONS.submit(gw.engine, [violation(source_unit_code=other_unit)], POLICY)
    assert other[0].status.value == "CREATED" and other[0].record_id != created[0].record_id


@pytest.fixture
def statements(gw: GatewayHarness) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(gw.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(gw.engine.sync_engine, "before_cursor_execute", record)


async def test_look_ups_cost_one_statement_per_chunk(gw: GatewayHarness, statements: list[str]) -> None:
    rating = TaxCreditRatingInput(
        subject_code=VIOLATOR_CODE,
        subject_name="上海浦东新区明珠文化传媒有限公司",
        year=2024,
        grade=tax_rules.TaxGrade.B,
        score=Decimal("82.5"),
        decision_date=date(2025, 4, 10),
        deciding_authority="国家税务总局福州市税务局",
        deciding_authority_code=TAX_BUREAU_CODE,
        source_unit="国家税务总局福州市税务局",
        source_unit_code=TAX_BUREAU_CODE,
    )
    [held] = RATINGS.validate([rating], POLICY).raise_if_invalid()
    [written] = await RATINGS.submit(gw.engine, [rating], POLICY)
    keys = [held.key, *((f"absent-{n}", 2024) for n in range(2 * QUERY_CHUNK))]
    statements.clear()
    async with gw.engine.connect() as conn:
        found = await RATINGS.find_existing(conn, keys)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3  # 1,001 keys in chunks of 500
    # The held rating reads back with the fingerprint it was submitted with (82.5 as 82.50).
    assert found == {held.key: (written.record_id, held.fingerprint)}
