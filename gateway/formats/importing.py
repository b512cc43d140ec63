"""Import columns of the shared formats, under the headings departments export (双公示 templates).

A party's code comes from the USCC column for organisations and from the ID-number column
(证件号码) for natural persons; whichever is filled is used.
"""

from __future__ import annotations

import re
from typing import Any

from gateway.formats.common import PARTY_TYPE_LABELS, PartyType
from gateway.formats.credit_lists import LIST_TYPE_LABELS, ListType
from gateway.formats.double_publicity import (
    LICENSE_CATEGORY_LABELS,
    LICENSE_STATUS_LABELS,
    PENALTY_CATEGORY_LABELS,
    LicenseCategory,
    LicenseStatus,
    PenaltyCategory,
)
from gateway.formats.graphql import AdministrativeLicenseInput, AdministrativePenaltyInput, CreditListEntryInput
from gateway.hooks.contributions import ImportColumn
from gateway.kernel.parsing import optional, parse_date, parse_decimal, parse_enum, text

_SEPARATORS = re.compile(r"[;；,，、/|]+")
_category = parse_enum(PenaltyCategory, PENALTY_CATEGORY_LABELS)


def parse_penalty_categories(value: str) -> list[PenaltyCategory]:
    """``罚款;没收违法所得`` → [FINE, CONFISCATION]. The combined label 没收违法所得、没收非法财物 is one category."""
    cleaned = value.strip().replace("没收违法所得、没收非法财物", "没收违法所得")
    parts = [p for p in _SEPARATORS.split(cleaned) if p.strip()]
    if not parts:
        raise ValueError("no penalty category given")
    return list(dict.fromkeys(_category(p) for p in parts))


def parse_list(value: str) -> list[str]:
    return [p.strip() for p in _SEPARATORS.split(value) if p.strip()]


def _party_columns(*, with_representative: bool = True) -> list[ImportColumn]:
    """The party's columns; a list entry has no legal representative, so a list file's 法定代表人
    column (departments' exports often carry one) is left unread rather than refused."""
    representative = [
        ImportColumn(
            "legal_representative", ("法定代表人", "legal_representative"), required=False, parse=optional(text)
        )
    ]
    return [
        ImportColumn("party_name", ("行政相对人名称", "主体名称", "企业名称", "party_name")),
        ImportColumn(
            "party_type", ("行政相对人类别", "主体类别", "party_type"), parse=parse_enum(PartyType, PARTY_TYPE_LABELS)
        ),
        ImportColumn(
            "party_uscc",
            (
                "统一社会信用代码",
                "行政相对人代码_1(统一社会信用代码)",
                "行政相对人代码_1（统一社会信用代码）",
                "party_code",
            ),
            required=False,
            parse=optional(text),
        ),
        ImportColumn("party_id_number", ("证件号码", "身份证号码"), required=False, parse=optional(text)),
        *(representative if with_representative else []),
    ]


def _decision_columns(
    number_headings: tuple[str, ...], date_headings: tuple[str, ...], authority: tuple[str, ...]
) -> list[ImportColumn]:
    return [
        ImportColumn("document_number", (*number_headings, "document_number")),
        ImportColumn("decision_date", (*date_headings, "decision_date"), parse=parse_date),
        ImportColumn("deciding_authority", (*authority, "deciding_authority")),
        ImportColumn(
            "deciding_authority_code",
            (*(f"{h}统一社会信用代码" for h in authority), "deciding_authority_code"),
            required=False,
            parse=optional(text),
        ),
        ImportColumn("source_unit", ("数据来源单位", "source_unit")),
        ImportColumn("source_unit_code", ("数据来源单位统一社会信用代码", "source_unit_code")),
        ImportColumn("remarks", ("备注", "remarks"), required=False, parse=optional(text)),
    ]


def _with_party_code(fields: dict[str, Any]) -> dict[str, Any]:
    uscc = fields.pop("party_uscc", None)
    id_number = fields.pop("party_id_number", None)
    fields["party_code"] = (
        (id_number if fields.get("party_type") is PartyType.NATURAL_PERSON else uscc) or uscc or id_number or ""
    )
    return fields


PENALTY_COLUMNS: tuple[ImportColumn, ...] = (
    *_party_columns(),
    *_decision_columns(("行政处罚决定书文号", "决定书文号"), ("处罚决定日期", "决定日期"), ("处罚机关",)),
    ImportColumn("violation_type", ("违法行为类型", "violation_type")),
    ImportColumn("facts", ("违法事实", "facts")),
    ImportColumn("legal_basis", ("处罚依据", "legal_basis")),
    ImportColumn("penalty_categories", ("处罚类别", "penalty_categories"), parse=parse_penalty_categories),
    ImportColumn("content", ("处罚内容", "content")),
    ImportColumn(
        "fine_amount",
        ("罚款金额（万元）", "罚款金额(万元)", "fine_amount"),
        required=False,
        parse=optional(parse_decimal),
    ),
    ImportColumn(
        "confiscated_amount",
        ("没收违法所得、没收非法财物的金额（万元）", "没收金额（万元）", "confiscated_amount"),
        required=False,
        parse=optional(parse_decimal),
    ),
    ImportColumn("validity_date", ("处罚有效期", "validity_date"), required=False, parse=optional(parse_date)),
    ImportColumn(
        "publicity_end_date", ("公示截止期", "publicity_end_date"), required=False, parse=optional(parse_date)
    ),
    ImportColumn("sub_area", ("领域", "子领域", "sub_area"), required=False, parse=optional(text)),
)

LICENSE_COLUMNS: tuple[ImportColumn, ...] = (
    *_party_columns(),
    *_decision_columns(("行政许可决定文书号", "许可文书号"), ("许可决定日期", "决定日期"), ("许可机关",)),
    ImportColumn("document_title", ("行政许可决定文书名称", "document_title")),
    ImportColumn(
        "license_category", ("许可类别", "license_category"), parse=parse_enum(LicenseCategory, LICENSE_CATEGORY_LABELS)
    ),
    ImportColumn("certificate_name", ("许可证书名称", "certificate_name"), required=False, parse=optional(text)),
    ImportColumn("certificate_number", ("许可编号", "certificate_number"), required=False, parse=optional(text)),
    ImportColumn("content", ("许可内容", "content")),
    ImportColumn("valid_from", ("有效期自", "valid_from"), parse=parse_date),
    ImportColumn("valid_to", ("有效期至", "valid_to"), parse=parse_date),
    ImportColumn(
        "license_status",
        ("当前状态", "license_status"),
        required=False,
        parse=optional(parse_enum(LicenseStatus, LICENSE_STATUS_LABELS)),
    ),
    ImportColumn("sub_area", ("领域", "子领域", "sub_area"), required=False, parse=optional(text)),
)

LIST_COLUMNS: tuple[ImportColumn, ...] = (
    *_party_columns(with_representative=False),
    *_decision_columns(("认定文书号", "列入文书号"), ("列入日期", "认定日期"), ("认定机关",)),
    ImportColumn("list_type", ("名单类型", "红黑榜", "list_type"), parse=parse_enum(ListType, LIST_TYPE_LABELS)),
    ImportColumn("list_name", ("名单名称", "list_name")),
    ImportColumn("reason", ("列入原因", "列入事由", "reason")),
    ImportColumn("removal_date", ("移出日期", "removal_date"), required=False, parse=optional(parse_date)),
    ImportColumn("measures", ("奖惩措施", "measures"), required=False, parse=optional(parse_list)),
    ImportColumn("sub_area", ("领域", "子领域", "sub_area"), required=False, parse=optional(text)),
)


def penalty_input(**fields: Any) -> AdministrativePenaltyInput:
    return AdministrativePenaltyInput(**_with_party_code(fields))


def license_input(**fields: Any) -> AdministrativeLicenseInput:
    return AdministrativeLicenseInput(**_with_party_code(fields))


def list_entry_input(**fields: Any) -> CreditListEntryInput:
    fields.pop("remarks", None)  # list entries carry no remarks column of their own
    return CreditListEntryInput(**_with_party_code(fields))
