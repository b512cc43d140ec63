"""Reading tax records: one statement for all subjects of a request level, rows into GraphQL objects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import ENVELOPE_COLUMNS, LoaderSpec, any_of, credit_record, envelope_kwargs, record_from, stored_enum
from plugins.tax import rules
from plugins.tax.tables import tax_credit_rating, tax_major_violation
from plugins.tax.types import MajorTaxViolation, TaxCreditRating

RECORDS = f"{rules.DOMAIN}.records"

# Detail columns by name; none clashes with an envelope column, so rows need no labels.
RATING_COLUMNS = (
    tax_credit_rating.c.year,
    tax_credit_rating.c.grade,
    tax_credit_rating.c.score,
    tax_credit_rating.c.direct_assignment_reason,
)
VIOLATION_COLUMNS = (
    tax_major_violation.c.violation_type,
    tax_major_violation.c.facts,
    tax_major_violation.c.amount_involved,
    tax_major_violation.c.tax_due,
    tax_major_violation.c.legal_basis,
    tax_major_violation.c.penalty,
)

TaxRecord = TaxCreditRating | MajorTaxViolation


# Every record row of a level comes through here: the enums by dict look-up.
_TAX_GRADE = stored_enum(rules.TaxGrade)
_VIOLATION_TYPE = stored_enum(rules.ViolationType)


def rating_from_row(row: Any) -> TaxCreditRating:
    m = row
    return record_from(
        TaxCreditRating,
        envelope_kwargs(row),
        year=m.year,
        grade=_TAX_GRADE(m.grade),
        score=m.score,
        direct_assignment_reason=m.direct_assignment_reason,
    )


def violation_from_row(row: Any) -> MajorTaxViolation:
    m = row
    return record_from(
        MajorTaxViolation,
        envelope_kwargs(row),
        violation_type=_VIOLATION_TYPE(m.violation_type),
        facts=m.facts,
        amount_involved=m.amount_involved,
        tax_due=m.tax_due,
        legal_basis=m.legal_basis,
        penalty=m.penalty,
    )


def records_query() -> sa.Select[Any]:
    """Both record types of the subjects in the parameter ``subject_ids`` in one statement: the envelope
    left-joined to each detail table, so a row carries the columns of the one detail it has."""
    joined = credit_record.outerjoin(tax_credit_rating, tax_credit_rating.c.record_id == credit_record.c.id).outerjoin(
        tax_major_violation, tax_major_violation.c.record_id == credit_record.c.id
    )
    return (
        sa.select(*ENVELOPE_COLUMNS, credit_record.c.record_type, *RATING_COLUMNS, *VIOLATION_COLUMNS)
        .select_from(joined)
        .where(credit_record.c.domain == rules.DOMAIN, any_of(credit_record.c.subject_id, name="subject_ids"))
    )


# Built once: the same SQL text for every batch, so it is compiled once and prepared once.
RECORDS_QUERY = records_query()


async def load_tax_records(conn: AsyncConnection, subject_ids: Sequence[int]) -> Mapping[int, tuple[TaxRecord, ...]]:
    rows = (await conn.execute(RECORDS_QUERY, {"subject_ids": subject_ids})).all()
    found: dict[int, list[TaxRecord]] = defaultdict(list)
    for row in rows:
        if row.record_type == rules.RATING_RECORD_TYPE and row.grade is not None:
            found[row.subject_id].append(rating_from_row(row))
        elif row.record_type == rules.VIOLATION_RECORD_TYPE and row.violation_type is not None:
            found[row.subject_id].append(violation_from_row(row))
    return {
        # Newest decision first, as CreditSubject.records lists them.
        subject_id: tuple(sorted(records, key=lambda r: (r.decision_date, int(r.id)), reverse=True))
        for subject_id, records in found.items()
    }


TAX_RECORDS = LoaderSpec(RECORDS, load_tax_records, default=())
