"""Validating tax submissions and handing them to the core's shared write path.

Every item is checked in full and every problem reported (index, GraphQL field, reason) before
anything is written; :func:`gateway.api.submit` then writes all or nothing. Ratings are identified
by (subject, year), listings by (source unit, document number). The *fingerprint* of an item is
every value it submits, normalised exactly as it reads back from the database, so an identical
re-submission is UNCHANGED and a different one a DUPLICATE_RECORD error. The subject's name is not
part of it: it belongs to the subject (which may have been registered by another domain), not to
the record.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import (
    CENT,
    MAX_AMOUNT,
    MAX_NAME,
    MAX_TEXT,
    CreatedRecord,
    Envelope,
    ItemError,
    ItemReader,
    RecordKind,
    SubjectCode,
    SubjectKind,
    Submission,
    SubmissionPolicy,
    Validated,
    credit_record,
    keys_in,
    lookup_hash,
    subject,
)
from plugins.tax import rules
from plugins.tax.tables import tax_credit_rating, tax_major_violation
from plugins.tax.types import MajorTaxViolationInput, TaxCreditRatingInput

MAX_DOCUMENT_NUMBER = 128  # credit_record.document_number
QUERY_CHUNK = 500  # keys per look-up statement, well under every driver's bind-parameter limit

ENVELOPE_FINGERPRINT = (
    "lookup_hash",
    "decision_date",
    "document_number",
    "deciding_authority",
    "deciding_authority_code",
    "source_unit",
    "source_unit_code",
)
RATING_FINGERPRINT = (*ENVELOPE_FINGERPRINT, "year", "grade", "score", "direct_assignment_reason")
VIOLATION_FINGERPRINT = (
    *ENVELOPE_FINGERPRINT,
    "violation_type",
    "facts",
    "amount_involved",
    "tax_due",
    "legal_basis",
    "penalty",
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Common:
    """The validated envelope-level values every tax record carries."""

    code: SubjectCode
    subject_hash: str
    kind: SubjectKind
    name: str
    deciding_authority: str
    deciding_authority_code: str
    source_unit: str
    source_unit_code: str
    decision_date: datetime.date

    def envelope(
        self,
        record_type: str,
        category: str,
        polarity: str,
        severity: str | None,
        document_number: str | None,
    ) -> Envelope:
        return Envelope(
            domain=rules.DOMAIN,
            record_type=record_type,
            category=category,
            polarity=polarity,
            severity=severity,
            decision_date=self.decision_date,
            document_number=document_number,
            deciding_authority=self.deciding_authority,
            deciding_authority_code=self.deciding_authority_code,
            source_unit=self.source_unit,
            source_unit_code=self.source_unit_code,
        )


def _read_common(
    item: ItemReader,
    raw: TaxCreditRatingInput | MajorTaxViolationInput,
    policy: SubmissionPolicy,
    today: datetime.date,
    *,
    persons: bool,
) -> _Common | None:
    """The envelope-level values, or ``None`` when any of them is invalid. ``persons`` says whether
    the record may be about a natural person."""
    code = item.subject_code("subjectCode", raw.subject_code, policy.uscc_allow_list)
    kind = None
    if code is not None:
        kind = policy.kinds.get(code.value, code.default_kind)
        if code.is_natural_person and not persons:
            item.fail("subjectCode", "must denote an organisation or individual business, not a natural person")
        elif kind not in code.allowed_kinds():
            item.fail("subjectCode", f"a code of this form cannot denote a subject of kind {kind.value}")
    name = item.string("subjectName", raw.subject_name, MAX_NAME)
    authority = item.string("decidingAuthority", raw.deciding_authority, MAX_NAME)
    authority_code = item.uscc("decidingAuthorityCode", raw.deciding_authority_code, policy.uscc_allow_list)
    source_unit = item.string("sourceUnit", raw.source_unit, MAX_NAME)
    source_unit_code = item.uscc("sourceUnitCode", raw.source_unit_code, policy.uscc_allow_list)
    if raw.decision_date > today:
        item.fail("decisionDate", f"must not be in the future (today is {today.isoformat()})")
    elif raw.decision_date.year < rules.FIRST_RATED_YEAR:
        item.fail("decisionDate", f"must not be before {rules.FIRST_RATED_YEAR}, when tax credit records began")
    if item.failed or code is None or kind is None:
        return None
    # Every field read without a failure holds a value; the assert tells the type checker so.
    assert name and authority and authority_code and source_unit and source_unit_code
    return _Common(
        code,
        lookup_hash(code, policy.secret_key),
        kind,
        name,
        authority,
        authority_code,
        source_unit,
        source_unit_code,
        raw.decision_date,
    )


def _normal(value: Any) -> Any:
    # NUMERIC(·, 2) reads back as 95.50 where 95.5 was written; compare numbers at that scale.
    return value.quantize(CENT) if isinstance(value, Decimal) else value


def _fingerprint(values: Mapping[str, Any], names: Sequence[str]) -> tuple[Any, ...]:
    return tuple(_normal(values[name]) for name in names)


def _submission(
    common: _Common, envelope: Envelope, key: Hashable, detail: dict[str, Any], fingerprint: Sequence[str]
) -> Submission:
    values = {**envelope.values(), **detail, "lookup_hash": common.subject_hash}
    return Submission(
        subject_code=common.code,
        subject_name=common.name,
        subject_kind=common.kind,
        envelope=envelope,
        key=key,
        fingerprint=_fingerprint(values, fingerprint),
        detail=detail,
    )


def validate_ratings(inputs: Sequence[TaxCreditRatingInput], policy: SubmissionPolicy) -> Validated:
    """Validate annual ratings, reporting every problem of every item."""
    errors: list[ItemError] = []
    built: list[Submission | None] = []
    today = policy.reference_date()
    last_year = today.year - 1  # the rating of a year is made the next year
    for index, raw in enumerate(inputs):
        item = ItemReader(index, errors)
        common = _read_common(item, raw, policy, today, persons=False)  # persons are not rated
        if not rules.FIRST_RATED_YEAR <= raw.year <= last_year:
            item.fail("year", f"must be between {rules.FIRST_RATED_YEAR} and {last_year}, not {raw.year}")
        elif raw.decision_date.year < raw.year:
            item.fail("decisionDate", f"must not be before the year rated ({raw.year})")
        score = item.decimal("score", raw.score, rules.MAX_SCORE)
        reason = item.string("directAssignmentReason", raw.direct_assignment_reason, MAX_TEXT, required=False)
        grade = rules.TaxGrade(raw.grade)
        if not item.failed & {"score", "directAssignmentReason"}:
            for field_name, message in rules.grade_problems(grade, score, reason):
                item.fail(field_name, message)
        if item.failed or common is None:
            built.append(None)
            continue
        envelope = common.envelope(
            rules.RATING_RECORD_TYPE,
            rules.RATING_CATEGORY,
            rules.rating_polarity(grade).value,
            severity.value if (severity := rules.rating_severity(grade)) else None,
            None,  # ratings have no document number: (subject, year) identifies them
        )
        detail = {"year": raw.year, "grade": grade.value, "score": score, "direct_assignment_reason": reason}
        built.append(_submission(common, envelope, (common.subject_hash, raw.year), detail, RATING_FINGERPRINT))
    return Validated(built, errors)


def validate_violations(inputs: Sequence[MajorTaxViolationInput], policy: SubmissionPolicy) -> Validated:
    """Validate major tax violation listings, reporting every problem of every item."""
    errors: list[ItemError] = []
    built: list[Submission | None] = []
    today = policy.reference_date()
    for index, raw in enumerate(inputs):
        item = ItemReader(index, errors)
        common = _read_common(item, raw, policy, today, persons=True)  # persons can be listed
        document_number = item.string("documentNumber", raw.document_number, MAX_DOCUMENT_NUMBER)
        facts = item.string("facts", raw.facts, MAX_TEXT)
        legal_basis = item.string("legalBasis", raw.legal_basis, MAX_TEXT)
        penalty = item.string("penalty", raw.penalty, MAX_TEXT)
        amount = item.decimal("amountInvolved", raw.amount_involved, MAX_AMOUNT)
        tax_due = item.decimal("taxDue", raw.tax_due, MAX_AMOUNT)
        violation_type = rules.ViolationType(raw.violation_type)
        if violation_type is rules.ViolationType.TAX_EVASION and amount is not None and "taxDue" not in item.failed:
            for field_name, message in rules.evasion_problems(amount, tax_due):
                item.fail(field_name, message)
        if item.failed or common is None:
            built.append(None)
            continue
        envelope = common.envelope(
            rules.VIOLATION_RECORD_TYPE,
            rules.VIOLATION_CATEGORY,
            rules.VIOLATION_POLARITY.value,
            rules.VIOLATION_SEVERITY.value,
            document_number,
        )
        detail = {
            "violation_type": violation_type.value,
            "facts": facts,
            "amount_involved": amount,
            "tax_due": tax_due,
            "legal_basis": legal_basis,
            "penalty": penalty,
        }
        key = (common.source_unit_code, document_number)
        built.append(_submission(common, envelope, key, detail, VIOLATION_FINGERPRINT))
    return Validated(built, errors)


def _chunks(values: Sequence[T], size: int = QUERY_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


_FINGERPRINT_ENVELOPE_COLUMNS = (
    subject.c.lookup_hash,
    credit_record.c.decision_date,
    credit_record.c.document_number,
    credit_record.c.deciding_authority,
    credit_record.c.deciding_authority_code,
    credit_record.c.source_unit,
    credit_record.c.source_unit_code,
)


async def find_existing_ratings(
    conn: AsyncConnection, keys: Sequence[Hashable]
) -> Mapping[Hashable, tuple[int, Hashable]]:
    """Ratings already held for (subject hash, year) keys, with their fingerprints."""
    found: dict[Hashable, tuple[int, Hashable]] = {}
    joined = tax_credit_rating.join(credit_record, credit_record.c.id == tax_credit_rating.c.record_id).join(
        subject, subject.c.id == tax_credit_rating.c.subject_id
    )
    for chunk in _chunks(keys):
        query = (
            sa.select(credit_record.c.id, *_FINGERPRINT_ENVELOPE_COLUMNS, *_detail_columns(tax_credit_rating))
            .select_from(joined)
            .where(keys_in((subject.c.lookup_hash, tax_credit_rating.c.year), chunk))
        )
        wanted = set(chunk)
        for row in (await conn.execute(query)).all():
            m = row._mapping
            if (m["lookup_hash"], m["year"]) not in wanted:
                continue
            found[(m["lookup_hash"], m["year"])] = (m["id"], _fingerprint(m, RATING_FINGERPRINT))
    return found


async def find_existing_violations(
    conn: AsyncConnection, keys: Sequence[Hashable]
) -> Mapping[Hashable, tuple[int, Hashable]]:
    """Records already held for (source unit code, document number) keys. The envelope is searched
    whatever its domain, since the core's unique constraint spans domains: a document number taken
    by another kind of record is reported as a clash, not as a failed insert."""
    found: dict[Hashable, tuple[int, Hashable]] = {}
    joined = credit_record.outerjoin(tax_major_violation, tax_major_violation.c.record_id == credit_record.c.id).join(
        subject, subject.c.id == credit_record.c.subject_id
    )
    for chunk in _chunks(keys):
        query = (
            sa.select(
                credit_record.c.id,
                credit_record.c.record_type,
                *_FINGERPRINT_ENVELOPE_COLUMNS,
                *_detail_columns(tax_major_violation),
            )
            .select_from(joined)
            .where(keys_in((credit_record.c.source_unit_code, credit_record.c.document_number), chunk))
        )
        wanted = set(chunk)
        for row in (await conn.execute(query)).all():
            m = row._mapping
            if (m["source_unit_code"], m["document_number"]) not in wanted:
                continue
            fingerprint: Hashable = (
                _fingerprint(m, VIOLATION_FINGERPRINT)
                if m["record_type"] == rules.VIOLATION_RECORD_TYPE
                else ("held by another record type", m["record_type"])
            )
            found[(m["source_unit_code"], m["document_number"])] = (m["id"], fingerprint)
    return found


def _detail_columns(table: sa.Table) -> list[sa.Column[Any]]:
    return [c for c in table.c if c.name not in ("record_id", "subject_id")]


async def write_rating_details(conn: AsyncConnection, created: Sequence[CreatedRecord]) -> None:
    # subject_id is repeated on the detail row for the (subject, year) unique constraint.
    await conn.execute(
        tax_credit_rating.insert(),
        [{"record_id": c.record_id, "subject_id": c.subject_id, **c.submission.detail} for c in created],
    )


async def write_violation_details(conn: AsyncConnection, created: Sequence[CreatedRecord]) -> None:
    await conn.execute(
        tax_major_violation.insert(), [{"record_id": c.record_id, **c.submission.detail} for c in created]
    )


RATINGS = RecordKind("ratings", validate_ratings, find_existing_ratings, write_rating_details)
VIOLATIONS = RecordKind("violations", validate_violations, find_existing_violations, write_violation_details)
