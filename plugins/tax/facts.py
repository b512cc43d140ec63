"""The tax domain's facts for joint rewards and punishments (hook ``measure_facts``): a subject's tax credit
grade (``tax_grade``) and its listing as a major tax violator (``list``: the tax black list).

Derived from the records the tax loader reads (``FactSource.from_records``): a profile that shows the tax
domain has them already, so its facts cost no statement. Only records in force count (``published_now``:
active, not repaired or revoked, inside the publication window); of the ratings only the latest active rated
year counts, so a newer C is not hidden behind an older A, and only while it is recent (its year at most two
years back) and in force. A listing without its detail row (never written so: both go in one transaction) is
no record of the loader's, so no fact, as it is not on the published black list either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from gateway.api import Fact, FactSource, RecordStatus, published_now
from plugins.tax import rules
from plugins.tax.loaders import TAX_RECORDS
from plugins.tax.types import MajorTaxViolation, TaxCreditRating

# A grade is awarded for a year in the spring after it and bears on what follows: older ones have lapsed.
GRADE_COUNTS_FOR_YEARS = 2


def tax_facts(records: Sequence[Any], today: dt.date) -> list[Fact]:
    """One subject's facts from all its tax records (the loader's, before any principal's filter)."""
    found: list[Fact] = []
    latest: TaxCreditRating | None = None
    for record in records:
        if record.status is not RecordStatus.ACTIVE:
            continue
        if isinstance(record, TaxCreditRating):
            if latest is None or record.year > latest.year:
                latest = record
        elif isinstance(record, MajorTaxViolation) and published_now(record):
            found.append(
                Fact(
                    "list",
                    {"domain": rules.DOMAIN, "list_type": "BLACK"},
                    int(record.id),
                    f"重大税收违法失信主体（{record.document_number or '无文书号'}）",
                    record.decision_date,
                )
            )
    if latest is not None and latest.year >= today.year - GRADE_COUNTS_FOR_YEARS and published_now(latest):
        grade = latest.grade.value
        found.append(
            Fact(
                "tax_grade",
                {"grade": grade, "year": str(latest.year)},
                int(latest.id),
                f"纳税信用等级 {grade}（{latest.year} 年度）",
                latest.decision_date,
            )
        )
    return found


TAX_FACTS = FactSource.from_records(("tax_grade", "list"), TAX_RECORDS, tax_facts)
