"""The construction market domain's section of the credit extract (hook ``credit_sections``): enterprise
qualifications in force, good and bad conduct records inside their publicity, black-list entries in force,
and practitioner registrations in force.

One statement for all the subjects: the domain's records loader, the same as ``CreditSubject.construction``'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import CreditSection, RecordStatus, SectionRow, chinese_date, hookimpl, published_now
from plugins.construction import rules
from plugins.construction.loaders import load_construction_records
from plugins.construction.types import (
    ConstructionBlacklistEntry,
    ConstructionConductRecord,
    ConstructionQualification,
    RegisteredPractitioner,
)


def _names(labels: Mapping[str, Any]) -> dict[Any, str]:
    """Each member's name: the first of its labels (later ones are synonyms)."""
    return {member: label for label, member in reversed(labels.items())}


CATEGORIES = _names(rules.QUALIFICATION_CATEGORY_LABELS)
GRADES = _names(rules.QUALIFICATION_GRADE_LABELS)
BEHAVIOURS = _names(rules.BEHAVIOUR_CATEGORY_LABELS)
CRITERIA = _names(rules.BLACKLIST_CRITERION_LABELS)
REGISTRATIONS = _names(rules.REGISTRATION_TYPE_LABELS)


def _qualification(record: ConstructionQualification, today: dt.date) -> SectionRow | None:
    if not (published_now(record) and record.valid_from <= today <= record.valid_until):
        return None
    text = (
        f"{CATEGORIES.get(record.qualification_category, '')}{record.specialty}"
        f"{GRADES.get(record.grade, '')}（证书编号 {record.document_number or '—'}，{record.deciding_authority}），"
        f"有效期至{chinese_date(record.valid_until)}"
    )
    return SectionRow("企业资质", text, int(record.id))


def _conduct(record: ConstructionConductRecord, today: dt.date) -> SectionRow | None:
    if not (published_now(record) and today <= rules.publicity_ends_on(record.decision_date, record.publicity_months)):
        return None
    good = record.conduct is rules.ConductType.GOOD
    text = (
        f"{chinese_date(record.decision_date)}，{record.deciding_authority}"
        f"（{BEHAVIOURS.get(record.behaviour_category, '其他')}）：{record.facts} {record.decision_content}"
    )
    return SectionRow("良好行为记录" if good else "不良行为记录", text, int(record.id))


def _blacklist(record: ConstructionBlacklistEntry, today: dt.date) -> SectionRow | None:
    in_force = rules.listing_in_force(record.status is RecordStatus.ACTIVE, record.removal_due, today)
    if not (in_force and published_now(record)):
        return None
    text = (
        f"{CRITERIA.get(record.criterion, '其他')}：{record.facts}（{record.deciding_authority}，"
        f"{chinese_date(record.decision_date)}列入，{chinese_date(record.removal_due)}届满）"
    )
    return SectionRow("建筑市场黑名单", text, int(record.id))


def _registration(record: RegisteredPractitioner, today: dt.date) -> SectionRow | None:
    if not (published_now(record) and today <= record.valid_until):
        return None
    specialty = f"（{record.specialty}）" if record.specialty else ""
    text = (
        f"{REGISTRATIONS.get(record.registration_type, '注册执业人员')}{specialty}，注册单位{record.employer_name}，"
        f"证书编号 {record.document_number or '—'}，有效期至{chinese_date(record.valid_until)}"
    )
    # Registered practitioners are natural persons: portal-only, as field_policies declares them.
    return SectionRow("注册执业资格", text, int(record.id), visibility="portal")


_ROWS = (
    (ConstructionQualification, _qualification),
    (ConstructionConductRecord, _conduct),
    (ConstructionBlacklistEntry, _blacklist),
    (RegisteredPractitioner, _registration),
)


async def load_construction_rows(
    connection: AsyncConnection, subject_ids: Sequence[int], today: dt.date
) -> Mapping[int, list[SectionRow]]:
    found: dict[int, list[SectionRow]] = {}
    for subject_id, records in (await load_construction_records(connection, subject_ids)).items():
        rows = []
        for record in records:  # newest decision first
            for kind, describe in _ROWS:
                if isinstance(record, kind):
                    row = describe(record, today)  # type: ignore[operator]
                    if row is not None:
                        rows.append(row)
                    break
        if rows:
            found[subject_id] = rows
    return found


CONSTRUCTION_SECTION = CreditSection(f"{rules.DOMAIN}.records", "建筑市场信用", load_construction_rows, order=40)


@hookimpl
def credit_sections() -> Sequence[CreditSection]:
    return [CONSTRUCTION_SECTION]
