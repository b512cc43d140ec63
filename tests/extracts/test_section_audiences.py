"""What an extract shows depends on who asked for it: a line is printed only for those who may read, through
GraphQL, the fields it shows (``SectionRow.visibility``), or in its fallback form. A partner or an agency never
gets a portal-only line (registered practitioners) nor a partner group's (an inspection's deadline)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from gateway.auth.principal import Principal, Role
from gateway.features.extracts.sections import load_sections, readable
from gateway.hooks.contributions import CreditSection, SectionRow

PUBLIC = SectionRow("行政处罚", "罚款 2,000 元", 1)
PORTAL = SectionRow("注册执业资格", "一级注册建造师", 2, visibility="portal")
GROUP = SectionRow(
    "检查结果",
    "结果责令限期整改，整改期限2026年12月1日",
    3,
    visibility="partner:urban.inspection",
    fallback="结果责令限期整改",
)


def principal(role: Role, domain: str | None = None) -> Principal:
    return Principal(role=role, client_id=7, name="x", domain=domain)


def test_each_audience_reads_only_its_lines() -> None:
    partner, agency = principal(Role.PARTNER), principal(Role.AGENCY)
    subject, admin = principal(Role.SUBJECT), principal(Role.ADMIN)
    urban, tax = principal(Role.DEPARTMENT, "urban"), principal(Role.DEPARTMENT, "tax")
    for reader in (partner, agency, subject, admin, urban, tax):
        assert readable(PUBLIC, reader) == ("行政处罚", "罚款 2,000 元")
    for reader in (partner, agency):
        assert readable(PORTAL, reader) is None
        assert readable(GROUP, reader) == ("检查结果", "结果责令限期整改")
    for reader in (subject, admin, urban, tax):
        assert readable(PORTAL, reader) == ("注册执业资格", "一级注册建造师")
    for reader in (subject, admin, urban):
        assert readable(GROUP, reader) == ("检查结果", GROUP.text)
    assert readable(GROUP, tax) == ("检查结果", "结果责令限期整改")  # another domain's group
    assert readable(SectionRow("x", "y", visibility="partner:urban.inspection"), partner) is None  # no fallback


async def _rows(_conn: Any, subject_ids: Sequence[int], _today: dt.date) -> Mapping[int, list[SectionRow]]:
    return {subject_id: [PUBLIC, PORTAL, GROUP] for subject_id in subject_ids}


async def test_the_extract_is_loaded_for_its_reader() -> None:
    section = CreditSection("urban.records", "城市管理信用", _rows)
    day = dt.date(2026, 11, 30)
    [for_agency] = await load_sections(None, [section], 5, day, principal(Role.AGENCY))  # type: ignore[arg-type]
    [for_subject] = await load_sections(None, [section], 5, day, principal(Role.SUBJECT))  # type: ignore[arg-type]
    assert [row["text"] for row in for_agency["rows"]] == ["罚款 2,000 元", "结果责令限期整改"]
    assert [row["text"] for row in for_subject["rows"]] == ["罚款 2,000 元", "一级注册建造师", GROUP.text]
