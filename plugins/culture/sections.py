"""The culture market domain's section of the credit extract (hook ``credit_sections``): its administrative
penalties and licences in force and its red and black list entries, in the shared formats' words.

One statement for all the subjects: the domain's records loader, the same as ``CreditSubject.culture``'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import CreditSection, SectionRow, format_records_loader, format_section_row, hookimpl
from plugins.culture import rules

_RECORDS = format_records_loader(rules.DOMAIN)


async def load_culture_rows(
    connection: AsyncConnection, subject_ids: Sequence[int], today: dt.date
) -> Mapping[int, list[SectionRow]]:
    found: dict[int, list[SectionRow]] = {}
    for subject_id, records in (await _RECORDS.load(connection, subject_ids)).items():
        rows = [row for record in records if (row := format_section_row(record, today)) is not None]
        if rows:
            found[subject_id] = rows
    return found


CULTURE_SECTION = CreditSection(f"{rules.DOMAIN}.records", "文化市场信用", load_culture_rows, order=20)


@hookimpl
def credit_sections() -> Sequence[CreditSection]:
    return [CULTURE_SECTION]
