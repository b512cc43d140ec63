"""Reading urban management records: one statement for all subjects of a request level.

The envelope is left-joined to the shared format tables and to ``urban_inspection``, so a row
carries the columns of the one detail it has; shared-format rows become their shared types through
``format_record``, inspection rows become :class:`UrbanInspection`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import (
    ENVELOPE_COLUMNS,
    FORMAT_COLUMNS,
    CreditRecord,
    LoaderSpec,
    PartyType,
    any_of,
    credit_record,
    envelope_kwargs,
    format_record,
    join_formats,
    record_from,
)
from plugins.urban_management import rules
from plugins.urban_management.tables import urban_inspection
from plugins.urban_management.types import UrbanInspection

RECORDS = f"{rules.DOMAIN}.records"

# Labelled, so they clash neither with the envelope nor with the shared formats' prefixed columns.
_PREFIX = "inspection_"
INSPECTION_COLUMNS = tuple(c.label(f"{_PREFIX}{c.name}") for c in urban_inspection.c if c.name != "record_id")


def inspection_from_row(row: Any) -> UrbanInspection:
    m = row
    return record_from(
        UrbanInspection,
        envelope_kwargs(row),
        party_type=PartyType(m.inspection_party_type),
        inspection_type=rules.InspectionType(m.inspection_inspection_type),
        sub_area=m.inspection_sub_area,
        inspection_item=m.inspection_inspection_item,
        result=rules.InspectionResult(m.inspection_result),
        findings=m.inspection_findings,
        rectification_deadline=m.inspection_rectification_deadline,
        inspector_unit=m.inspection_inspector_unit,
        remarks=m.inspection_remarks,
    )


def records_query() -> sa.Select[Any]:
    """The subjects' records, newest decision first; the subjects are the parameter ``subject_ids``."""
    joined = join_formats(credit_record).outerjoin(urban_inspection, urban_inspection.c.record_id == credit_record.c.id)
    return (
        sa.select(credit_record.c.record_type, *ENVELOPE_COLUMNS, *FORMAT_COLUMNS, *INSPECTION_COLUMNS)
        .select_from(joined)
        .where(credit_record.c.domain == rules.DOMAIN, any_of(credit_record.c.subject_id, name="subject_ids"))
        .order_by(credit_record.c.decision_date.desc(), credit_record.c.id.desc())
    )


# Built once: the same SQL text for every batch, so it is compiled once and prepared once.
RECORDS_QUERY = records_query()


async def load_urban_records(
    conn: AsyncConnection, subject_ids: Sequence[int]
) -> Mapping[int, tuple[CreditRecord, ...]]:
    """Every urban management record of the given subjects, newest decision first."""
    found: dict[int, list[CreditRecord]] = defaultdict(list)
    for row in await conn.execute(RECORDS_QUERY, {"subject_ids": subject_ids}):
        if row.record_type == rules.INSPECTION_RECORD_TYPE:
            if row.inspection_result is not None:
                found[row.subject_id].append(inspection_from_row(row))
            continue
        record = format_record(row)
        if record is not None:
            found[row.subject_id].append(record)
    return {subject_id: tuple(records) for subject_id, records in found.items()}


URBAN_RECORDS = LoaderSpec(RECORDS, load_urban_records, default=())
