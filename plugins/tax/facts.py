"""The tax domain's facts for joint rewards and punishments (hook ``measure_facts``): a subject's tax credit
grade (``tax_grade``) and its listing as a major tax violator (``list``: the tax black list).

One statement for all the subjects of a level. Only records in force count (``published_now``: active, not
repaired or revoked, inside the publication window); of the ratings only the latest rated year counts, so a
newer C is not hidden behind an older A, and only while it is recent (its year at most two years back).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import Fact, FactSource, RecordStatus, any_of, credit_record, published_now
from plugins.tax import rules
from plugins.tax.tables import tax_credit_rating

# A grade is awarded for a year in the spring after it and bears on what follows: older ones have lapsed.
GRADE_COUNTS_FOR_YEARS = 2

_FACTS = (
    sa.select(
        credit_record.c.id,
        credit_record.c.subject_id,
        credit_record.c.record_type,
        credit_record.c.status,
        credit_record.c.polarity,
        credit_record.c.decision_date,
        credit_record.c.published_until,
        credit_record.c.document_number,
        tax_credit_rating.c.year,
        tax_credit_rating.c.grade,
    )
    .select_from(credit_record.outerjoin(tax_credit_rating, tax_credit_rating.c.record_id == credit_record.c.id))
    .where(
        credit_record.c.domain == rules.DOMAIN,
        any_of(credit_record.c.subject_id, name="subject_ids"),
        credit_record.c.status == RecordStatus.ACTIVE.value,
    )
)


async def load_tax_facts(
    connection: AsyncConnection, subject_ids: Sequence[int], today: dt.date
) -> Mapping[int, list[Fact]]:
    rows = (await connection.execute(_FACTS, {"subject_ids": list(subject_ids)})).all()
    found: dict[int, list[Fact]] = {}
    latest: dict[int, Any] = {}
    for row in rows:
        if row.record_type == rules.RATING_RECORD_TYPE and row.year is not None:
            if row.subject_id not in latest or row.year > latest[row.subject_id].year:
                latest[row.subject_id] = row
        elif row.record_type == rules.VIOLATION_RECORD_TYPE and published_now(row):
            found.setdefault(row.subject_id, []).append(
                Fact(
                    "list",
                    {"domain": rules.DOMAIN, "list_type": "BLACK"},
                    int(row.id),
                    f"重大税收违法失信主体（{row.document_number or '无文书号'}）",
                    row.decision_date,
                )
            )
    for subject_id, row in latest.items():
        if row.year >= today.year - GRADE_COUNTS_FOR_YEARS and published_now(row):
            found.setdefault(subject_id, []).append(
                Fact(
                    "tax_grade",
                    {"grade": row.grade, "year": str(row.year)},
                    int(row.id),
                    f"纳税信用等级 {row.grade}（{row.year} 年度）",
                    row.decision_date,
                )
            )
    return found


TAX_FACTS = FactSource(("tax_grade", "list"), load_tax_facts)
