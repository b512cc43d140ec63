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
from collections.abc import Hashable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import (
    CENT,
    MAX_AMOUNT,
    MAX_DOCUMENT_NUMBER,
    MAX_TEXT,
    CreatedRecord,
    Envelope,
    EnvelopeFields,
    ItemError,
    ItemReader,
    RecordKind,
    SubjectCode,
    SubjectKind,
    Submission,
    SubmissionPolicy,
    Validated,
    code_fits_kind,
    credit_record,
    detail_writer,
    document_key_finder,
    keys_in,
    query_chunks,
    read_envelope_fields,
    record_fingerprint,
    subject,
)
from plugins.tax import rules
from plugins.tax.tables import tax_credit_rating, tax_major_violation
from plugins.tax.types import MajorTaxViolationInput, TaxCreditRatingInput

ENVELOPE_FINGERPRINT = (
    "lookup_hash",
    "decision_date",
    "document_number",
    "deciding_authority",
    "deciding_authority_code",
    "source_unit",
    "source_unit_code",
)
# A rating is keyed by (subject, year), so its fingerprint covers every envelope value, the source
# unit and its code included. A listing is keyed by (source unit code, document number) like the
# shared formats, and fingerprinted as they are (gateway.api.record_fingerprint).
RATING_FINGERPRINT = (*ENVELOPE_FINGERPRINT, "year", "grade", "score", "direct_assignment_reason")


def _not_a_person(code: SubjectCode, kind: SubjectKind) -> str | None:
    """Persons are not rated: a rating's subject is an organisation or an individual business."""
    if code.is_natural_person:
        return "must denote an organisation or individual business, not a natural person"
    return code_fits_kind(code, kind)


def _read_common(
    item: ItemReader,
    raw: TaxCreditRatingInput | MajorTaxViolationInput,
    policy: SubmissionPolicy,
    today: datetime.date,
    *,
    persons: bool,
) -> EnvelopeFields | None:
    """The envelope-level values, or ``None`` when any of them is invalid. ``persons`` says whether
    the record may be about a natural person; tax records begin with the first rated year."""
    return read_envelope_fields(
        item,
        raw,
        policy,
        today=today,
        check_kind=code_fits_kind if persons else _not_a_person,
        earliest=datetime.date(rules.FIRST_RATED_YEAR, 1, 1),
        too_early=f"must not be before {rules.FIRST_RATED_YEAR}, when tax credit records began",
    )


def _normal(value: Any) -> Any:
    # NUMERIC(·, 2) reads back as 95.50 where 95.5 was written; compare numbers at that scale.
    return value.quantize(CENT) if isinstance(value, Decimal) else value


def _fingerprint(values: Mapping[str, Any], names: Sequence[str]) -> tuple[Any, ...]:
    return tuple(_normal(values[name]) for name in names)


def _rating_submission(common: EnvelopeFields, envelope: Envelope, year: int, detail: dict[str, Any]) -> Submission:
    values = {**envelope.values(), **detail, "lookup_hash": common.subject_hash}
    return common.submission(
        envelope,
        key=(common.subject_hash, year),
        fingerprint=_fingerprint(values, RATING_FINGERPRINT),
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
            rules.DOMAIN,
            rules.RATING_RECORD_TYPE,
            rules.RATING_CATEGORY,
            rules.rating_polarity(grade).value,
            severity.value if (severity := rules.rating_severity(grade)) else None,
            None,  # ratings have no document number: (subject, year) identifies them
        )
        detail = {"year": raw.year, "grade": grade.value, "score": score, "direct_assignment_reason": reason}
        built.append(_rating_submission(common, envelope, raw.year, detail))
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
            rules.DOMAIN,
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
        fingerprint = record_fingerprint(envelope, common.subject_hash, detail)
        built.append(common.submission(envelope, key=key, fingerprint=fingerprint, detail=detail))
    return Validated(built, errors)


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
    for chunk in query_chunks(keys):
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


def _detail_columns(table: sa.Table) -> list[sa.Column[Any]]:
    return [c for c in table.c if c.name not in ("record_id", "subject_id")]


async def write_rating_details(conn: AsyncConnection, created: Sequence[CreatedRecord]) -> None:
    # subject_id is repeated on the detail row for the (subject, year) unique constraint.
    await conn.execute(
        tax_credit_rating.insert(),
        [{"record_id": c.record_id, "subject_id": c.subject_id, **c.submission.detail} for c in created],
    )


RATINGS = RecordKind("ratings", validate_ratings, find_existing_ratings, write_rating_details)
# Held records by (source unit code, document number) whatever their domain and type (the envelope's
# unique constraint spans domains): a number taken by another kind of record is a clash, not a failed insert.
VIOLATIONS = RecordKind(
    "violations",
    validate_violations,
    document_key_finder(tax_major_violation),
    detail_writer(tax_major_violation),
)
