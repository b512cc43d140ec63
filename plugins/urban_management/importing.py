"""Bulk import columns: the shared formats' standard columns, and this domain's inspection columns
under the headings urban management departments export (检查结果 spreadsheets)."""

from __future__ import annotations

from typing import Any

from gateway.api import (
    LICENSE_COLUMNS,
    LIST_COLUMNS,
    PENALTY_COLUMNS,
    ImportColumn,
    Importer,
    PartyType,
    license_input,
    list_entry_input,
    optional,
    parse_date,
    parse_enum,
    penalty_input,
    text,
)
from plugins.urban_management import rules
from plugins.urban_management.submissions import INSPECTIONS, LICENSES, LIST_ENTRIES, PENALTIES
from plugins.urban_management.types import UrbanInspectionInput

# The party columns of the double-publicity template (name, type, USCC or ID number), as the shared
# formats read them.
_PARTY_FIELDS = ("party_name", "party_type", "party_uscc", "party_id_number")
_PARTY_COLUMNS = tuple(c for c in PENALTY_COLUMNS if c.field in _PARTY_FIELDS)

INSPECTION_COLUMNS: tuple[ImportColumn, ...] = (
    *_PARTY_COLUMNS,
    ImportColumn("document_number", ("检查文书号", "检查记录编号", "document_number")),
    ImportColumn(
        "inspection_type",
        ("检查类型", "检查方式", "inspection_type"),
        parse=parse_enum(rules.InspectionType, rules.INSPECTION_TYPE_LABELS),
    ),
    ImportColumn("sub_area", ("领域", "子领域", "检查领域", "sub_area")),
    ImportColumn("inspection_item", ("检查事项", "检查内容", "inspection_item")),
    ImportColumn("inspection_date", ("检查日期", "inspection_date"), parse=parse_date),
    ImportColumn(
        "result",
        ("检查结果", "result"),
        parse=parse_enum(rules.InspectionResult, rules.INSPECTION_RESULT_LABELS),
    ),
    ImportColumn("findings", ("检查情况", "发现问题", "findings")),
    ImportColumn(
        "rectification_deadline",
        ("整改期限", "限期整改日期", "rectification_deadline"),
        required=False,
        parse=optional(parse_date),
    ),
    ImportColumn("inspector_unit", ("检查单位", "执法单位", "inspector_unit")),
    ImportColumn("deciding_authority", ("检查机关", "deciding_authority")),
    ImportColumn(
        "deciding_authority_code",
        ("检查机关统一社会信用代码", "deciding_authority_code"),
        required=False,
        parse=optional(text),
    ),
    ImportColumn("source_unit", ("数据来源单位", "source_unit")),
    ImportColumn("source_unit_code", ("数据来源单位统一社会信用代码", "source_unit_code")),
    ImportColumn("remarks", ("备注", "remarks"), required=False, parse=optional(text)),
)


def inspection_input(**fields: Any) -> UrbanInspectionInput:
    """An input from an import row: the party's code from the ID-number column for a natural person,
    from the USCC column otherwise (whichever is filled when only one is)."""
    uscc = fields.pop("party_uscc", None)
    id_number = fields.pop("party_id_number", None)
    preferred = id_number if fields.get("party_type") is PartyType.NATURAL_PERSON else uscc
    fields["party_code"] = preferred or uscc or id_number or ""
    return UrbanInspectionInput(**fields)


IMPORTERS = (
    Importer("penalties", PENALTIES, PENALTY_COLUMNS, penalty_input, "行政处罚 (double-publicity format)"),
    Importer("licenses", LICENSES, LICENSE_COLUMNS, license_input, "行政许可 (double-publicity format)"),
    Importer("list-entries", LIST_ENTRIES, LIST_COLUMNS, list_entry_input, "门前三包 红黑榜 entries"),
    Importer("inspections", INSPECTIONS, INSPECTION_COLUMNS, inspection_input, "检查结果 (inspection results)"),
)
