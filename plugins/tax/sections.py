"""The tax domain's section of the credit extract (hook ``credit_sections``): the latest tax credit grade
(纳税信用等级) while it counts, and listings as a major tax violation dishonest subject in force.

One statement for all the subjects: the domain's records loader, the same as ``CreditSubject.tax``'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import CreditSection, SectionRow, chinese_date, hookimpl, published_now
from plugins.tax import rules
from plugins.tax.facts import GRADE_COUNTS_FOR_YEARS
from plugins.tax.loaders import load_tax_records
from plugins.tax.types import MajorTaxViolation, TaxCreditRating

VIOLATION_NAMES = {
    rules.ViolationType.TAX_EVASION: "偷税（逃避缴纳税款）",
    rules.ViolationType.FAKE_VAT_INVOICE: "虚开增值税专用发票",
    rules.ViolationType.EXPORT_REFUND_FRAUD: "骗取出口退税",
    rules.ViolationType.TAX_ARREARS_EVASION: "逃避追缴欠税",
    rules.ViolationType.TAX_RESISTANCE: "抗税",
    rules.ViolationType.OTHER: "其他税收违法行为",
}


def _grade_row(rating: TaxCreditRating) -> SectionRow:
    text = f"{rating.year}年度纳税信用等级为 {rating.grade.value} 级（{rating.deciding_authority}评定）"
    return SectionRow("纳税信用等级", text, int(rating.id))


def _violation_row(violation: MajorTaxViolation) -> SectionRow:
    document = f"，{violation.document_number}" if violation.document_number else ""
    text = (
        f"{VIOLATION_NAMES.get(violation.violation_type, '税收违法')}：{violation.facts} "
        f"处理处罚情况：{violation.penalty}（{violation.deciding_authority}{document}，"
        f"{chinese_date(violation.decision_date)}）"
    )
    return SectionRow("重大税收违法失信主体", text, int(violation.id))


async def load_tax_rows(
    connection: AsyncConnection, subject_ids: Sequence[int], today: dt.date
) -> Mapping[int, list[SectionRow]]:
    found: dict[int, list[SectionRow]] = {}
    for subject_id, records in (await load_tax_records(connection, subject_ids)).items():
        ratings = [r for r in records if isinstance(r, TaxCreditRating)]
        latest = max(ratings, key=lambda r: r.year, default=None)
        rows = []
        if latest is not None and latest.year >= today.year - GRADE_COUNTS_FOR_YEARS and published_now(latest):
            rows.append(_grade_row(latest))
        rows += [
            _violation_row(r) for r in records if isinstance(r, MajorTaxViolation) and published_now(r)
        ]  # newest decision first, as loaded
        if rows:
            found[subject_id] = rows
    return found


TAX_SECTION = CreditSection(f"{rules.DOMAIN}.credit", "纳税信用", load_tax_rows, order=10)


@hookimpl
def credit_sections() -> Sequence[CreditSection]:
    return [TAX_SECTION]
