"""The domain rules of construction market credit (建筑市场信用), free of GraphQL and SQL so they can be
read and tested alone.

Numbers follow the national construction market credit rules: good-conduct records are published
for 3 years; bad-conduct records for 6 months to 3 years, never shorter than the penalty they
record; the black list takes enterprises for false qualification material, illegal subcontracting
or lending a qualification, major accidents and unpaid construction payments. Qualification
grades follow the qualification standards: 特级 only for general contracting, 综合资质 and
甲/乙/丙级 for survey, design and supervision, 一/二/三级 for contracting, none for construction labour.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from gateway.api import ListType, Polarity, Severity, SubjectKind, list_category

DOMAIN = "construction"
RECORDS_LOADER = f"{DOMAIN}.records"  # keyed by subject id: every construction record of the subject
PRACTITIONERS_LOADER = f"{DOMAIN}.practitioners"  # keyed by employer subject id

# The Construction Law (中华人民共和国建筑法) took effect on 1998-03-01; earlier dates are typing errors.
EARLIEST_DECISION = date(1998, 3, 1)

QUALIFICATION_RECORD_TYPE = "ConstructionQualification"
QUALIFICATION_CATEGORY = "QUALIFICATION"
CONDUCT_RECORD_TYPE = "ConstructionConductRecord"
GOOD_CONDUCT_CATEGORY = "GOOD_CONDUCT"
BAD_CONDUCT_CATEGORY = "BAD_CONDUCT"
BLACKLIST_RECORD_TYPE = "ConstructionBlacklistEntry"
# The shared lists' category (BLACK_LIST): the listing is also a shared-format list entry (credit_list_entry),
# so every published list (Query.creditLists) shows the construction black list too (migration construction_0002).
BLACKLIST_CATEGORY = list_category(ListType.BLACK)
BLACK_LIST_NAME = "建筑市场主体“黑名单”"
REGISTRATION_RECORD_TYPE = "RegisteredPractitioner"
REGISTRATION_CATEGORY = "PRACTITIONER_REGISTRATION"

# A listing is always negative and serious: it is published for years.
BLACKLIST_SEVERITY = Severity.SERIOUS

# The joint punishments a listing triggers (联合惩戒), as the shared list entry's measures.
BLACK_LIST_MEASURES: dict[str, str] = {
    "RESTRICTED_FROM_TENDERING": "限制参加工程招标投标",
    "RESTRICTED_QUALIFICATIONS": "限制资质申请、升级和增项",
    "INCREASED_INSPECTION": "列为重点监管对象，提高检查频次",
    "PUBLIC_EXPOSURE": "通过信用中国等网站公开曝光",
}


def black_list_entry(facts: str, removal_due: date) -> dict[str, object]:
    """The shared-format list entry (credit_list_entry's columns) of a listing: what every published list shows."""
    return {
        "list_type": ListType.BLACK.value,
        "list_name": BLACK_LIST_NAME,
        "reason": facts,
        "removal_date": removal_due,
        "measures": ",".join(BLACK_LIST_MEASURES),
        "sub_area": None,
    }


# Publicity (公开期限) of conduct records, in months from the decision date.
GOOD_CONDUCT_PUBLICITY_MONTHS = 36
BAD_CONDUCT_MIN_PUBLICITY_MONTHS = 6
BAD_CONDUCT_MAX_PUBLICITY_MONTHS = 36

# Who may be the subject of each kind of record. Qualifications are held by enterprises and
# institutions; practitioners are people; conduct records and listings may concern any party.
QUALIFICATION_HOLDERS = frozenset({SubjectKind.LEGAL_PERSON, SubjectKind.OTHER_ORGANIZATION})
EMPLOYER_KINDS = QUALIFICATION_HOLDERS
PRACTITIONER_KINDS = frozenset({SubjectKind.NATURAL_PERSON})
ANY_PARTY = frozenset(SubjectKind)


class QualificationCategory(enum.StrEnum):
    GENERAL_CONTRACTING = "GENERAL_CONTRACTING"
    SPECIALTY_CONTRACTING = "SPECIALTY_CONTRACTING"
    CONSTRUCTION_LABOUR = "CONSTRUCTION_LABOUR"
    SURVEY = "SURVEY"
    DESIGN = "DESIGN"
    SUPERVISION = "SUPERVISION"


class QualificationGrade(enum.StrEnum):
    SPECIAL = "SPECIAL"
    FIRST = "FIRST"
    SECOND = "SECOND"
    THIRD = "THIRD"
    COMPREHENSIVE = "COMPREHENSIVE"
    CLASS_A = "CLASS_A"
    CLASS_B = "CLASS_B"
    CLASS_C = "CLASS_C"
    UNGRADED = "UNGRADED"


class ConductType(enum.StrEnum):
    GOOD = "GOOD"
    BAD = "BAD"


class BehaviourCategory(enum.StrEnum):
    # Good conduct (良好行为)
    COMMENDATION = "COMMENDATION"
    PROJECT_AWARD = "PROJECT_AWARD"
    # Bad conduct (不良行为), as the national recognition standard groups it
    QUALIFICATION = "QUALIFICATION"
    CONTRACTING = "CONTRACTING"
    QUALITY = "QUALITY"
    SAFETY = "SAFETY"
    PAYMENT_ARREARS = "PAYMENT_ARREARS"
    PRACTICE = "PRACTICE"
    # Either
    OTHER = "OTHER"


class BlacklistCriterion(enum.StrEnum):
    FALSE_QUALIFICATION_MATERIAL = "FALSE_QUALIFICATION_MATERIAL"
    ILLEGAL_SUBCONTRACTING = "ILLEGAL_SUBCONTRACTING"
    QUALIFICATION_LENDING = "QUALIFICATION_LENDING"
    MAJOR_ACCIDENT = "MAJOR_ACCIDENT"
    UNPAID_CONSTRUCTION_PAYMENT = "UNPAID_CONSTRUCTION_PAYMENT"


class RegistrationType(enum.StrEnum):
    FIRST_CLASS_CONSTRUCTOR = "FIRST_CLASS_CONSTRUCTOR"
    SECOND_CLASS_CONSTRUCTOR = "SECOND_CLASS_CONSTRUCTOR"
    SUPERVISION_ENGINEER = "SUPERVISION_ENGINEER"
    FIRST_CLASS_STRUCTURAL_ENGINEER = "FIRST_CLASS_STRUCTURAL_ENGINEER"
    SECOND_CLASS_STRUCTURAL_ENGINEER = "SECOND_CLASS_STRUCTURAL_ENGINEER"
    FIRST_CLASS_COST_ENGINEER = "FIRST_CLASS_COST_ENGINEER"
    SECOND_CLASS_COST_ENGINEER = "SECOND_CLASS_COST_ENGINEER"
    FIRST_CLASS_ARCHITECT = "FIRST_CLASS_ARCHITECT"
    SECOND_CLASS_ARCHITECT = "SECOND_CLASS_ARCHITECT"
    GEOTECHNICAL_ENGINEER = "GEOTECHNICAL_ENGINEER"


# Chinese labels, as departments write them (import files, demo data). The first label of a
# member is its name; later ones are accepted synonyms.
QUALIFICATION_CATEGORY_LABELS: Mapping[str, QualificationCategory] = {
    "施工总承包": QualificationCategory.GENERAL_CONTRACTING,
    "专业承包": QualificationCategory.SPECIALTY_CONTRACTING,
    "施工劳务": QualificationCategory.CONSTRUCTION_LABOUR,
    "工程勘察": QualificationCategory.SURVEY,
    "勘察": QualificationCategory.SURVEY,
    "工程设计": QualificationCategory.DESIGN,
    "设计": QualificationCategory.DESIGN,
    "工程监理": QualificationCategory.SUPERVISION,
    "监理": QualificationCategory.SUPERVISION,
}
QUALIFICATION_GRADE_LABELS: Mapping[str, QualificationGrade] = {
    "特级": QualificationGrade.SPECIAL,
    "一级": QualificationGrade.FIRST,
    "二级": QualificationGrade.SECOND,
    "三级": QualificationGrade.THIRD,
    "综合资质": QualificationGrade.COMPREHENSIVE,
    "综合": QualificationGrade.COMPREHENSIVE,
    "甲级": QualificationGrade.CLASS_A,
    "乙级": QualificationGrade.CLASS_B,
    "丙级": QualificationGrade.CLASS_C,
    "不分等级": QualificationGrade.UNGRADED,
}
CONDUCT_TYPE_LABELS: Mapping[str, ConductType] = {
    "良好行为": ConductType.GOOD,
    "良好": ConductType.GOOD,
    "良好行为记录": ConductType.GOOD,
    "不良行为": ConductType.BAD,
    "不良": ConductType.BAD,
    "不良行为记录": ConductType.BAD,
}
BEHAVIOUR_CATEGORY_LABELS: Mapping[str, BehaviourCategory] = {
    "表彰奖励": BehaviourCategory.COMMENDATION,
    "工程获奖": BehaviourCategory.PROJECT_AWARD,
    "资质不良行为": BehaviourCategory.QUALIFICATION,
    "资质": BehaviourCategory.QUALIFICATION,
    "承揽业务不良行为": BehaviourCategory.CONTRACTING,
    "承揽业务": BehaviourCategory.CONTRACTING,
    "工程质量不良行为": BehaviourCategory.QUALITY,
    "工程质量": BehaviourCategory.QUALITY,
    "工程安全不良行为": BehaviourCategory.SAFETY,
    "工程安全": BehaviourCategory.SAFETY,
    "拖欠工程款或工人工资不良行为": BehaviourCategory.PAYMENT_ARREARS,
    "拖欠工程款或工人工资": BehaviourCategory.PAYMENT_ARREARS,
    "执业不良行为": BehaviourCategory.PRACTICE,
    "其他": BehaviourCategory.OTHER,
}
SEVERITY_LABELS: Mapping[str, Severity] = {"一般": Severity.GENERAL, "严重": Severity.SERIOUS, "轻微": Severity.MINOR}
BLACKLIST_CRITERION_LABELS: Mapping[str, BlacklistCriterion] = {
    "利用虚假材料、以欺骗手段取得企业资质": BlacklistCriterion.FALSE_QUALIFICATION_MATERIAL,
    "虚假资质材料": BlacklistCriterion.FALSE_QUALIFICATION_MATERIAL,
    "转包、违法分包": BlacklistCriterion.ILLEGAL_SUBCONTRACTING,
    "违法分包": BlacklistCriterion.ILLEGAL_SUBCONTRACTING,
    "转包": BlacklistCriterion.ILLEGAL_SUBCONTRACTING,
    "出借资质": BlacklistCriterion.QUALIFICATION_LENDING,
    "发生重大及以上工程质量安全事故": BlacklistCriterion.MAJOR_ACCIDENT,
    "重大工程质量安全事故": BlacklistCriterion.MAJOR_ACCIDENT,
    "拖欠工程款且拒不履行生效法律文书": BlacklistCriterion.UNPAID_CONSTRUCTION_PAYMENT,
    "拖欠工程款": BlacklistCriterion.UNPAID_CONSTRUCTION_PAYMENT,
}
REGISTRATION_TYPE_LABELS: Mapping[str, RegistrationType] = {
    "一级注册建造师": RegistrationType.FIRST_CLASS_CONSTRUCTOR,
    "二级注册建造师": RegistrationType.SECOND_CLASS_CONSTRUCTOR,
    "注册监理工程师": RegistrationType.SUPERVISION_ENGINEER,
    "一级注册结构工程师": RegistrationType.FIRST_CLASS_STRUCTURAL_ENGINEER,
    "二级注册结构工程师": RegistrationType.SECOND_CLASS_STRUCTURAL_ENGINEER,
    "一级注册造价工程师": RegistrationType.FIRST_CLASS_COST_ENGINEER,
    # Before 2018 there was one class only; those registrations became the first class.
    "注册造价工程师": RegistrationType.FIRST_CLASS_COST_ENGINEER,
    "二级注册造价工程师": RegistrationType.SECOND_CLASS_COST_ENGINEER,
    "一级注册建筑师": RegistrationType.FIRST_CLASS_ARCHITECT,
    "二级注册建筑师": RegistrationType.SECOND_CLASS_ARCHITECT,
    "注册土木工程师（岩土）": RegistrationType.GEOTECHNICAL_ENGINEER,
}
# Not the core's PARTY_TYPE_LABELS: a construction party type is a SubjectKind, so 非法人组织 is an
# OTHER_ORGANIZATION rather than a legal person, and 企业 is accepted.
PARTY_TYPE_LABELS: Mapping[str, SubjectKind] = {
    "法人及非法人组织": SubjectKind.LEGAL_PERSON,
    "法人": SubjectKind.LEGAL_PERSON,
    "企业": SubjectKind.LEGAL_PERSON,
    "非法人组织": SubjectKind.OTHER_ORGANIZATION,
    "个体工商户": SubjectKind.INDIVIDUAL_BUSINESS,
    "自然人": SubjectKind.NATURAL_PERSON,
}


def label(labels: Mapping[str, enum.Enum], member: enum.Enum) -> str:
    """The Chinese name of an enum member: its first label."""
    return next(text for text, value in labels.items() if value is member)


_CONTRACTING_GRADES = frozenset({QualificationGrade.FIRST, QualificationGrade.SECOND, QualificationGrade.THIRD})
_SERVICE_GRADES = frozenset(
    {
        QualificationGrade.COMPREHENSIVE,
        QualificationGrade.CLASS_A,
        QualificationGrade.CLASS_B,
        QualificationGrade.CLASS_C,
    }
)
GRADES_BY_CATEGORY: Mapping[QualificationCategory, frozenset[QualificationGrade]] = {
    QualificationCategory.GENERAL_CONTRACTING: _CONTRACTING_GRADES | {QualificationGrade.SPECIAL},
    QualificationCategory.SPECIALTY_CONTRACTING: _CONTRACTING_GRADES | {QualificationGrade.UNGRADED},
    QualificationCategory.CONSTRUCTION_LABOUR: frozenset({QualificationGrade.UNGRADED}),
    QualificationCategory.SURVEY: _SERVICE_GRADES,
    QualificationCategory.DESIGN: _SERVICE_GRADES,
    QualificationCategory.SUPERVISION: _SERVICE_GRADES,
}

GOOD_BEHAVIOURS = frozenset({BehaviourCategory.COMMENDATION, BehaviourCategory.PROJECT_AWARD, BehaviourCategory.OTHER})
BAD_BEHAVIOURS = frozenset(BehaviourCategory) - {BehaviourCategory.COMMENDATION, BehaviourCategory.PROJECT_AWARD}


def grade_problems(category: QualificationCategory, grade: QualificationGrade) -> list[tuple[str, str]]:
    allowed = GRADES_BY_CATEGORY[category]
    if grade in allowed:
        return []
    names = ", ".join(sorted(g.value for g in allowed))
    return [("grade", f"a {category.value} qualification is graded {names}, not {grade.value}")]


def conduct_polarity(conduct: ConductType) -> Polarity:
    return Polarity.POSITIVE if conduct is ConductType.GOOD else Polarity.NEGATIVE


def conduct_category(conduct: ConductType) -> str:
    return GOOD_CONDUCT_CATEGORY if conduct is ConductType.GOOD else BAD_CONDUCT_CATEGORY


def conduct_problems(
    conduct: ConductType,
    behaviour: BehaviourCategory,
    severity: Severity | None,
    publicity_months: int | None,
    penalty_months: int | None,
    fine_amount: Decimal | None,
) -> list[tuple[str, str]]:
    """What is inconsistent in a conduct record; ``(field, message)`` pairs, empty when consistent."""
    problems: list[tuple[str, str]] = []
    if conduct is ConductType.GOOD:
        if behaviour not in GOOD_BEHAVIOURS:
            problems.append(("behaviourCategory", f"{behaviour.value} is a kind of bad conduct, not of good conduct"))
        if severity is not None:
            problems.append(("severity", "good conduct has no severity"))
        if penalty_months is not None:
            problems.append(("penaltyMonths", "good conduct carries no penalty"))
        if fine_amount is not None:
            problems.append(("fineAmount", "good conduct carries no fine"))
        if publicity_months is not None and publicity_months != GOOD_CONDUCT_PUBLICITY_MONTHS:
            problems.append(
                (
                    "publicityMonths",
                    f"good conduct is published for {GOOD_CONDUCT_PUBLICITY_MONTHS} months, not {publicity_months}",
                )
            )
        return problems
    if behaviour not in BAD_BEHAVIOURS:
        problems.append(("behaviourCategory", f"{behaviour.value} is a kind of good conduct, not of bad conduct"))
    if severity is None:
        problems.append(("severity", "bad conduct needs its severity, GENERAL or SERIOUS"))
    elif severity is Severity.MINOR:
        problems.append(("severity", "minor bad conduct is not published as a record; use GENERAL or SERIOUS"))
    if penalty_months is not None and penalty_months <= 0:
        problems.append(("penaltyMonths", "must be at least one month; leave it out when there is no penalty period"))
    if publicity_months is None:
        problems.append(("publicityMonths", "bad conduct needs its publicity period"))
    elif not BAD_CONDUCT_MIN_PUBLICITY_MONTHS <= publicity_months <= BAD_CONDUCT_MAX_PUBLICITY_MONTHS:
        problems.append(
            (
                "publicityMonths",
                f"bad conduct is published for {BAD_CONDUCT_MIN_PUBLICITY_MONTHS} to "
                f"{BAD_CONDUCT_MAX_PUBLICITY_MONTHS} months, not {publicity_months}",
            )
        )
    elif penalty_months is not None and publicity_months < penalty_months:
        problems.append(
            (
                "publicityMonths",
                f"must not be shorter than the penalty ({penalty_months} months), not {publicity_months}",
            )
        )
    return problems


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, on the last day of the month where that day does not exist."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def publicity_ends_on(decision_date: date, publicity_months: int) -> date:
    return add_months(decision_date, publicity_months)


def listing_in_force(active: bool, removal_due: date, today: date) -> bool:
    """A black-list entry is in force until its removal date, unless repaired or revoked before."""
    return active and today < removal_due
