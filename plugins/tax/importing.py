"""Import columns of the tax domain, under the headings tax bureaus export."""

from __future__ import annotations

from gateway.api import ImportColumn, Importer, optional, parse_date, parse_decimal, parse_enum, parse_int, text
from plugins.tax import rules
from plugins.tax.submissions import RATINGS, VIOLATIONS
from plugins.tax.types import MajorTaxViolationInput, TaxCreditRatingInput

_VIOLATION_LABELS = {
    "偷税": rules.ViolationType.TAX_EVASION,
    "逃税": rules.ViolationType.TAX_EVASION,
    "虚开增值税专用发票": rules.ViolationType.FAKE_VAT_INVOICE,
    "虚开发票": rules.ViolationType.FAKE_VAT_INVOICE,
    "骗取出口退税": rules.ViolationType.EXPORT_REFUND_FRAUD,
    "逃避追缴欠税": rules.ViolationType.TAX_ARREARS_EVASION,
    "抗税": rules.ViolationType.TAX_RESISTANCE,
    "其他": rules.ViolationType.OTHER,
}

_DECISION = (
    ImportColumn("subject_name", ("纳税人名称", "subject_name")),
    ImportColumn("subject_code", ("统一社会信用代码", "纳税人识别号", "subject_code")),
    ImportColumn("deciding_authority", ("评价机关", "检查机关", "deciding_authority")),
    ImportColumn(
        "deciding_authority_code", ("评价机关统一社会信用代码", "检查机关统一社会信用代码", "deciding_authority_code")
    ),
    ImportColumn("source_unit", ("数据来源单位", "source_unit")),
    ImportColumn("source_unit_code", ("数据来源单位统一社会信用代码", "source_unit_code")),
)

RATING_COLUMNS = (
    *_DECISION,
    ImportColumn("year", ("评价年度", "year"), parse=parse_int),
    ImportColumn("grade", ("纳税信用级别", "信用级别", "grade"), parse=parse_enum(rules.TaxGrade)),
    ImportColumn("score", ("评价得分", "score"), required=False, parse=optional(parse_decimal)),
    ImportColumn(
        "direct_assignment_reason", ("直接判级原因", "direct_assignment_reason"), required=False, parse=optional(text)
    ),
    ImportColumn("decision_date", ("评价日期", "发布日期", "decision_date"), parse=parse_date),
)

VIOLATION_COLUMNS = (
    *_DECISION,
    ImportColumn("document_number", ("决定文书号", "document_number")),
    ImportColumn(
        "violation_type",
        ("案件性质", "违法类型", "violation_type"),
        parse=parse_enum(rules.ViolationType, _VIOLATION_LABELS),
    ),
    ImportColumn("facts", ("主要违法事实", "facts")),
    ImportColumn("amount_involved", ("涉案金额（元）", "涉案金额", "amount_involved"), parse=parse_decimal),
    ImportColumn("tax_due", ("应纳税额（元）", "应纳税额", "tax_due"), required=False, parse=optional(parse_decimal)),
    ImportColumn("legal_basis", ("法律依据", "legal_basis")),
    ImportColumn("penalty", ("处理处罚情况", "penalty")),
    ImportColumn("decision_date", ("决定日期", "decision_date"), parse=parse_date),
)

IMPORTERS = (
    Importer("ratings", RATINGS, RATING_COLUMNS, TaxCreditRatingInput, "Annual tax credit ratings."),
    Importer("violations", VIOLATIONS, VIOLATION_COLUMNS, MajorTaxViolationInput, "Major tax violation listings."),
)
