"""The urban management domain's section of the credit extract (hook ``credit_sections``): penalties and
licences in force, red and black list entries (门前三包 红黑榜 …), and inspections published today.

One statement for all the subjects: the domain's records loader, the same as ``CreditSubject.urbanManagement``'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import CreditSection, SectionRow, chinese_date, format_section_row, hookimpl, published_now
from plugins.urban_management import rules
from plugins.urban_management.loaders import load_urban_records
from plugins.urban_management.types import UrbanInspection

INSPECTION_TYPES = {kind: label for label, kind in reversed(rules.INSPECTION_TYPE_LABELS.items())}
INSPECTION_GROUP = "partner:urban_management.inspection"  # as field_policies declares the deadline
INSPECTION_RESULTS = {
    rules.InspectionResult.PASSED: "合格",
    rules.InspectionResult.RECTIFICATION_REQUIRED: "责令限期整改",
    rules.InspectionResult.FAILED: "不合格",
}


def _inspection_row(inspection: UrbanInspection) -> SectionRow | None:
    if not published_now(inspection):
        return None
    text = (
        f"{chinese_date(inspection.decision_date)}，{inspection.inspector_unit}"
        f"{INSPECTION_TYPES.get(inspection.inspection_type, '检查')}：{inspection.inspection_item}，"
        f"结果{INSPECTION_RESULTS.get(inspection.result, str(inspection.result))}"
    )
    if inspection.rectification_deadline is None:
        return SectionRow("检查结果", text, int(inspection.id))
    # The deadline is a partner-grantable field (UrbanInspection.rectificationDeadline): the line that shows it
    # is for those who may read that group; the others get the line without it.
    return SectionRow(
        "检查结果",
        f"{text}，整改期限{chinese_date(inspection.rectification_deadline)}",
        int(inspection.id),
        visibility=INSPECTION_GROUP,
        fallback=text,
    )


async def load_urban_rows(
    connection: AsyncConnection, subject_ids: Sequence[int], today: dt.date
) -> Mapping[int, list[SectionRow]]:
    found: dict[int, list[SectionRow]] = {}
    for subject_id, records in (await load_urban_records(connection, subject_ids)).items():
        rows = []
        for record in records:  # newest decision first
            row = _inspection_row(record) if isinstance(record, UrbanInspection) else format_section_row(record, today)
            if row is not None:
                rows.append(row)
        if rows:
            found[subject_id] = rows
    return found


URBAN_SECTION = CreditSection(f"{rules.DOMAIN}.records", "城市管理信用", load_urban_rows, order=30)


@hookimpl
def credit_sections() -> Sequence[CreditSection]:
    return [URBAN_SECTION]
