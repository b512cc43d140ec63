"""Bulk import: the columns of the files housing-and-construction departments export.

Each column names the input field it fills, the headings it may appear under (the Chinese ones,
then the field's own name, the key in JSON Lines files), and how its cell text is parsed. The import
runner compares headings after NFKC normalisation, so 公示期限（月） also matches 公示期限(月). Rows are then
validated and written by the same record kinds as the mutations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.api import (
    ImportColumn,
    Importer,
    Severity,
    SubjectKind,
    optional,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_int,
    text,
)
from plugins.construction import rules
from plugins.construction.submissions import BLACKLIST_ENTRIES, CONDUCT_RECORDS, QUALIFICATIONS, REGISTRATIONS
from plugins.construction.types import (
    ConstructionBlacklistEntryInput,
    ConstructionConductRecordInput,
    ConstructionQualificationInput,
    RegisteredPractitionerInput,
)


def _column(field: str, *headings: str, parse: Callable[[str], Any] = text, required: bool = True) -> ImportColumn:
    """A column under its Chinese headings, or under the field's own name (JSON Lines keys)."""
    return ImportColumn(field, (*headings, field), required=required, parse=parse)


PARTY_TYPE = _column(
    "party_type",
    "主体类别",
    "行政相对人类别",
    "当事人类别",
    parse=parse_enum(SubjectKind, rules.PARTY_TYPE_LABELS),
)
# Who decided and who submits: the same in every file.
DECISION_COLUMNS = (
    _column("deciding_authority", "实施机关", "处罚机关", "认定机关"),
    _column(
        "deciding_authority_code",
        "实施机关统一社会信用代码",
        "处罚机关统一社会信用代码",
        "认定机关统一社会信用代码",
    ),
    _column("source_unit", "数据来源单位"),
    _column("source_unit_code", "数据来源单位统一社会信用代码"),
)
ENTERPRISE_COLUMNS = (
    _column("subject_name", "企业名称", "当事人名称", "行政相对人名称"),
    _column("subject_code", "统一社会信用代码", "行政相对人代码", "证件号码"),
)

CONDUCT_COLUMNS = (
    *ENTERPRISE_COLUMNS,
    PARTY_TYPE,
    _column(
        "document_number",
        "不良行为记录编号",
        "良好行为记录编号",
        "记录编号",
        "决定文书号",
        "处罚决定书文号",
    ),
    _column("conduct", "行为性质", "记录类型", parse=parse_enum(rules.ConductType, rules.CONDUCT_TYPE_LABELS)),
    _column(
        "behaviour_category",
        "行为类别",
        "不良行为类别",
        parse=parse_enum(rules.BehaviourCategory, rules.BEHAVIOUR_CATEGORY_LABELS),
    ),
    _column("facts", "事实", "主要事实", "违法事实"),
    _column("decision_content", "处罚决定内容", "决定内容", "奖励内容"),
    _column(
        "severity",
        "严重程度",
        "失信程度",
        parse=optional(parse_enum(Severity, rules.SEVERITY_LABELS)),
        required=False,
    ),
    _column(
        "publicity_months",
        "公示期限（月）",
        "公开期限（月）",
        parse=optional(parse_int),
        required=False,
    ),
    _column(
        "penalty_months",
        "处罚期限（月）",
        parse=optional(parse_int),
        required=False,
    ),
    _column(
        "fine_amount",
        "罚款金额（元）",
        "罚款金额",
        parse=optional(parse_decimal),
        required=False,
    ),
    _column("decision_date", "决定日期", "处罚决定日期", "认定日期", parse=parse_date),
    *DECISION_COLUMNS,
)

BLACKLIST_COLUMNS = (
    *ENTERPRISE_COLUMNS,
    PARTY_TYPE,
    _column("document_number", "列入决定文书号", "决定文书号", "文书号"),
    _column(
        "criterion",
        "列入事由",
        "列入情形",
        parse=parse_enum(rules.BlacklistCriterion, rules.BLACKLIST_CRITERION_LABELS),
    ),
    _column("facts", "事实", "主要事实", "失信行为"),
    _column("decision_date", "列入日期", "决定日期", "认定日期", parse=parse_date),
    _column("removal_due", "移出日期", "预计移出日期", "公开截止日期", parse=parse_date),
    *DECISION_COLUMNS,
)

QUALIFICATION_COLUMNS = (
    *ENTERPRISE_COLUMNS,
    _column("certificate_number", "资质证书编号", "证书编号"),
    _column(
        "qualification_category",
        "资质类别",
        parse=parse_enum(rules.QualificationCategory, rules.QUALIFICATION_CATEGORY_LABELS),
    ),
    _column("specialty", "资质专业", "资质名称"),
    _column("grade", "资质等级", parse=parse_enum(rules.QualificationGrade, rules.QUALIFICATION_GRADE_LABELS)),
    _column("decision_date", "发证日期", "批准日期", parse=parse_date),
    _column("valid_from", "有效期自", "有效期起", parse=parse_date),
    _column("valid_until", "有效期至", parse=parse_date),
    *DECISION_COLUMNS,
)

PRACTITIONER_COLUMNS = (
    _column("subject_name", "姓名"),
    _column("subject_code", "身份证号码", "证件号码"),
    _column("certificate_number", "注册证书编号", "注册编号"),
    _column(
        "registration_type",
        "注册类别",
        parse=parse_enum(rules.RegistrationType, rules.REGISTRATION_TYPE_LABELS),
    ),
    _column("specialty", "注册专业", parse=optional(text), required=False),
    _column("employer_name", "注册单位名称", "聘用单位"),
    _column("employer_code", "注册单位统一社会信用代码", "聘用单位统一社会信用代码"),
    _column("decision_date", "注册日期", parse=parse_date),
    _column("valid_until", "有效期至", "注册有效期至", parse=parse_date),
    *DECISION_COLUMNS,
)

IMPORTERS = (
    Importer(
        "conduct",
        CONDUCT_RECORDS,
        CONDUCT_COLUMNS,
        ConstructionConductRecordInput,
        "Good- and bad-conduct records (良好/不良行为记录).",
    ),
    Importer(
        "blacklist",
        BLACKLIST_ENTRIES,
        BLACKLIST_COLUMNS,
        ConstructionBlacklistEntryInput,
        "Black-list entries (建筑市场主体黑名单).",
    ),
    Importer(
        "qualifications",
        QUALIFICATIONS,
        QUALIFICATION_COLUMNS,
        ConstructionQualificationInput,
        "Enterprise qualifications (企业资质).",
    ),
    Importer(
        "practitioners",
        REGISTRATIONS,
        PRACTITIONER_COLUMNS,
        RegisteredPractitionerInput,
        "Registered practitioners (注册执业人员) with their employers.",
    ),
)
