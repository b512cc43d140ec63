"""The domain rules of tax credit (纳税信用), free of GraphQL and SQL so they can be read and tested alone.

Numbers follow the national tax credit rules: the annual grade follows the score (A ≥ 90, B 70–<90, C 40–<70,
D < 40), M marks a new enterprise or one without income, and D may also be assigned directly
(for instance to a major tax violation subject). A tax evasion case is listed as a major tax
violation only from 1,000,000 yuan evaded and 10 % of the tax due.
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from gateway.api import Polarity, Severity

DOMAIN = "tax"

# The national tax credit rating scheme (纳税信用管理办法（试行）) first rated the year 2014.
FIRST_RATED_YEAR = 2014

RATING_RECORD_TYPE = "TaxCreditRating"
RATING_CATEGORY = "TAX_CREDIT_RATING"
VIOLATION_RECORD_TYPE = "MajorTaxViolation"
VIOLATION_CATEGORY = "MAJOR_TAX_VIOLATION"
# A listing is always negative and serious: it is published for years.
VIOLATION_POLARITY = Polarity.NEGATIVE
VIOLATION_SEVERITY = Severity.SERIOUS

MIN_SCORE = Decimal(0)
MAX_SCORE = Decimal(100)
EVASION_MIN_AMOUNT = Decimal(1_000_000)
EVASION_MIN_SHARE = Decimal("0.10")
# The 15th of the month after the decision is the latest publication date of a listing.
PUBLISH_DAY = 15


class TaxGrade(enum.StrEnum):
    A = "A"
    B = "B"
    M = "M"
    C = "C"
    D = "D"


class ViolationType(enum.StrEnum):
    TAX_EVASION = "TAX_EVASION"
    FAKE_VAT_INVOICE = "FAKE_VAT_INVOICE"
    EXPORT_REFUND_FRAUD = "EXPORT_REFUND_FRAUD"
    TAX_ARREARS_EVASION = "TAX_ARREARS_EVASION"
    TAX_RESISTANCE = "TAX_RESISTANCE"
    OTHER = "OTHER"


# Lower bounds of the scored grades, highest first; below the last bound the grade is D.
_SCORE_FLOORS: tuple[tuple[Decimal, TaxGrade], ...] = (
    (Decimal(90), TaxGrade.A),
    (Decimal(70), TaxGrade.B),
    (Decimal(40), TaxGrade.C),
)


def grade_for_score(score: Decimal) -> TaxGrade:
    """The grade a score earns (never M: M depends on the enterprise, not on points)."""
    for floor, grade in _SCORE_FLOORS:
        if score >= floor:
            return grade
    return TaxGrade.D


def grade_problems(grade: TaxGrade, score: Decimal | None, reason: str | None) -> list[tuple[str, str]]:
    """What is inconsistent between a grade, its score and a direct-assignment reason.

    Returns ``(field, message)`` pairs with GraphQL input field names; empty when consistent.
    """
    problems: list[tuple[str, str]] = []
    if reason is not None and grade is not TaxGrade.D:
        problems.append(("directAssignmentReason", f"only grade D is assigned directly, not {grade.value}"))
    if grade is TaxGrade.M:
        return problems  # new or without income: a score, if any, does not decide the grade
    if score is None:
        if grade is not TaxGrade.D:
            problems.append(("score", f"grade {grade.value} needs the score it was earned with"))
        elif reason is None:
            problems.append(
                ("directAssignmentReason", "a D without a score is a direct assignment and needs its reason")
            )
        return problems
    earned = grade_for_score(score)
    if earned is grade:
        return problems
    if grade is TaxGrade.D:
        if reason is None:
            problems.append(
                (
                    "directAssignmentReason",
                    f"a score of {score} earns grade {earned.value}; a D despite it is a direct assignment "
                    "and needs its reason",
                )
            )
        return problems
    problems.append(("grade", f"a score of {score} earns grade {earned.value}, not {grade.value}"))
    return problems


def rating_polarity(grade: TaxGrade) -> Polarity:
    if grade is TaxGrade.A:
        return Polarity.POSITIVE
    if grade in (TaxGrade.C, TaxGrade.D):
        return Polarity.NEGATIVE
    return Polarity.NEUTRAL


def rating_severity(grade: TaxGrade) -> Severity | None:
    """Severity sets the publicity window; only the negative grades have one."""
    return {TaxGrade.C: Severity.GENERAL, TaxGrade.D: Severity.SERIOUS}.get(grade)


def evasion_problems(amount: Decimal, tax_due: Decimal | None) -> list[tuple[str, str]]:
    """Why a tax evasion case does not reach the major-violation thresholds; empty when it does."""
    problems: list[tuple[str, str]] = []
    if amount < EVASION_MIN_AMOUNT:
        problems.append(
            (
                "amountInvolved",
                f"tax evasion is listed from {EVASION_MIN_AMOUNT:,} yuan evaded; {amount:,} is below that",
            )
        )
    if tax_due is None:
        problems.append(("taxDue", "needed for TAX_EVASION: the amount evaded must be at least 10% of the tax due"))
    elif tax_due <= 0:
        problems.append(("taxDue", "must be positive for TAX_EVASION"))
    elif amount > tax_due:
        problems.append(("taxDue", "cannot be less than the amount evaded, which is part of it"))
    elif amount < tax_due * EVASION_MIN_SHARE:
        share = (amount / tax_due * 100).quantize(Decimal("0.01"))
        problems.append(
            (
                "amountInvolved",
                f"tax evasion is listed from 10% of the tax due; {share}% is below that",
            )
        )
    return problems


def publish_by(decision_date: date) -> date:
    """The 15th of the month after the decision: the latest day a listing may be published."""
    if decision_date.month == 12:
        return date(decision_date.year + 1, 1, PUBLISH_DAY)
    return date(decision_date.year, decision_date.month + 1, PUBLISH_DAY)
