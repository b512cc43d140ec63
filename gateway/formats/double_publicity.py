"""The double-publicity format (双公示): administrative penalties (行政处罚) and licences (行政许可).

Fields follow the national 双公示 data format. A domain declares the format with its own name::

    URBAN = DoublePublicity(domain="urban_management", sub_areas={"OUTDOOR_ADVERTISING": "户外广告", ...})
    URBAN.penalties   # a RecordKind: validate, deduplicate on (source unit, document number), write
    URBAN.licenses

and gets the GraphQL types ``AdministrativePenalty`` and ``AdministrativeLicense`` (shared by every
domain, told apart by ``domain``), the inputs, and the import columns with the standard headings.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from gateway.db.tables import admin_license, admin_penalty
from gateway.formats.common import (
    PartyType,
    detail_writer,
    document_key_finder,
    document_submission,
    read_decision,
    read_party,
    read_sub_area,
)
from gateway.kernel.limits import MAX_AMOUNT_WAN, MAX_NAME, MAX_TEXT
from gateway.kernel.parsing import stored_enum
from gateway.records.enums import Polarity, Severity
from gateway.write.submissions import ItemError, RecordKind, Submission, SubmissionPolicy, Validated
from gateway.write.validation import ItemReader

PENALTY_TYPE = "AdministrativePenalty"
LICENSE_TYPE = "AdministrativeLicense"
PENALTY_CATEGORY = "ADMINISTRATIVE_PENALTY"
LICENSE_CATEGORY = "ADMINISTRATIVE_LICENSE"
SIX_DECIMALS = Decimal("0.000001")  # 万元 to six decimals is exact to the cent


class PenaltyCategory(enum.StrEnum):
    """处罚类别."""

    WARNING = "WARNING"  # 警告
    PUBLIC_CRITICISM = "PUBLIC_CRITICISM"  # 通报批评
    FINE = "FINE"  # 罚款
    CONFISCATION = "CONFISCATION"  # 没收违法所得、没收非法财物
    LICENSE_SUSPENSION = "LICENSE_SUSPENSION"  # 暂扣许可证件
    QUALIFICATION_DOWNGRADE = "QUALIFICATION_DOWNGRADE"  # 降低资质等级
    LICENSE_REVOCATION = "LICENSE_REVOCATION"  # 吊销许可证件
    BUSINESS_RESTRICTION = "BUSINESS_RESTRICTION"  # 限制开展生产经营活动
    SUSPENSION_OF_PRODUCTION = "SUSPENSION_OF_PRODUCTION"  # 责令停产停业
    CLOSURE = "CLOSURE"  # 责令关闭
    PRACTICE_RESTRICTION = "PRACTICE_RESTRICTION"  # 限制从业
    DETENTION = "DETENTION"  # 行政拘留
    OTHER = "OTHER"  # 其他


PENALTY_CATEGORY_LABELS = {
    "警告": PenaltyCategory.WARNING,
    "通报批评": PenaltyCategory.PUBLIC_CRITICISM,
    "罚款": PenaltyCategory.FINE,
    "没收违法所得": PenaltyCategory.CONFISCATION,
    "没收非法财物": PenaltyCategory.CONFISCATION,
    "没收违法所得、没收非法财物": PenaltyCategory.CONFISCATION,
    "暂扣许可证件": PenaltyCategory.LICENSE_SUSPENSION,
    "降低资质等级": PenaltyCategory.QUALIFICATION_DOWNGRADE,
    "吊销许可证件": PenaltyCategory.LICENSE_REVOCATION,
    "限制开展生产经营活动": PenaltyCategory.BUSINESS_RESTRICTION,
    "责令停产停业": PenaltyCategory.SUSPENSION_OF_PRODUCTION,
    "责令关闭": PenaltyCategory.CLOSURE,
    "限制从业": PenaltyCategory.PRACTICE_RESTRICTION,
    "行政拘留": PenaltyCategory.DETENTION,
    "其他": PenaltyCategory.OTHER,
}

# Without an explicit severity, the heaviest category decides it (the publicity windows follow it).
_SERIOUS = {
    PenaltyCategory.LICENSE_REVOCATION,
    PenaltyCategory.CLOSURE,
    PenaltyCategory.DETENTION,
    PenaltyCategory.SUSPENSION_OF_PRODUCTION,
    PenaltyCategory.BUSINESS_RESTRICTION,
    PenaltyCategory.QUALIFICATION_DOWNGRADE,
    PenaltyCategory.PRACTICE_RESTRICTION,
    PenaltyCategory.LICENSE_SUSPENSION,
}
_MINOR = {PenaltyCategory.WARNING, PenaltyCategory.PUBLIC_CRITICISM}


def default_severity(categories: Sequence[PenaltyCategory]) -> Severity:
    if _SERIOUS & set(categories):
        return Severity.SERIOUS
    if set(categories) <= _MINOR:
        return Severity.MINOR
    return Severity.GENERAL


class LicenseCategory(enum.StrEnum):
    """许可类别."""

    ORDINARY = "ORDINARY"  # 普通
    FRANCHISE = "FRANCHISE"  # 特许
    RECOGNITION = "RECOGNITION"  # 认可
    APPROVAL = "APPROVAL"  # 核准
    REGISTRATION = "REGISTRATION"  # 登记
    OTHER = "OTHER"  # 其他


LICENSE_CATEGORY_LABELS = {
    "普通": LicenseCategory.ORDINARY,
    "特许": LicenseCategory.FRANCHISE,
    "认可": LicenseCategory.RECOGNITION,
    "核准": LicenseCategory.APPROVAL,
    "登记": LicenseCategory.REGISTRATION,
    "其他": LicenseCategory.OTHER,
}


class LicenseStatus(enum.StrEnum):
    """当前状态."""

    VALID = "VALID"  # 有效
    INVALID = "INVALID"  # 无效 (revoked, cancelled, withdrawn)


LICENSE_STATUS_LABELS = {"有效": LicenseStatus.VALID, "无效": LicenseStatus.INVALID}


def join_categories(categories: Sequence[PenaltyCategory]) -> str:
    return ",".join(sorted({c.value for c in categories}))


_PENALTY_CATEGORY = stored_enum(PenaltyCategory)


def split_categories(stored: str) -> list[PenaltyCategory]:
    category = _PENALTY_CATEGORY
    return [category(code) for code in stored.split(",") if code]


@dataclass(frozen=True)
class DoublePublicity:
    """The double-publicity format as one domain holds it.

    ``sub_areas`` maps the domain's sub-area codes to labels (an urban-management penalty may be
    about outdoor advertising, street merchants, …); a record's ``subArea`` must be one of them, and
    is refused when the domain declares none.
    """

    domain: str
    sub_areas: Mapping[str, str] = field(default_factory=dict)

    @property
    def penalties(self) -> RecordKind:
        return RecordKind(
            "penalties", self.validate_penalties, document_key_finder(admin_penalty), detail_writer(admin_penalty)
        )

    @property
    def licenses(self) -> RecordKind:
        return RecordKind(
            "licenses", self.validate_licenses, document_key_finder(admin_license), detail_writer(admin_license)
        )

    def validate_penalties(self, inputs: Sequence[Any], policy: SubmissionPolicy) -> Validated:
        errors: list[ItemError] = []
        return Validated([self._penalty(ItemReader(i, errors), raw, policy) for i, raw in enumerate(inputs)], errors)

    def _penalty(self, reader: ItemReader, raw: Any, policy: SubmissionPolicy) -> Submission | None:
        party = read_party(reader, policy, raw.party_code, raw.party_name, raw.party_type)
        decision = read_decision(reader, policy, raw)
        representative = reader.string("legalRepresentative", raw.legal_representative, MAX_NAME, required=False)
        violation_type = reader.string("violationType", raw.violation_type, MAX_NAME)
        facts = reader.string("facts", raw.facts, MAX_TEXT)
        basis = reader.string("legalBasis", raw.legal_basis, MAX_TEXT)
        content = reader.string("content", raw.content, MAX_TEXT)
        remarks = reader.string("remarks", raw.remarks, MAX_TEXT, required=False)
        fine = reader.decimal("fineAmount", raw.fine_amount, MAX_AMOUNT_WAN, places=SIX_DECIMALS)
        confiscated = reader.decimal("confiscatedAmount", raw.confiscated_amount, MAX_AMOUNT_WAN, places=SIX_DECIMALS)
        categories = list(dict.fromkeys(raw.penalty_categories or []))
        if not categories:
            reader.fail("penaltyCategories", "name at least one penalty category")
        if PenaltyCategory.FINE in categories and not fine and "fineAmount" not in reader.failed:
            reader.fail("fineAmount", "a FINE needs the fine amount (万元)")
        for name, later in (("validityDate", raw.validity_date), ("publicityEndDate", raw.publicity_end_date)):
            if later is not None and later < raw.decision_date:
                reader.fail(name, "must not be before the decision date")
        sub_area = read_sub_area(reader, self.sub_areas, raw.sub_area)
        if reader.failed or party is None or decision is None:
            return None
        severity = raw.severity or default_severity(categories)
        envelope = decision.envelope(self.domain, PENALTY_TYPE, PENALTY_CATEGORY, Polarity.NEGATIVE, severity)
        detail = {
            "party_type": raw.party_type.value,
            "legal_representative": representative,
            "violation_type": violation_type,
            "facts": facts,
            "legal_basis": basis,
            "penalty_categories": join_categories(categories),
            "content": content,
            "fine_amount": fine,
            "confiscated_amount": confiscated,
            "validity_date": raw.validity_date,
            "publicity_end_date": raw.publicity_end_date,
            "sub_area": sub_area,
            "remarks": remarks,
        }
        return document_submission(party, envelope, detail)

    def validate_licenses(self, inputs: Sequence[Any], policy: SubmissionPolicy) -> Validated:
        errors: list[ItemError] = []
        return Validated([self._license(ItemReader(i, errors), raw, policy) for i, raw in enumerate(inputs)], errors)

    def _license(self, reader: ItemReader, raw: Any, policy: SubmissionPolicy) -> Submission | None:
        party = read_party(reader, policy, raw.party_code, raw.party_name, raw.party_type)
        decision = read_decision(reader, policy, raw)
        representative = reader.string("legalRepresentative", raw.legal_representative, MAX_NAME, required=False)
        title = reader.string("documentTitle", raw.document_title, MAX_NAME)
        certificate_name = reader.string("certificateName", raw.certificate_name, MAX_NAME, required=False)
        certificate_number = reader.string("certificateNumber", raw.certificate_number, 128, required=False)
        content = reader.string("content", raw.content, MAX_TEXT)
        remarks = reader.string("remarks", raw.remarks, MAX_TEXT, required=False)
        if raw.valid_to < raw.valid_from:
            reader.fail("validTo", "must not be before validFrom")
        # A timedelta, not replace(year=...): a 29 February decision has no such day a year before.
        if raw.valid_from < raw.decision_date - timedelta(days=366):
            reader.fail("validFrom", "must not be more than a year before the decision date")
        sub_area = read_sub_area(reader, self.sub_areas, raw.sub_area)
        if reader.failed or party is None or decision is None:
            return None
        envelope = decision.envelope(self.domain, LICENSE_TYPE, LICENSE_CATEGORY, Polarity.NEUTRAL, None)
        detail = {
            "party_type": raw.party_type.value,
            "legal_representative": representative,
            "document_title": title,
            "license_category": raw.license_category.value,
            "certificate_name": certificate_name,
            "certificate_number": certificate_number,
            "content": content,
            "valid_from": raw.valid_from,
            "valid_to": raw.valid_to,
            "license_status": (raw.license_status or LicenseStatus.VALID).value,
            "sub_area": sub_area,
            "remarks": remarks,
        }
        return document_submission(party, envelope, detail)


__all__ = [
    "LICENSE_CATEGORY_LABELS",
    "LICENSE_STATUS_LABELS",
    "PENALTY_CATEGORY_LABELS",
    "DoublePublicity",
    "LicenseCategory",
    "LicenseStatus",
    "PartyType",
    "PenaltyCategory",
    "default_severity",
]
