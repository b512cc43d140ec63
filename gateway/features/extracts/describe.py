"""The shared formats' records as rows of an extract: what ``gateway.api.format_section_row`` gives the
domains whose records are administrative penalties, licences and list entries (双公示, 红黑名单), so that
each of them prints them the same way.

A row says what a person reading the extract needs: the decision's date, who decided, the document number
and what was decided, in the words the department submitted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from gateway.formats.credit_lists import ListType
from gateway.formats.double_publicity import LicenseStatus
from gateway.formats.graphql import AdministrativeLicense, AdministrativePenalty, CreditListEntry
from gateway.hooks.contributions import SectionRow
from gateway.records.publicity import published_now

LONG_TERM = dt.date(2099, 12, 31)  # the formats' 长期


def chinese_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day is not None else "—"


def yuan(amount: Decimal | None, *, wan: bool = False) -> str | None:
    """An amount in yuan as a person writes it (2,000元); ``wan``: the amount is given in 万元."""
    if amount is None:
        return None
    value = amount * 10_000 if wan else amount
    return f"{value:,.2f}".rstrip("0").rstrip(".") + "元"


def _document(record: Any) -> str:
    return f"（{record.document_number}）" if record.document_number else ""


def penalty_row(record: AdministrativePenalty) -> SectionRow:
    fine = yuan(record.fine_amount, wan=True)
    text = (
        f"{chinese_date(record.decision_date)}，{record.deciding_authority}{_document(record)}："
        f"{record.violation_type}。{record.content}"
    )
    if fine and fine not in record.content:
        text += f"（罚款{fine}）"
    return SectionRow("行政处罚", text, int(record.id))


def license_row(record: AdministrativeLicense) -> SectionRow:
    until = "长期" if record.valid_to >= LONG_TERM else chinese_date(record.valid_to)
    certificate = f"，{record.certificate_name}{record.certificate_number or ''}" if record.certificate_name else ""
    text = (
        f"{record.document_title}{_document(record)}，{record.deciding_authority}{certificate}："
        f"{record.content} 有效期{chinese_date(record.valid_from)}至{until}。"
    )
    return SectionRow("行政许可", text, int(record.id))


def list_entry_row(record: CreditListEntry) -> SectionRow:
    label = "红名单" if record.list_type is ListType.RED else "黑名单"
    text = (
        f"{record.list_name}：{record.reason}（{record.deciding_authority}{_document(record)}，"
        f"{chinese_date(record.decision_date)}列入）"
    )
    return SectionRow(label, text, int(record.id))


def format_section_row(record: Any, today: dt.date) -> SectionRow | None:
    """A shared-format record as a row of the extract, or None when it is none of them or not in force on
    ``today``: not published (revoked, repaired, past its publicity window), a licence no longer valid, a
    list entry removed."""
    if not published_now(record):
        return None
    if isinstance(record, AdministrativePenalty):
        return penalty_row(record)
    if isinstance(record, AdministrativeLicense):
        if record.license_status is not LicenseStatus.VALID or record.valid_to < today:
            return None
        return license_row(record)
    if isinstance(record, CreditListEntry):
        if record.removal_date is not None and record.removal_date <= today:
            return None
        return list_entry_row(record)
    return None
