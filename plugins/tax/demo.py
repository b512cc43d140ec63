"""Demo data: annual ratings for the organisations among the demo subjects and a few black-list entries.

Everything is drawn from ``demo.rng("tax")`` in the order of ``demo.subjects`` and dated relative to
``demo.today``, and written through the same validation and ``submit()`` path as the mutations, so
seeding twice with the same reference date changes nothing (every item comes back UNCHANGED).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from stdnum.cn import uscc

from gateway.api import DemoContext, DemoSubject, SubjectKind, SubmissionPolicy, parse_subject_code
from plugins.tax import rules
from plugins.tax.submissions import RATINGS, VIOLATIONS
from plugins.tax.types import MajorTaxViolationInput, TaxCreditRatingInput


def _with_check(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


# A government organ (registration authority 1, type 1) in Fuzhou (350100); the organisation
# codes are made up, the check characters real.
TAX_BUREAU = "国家税务总局福州市税务局"
TAX_BUREAU_CODE = _with_check("11350100MB0301234")
INSPECTION_BUREAU = "国家税务总局福州市税务局稽查局"  # decides the black-list cases
INSPECTION_BUREAU_CODE = _with_check("11350100MB0301269")

# The standard's own example code: always rated and always listed, so the demo has a known case.
SHOWCASE_CODE = "91350100M000100Y43"
SHOWCASE_FALLBACK_NAME = "福州示范科技有限公司"

RATED_YEARS = 3
RATING_RELEASE = (4, 10)  # (month, day) of the year after the year rated
BATCH = 500
VIOLATION_SHARE = 0.03
GRADE_WEIGHTS = {
    rules.TaxGrade.A: 30,
    rules.TaxGrade.B: 48,
    rules.TaxGrade.M: 10,
    rules.TaxGrade.C: 9,
    rules.TaxGrade.D: 3,
}
KEEP_GRADE = 0.75  # most enterprises keep last year's grade
SCORE_RANGES = {  # in hundredths of a point
    rules.TaxGrade.A: (9000, 10000),
    rules.TaxGrade.B: (7000, 8999),
    rules.TaxGrade.C: (4000, 6999),
    rules.TaxGrade.D: (1000, 3999),
}
VIOLATION_WEIGHTS = {
    rules.ViolationType.TAX_EVASION: 45,
    rules.ViolationType.FAKE_VAT_INVOICE: 35,
    rules.ViolationType.EXPORT_REFUND_FRAUD: 8,
    rules.ViolationType.TAX_ARREARS_EVASION: 7,
    rules.ViolationType.TAX_RESISTANCE: 3,
    rules.ViolationType.OTHER: 2,
}
LAW = "《中华人民共和国税收征收管理法》"


@dataclass(frozen=True, slots=True)
class _Case:
    """What a listing says, before it is dated and numbered."""

    violation_type: rules.ViolationType
    facts: str
    amount: Decimal
    tax_due: Decimal | None
    legal_basis: str
    penalty: str


def rated_years(today: date) -> list[int]:
    """The last years whose ratings were released by ``today``, oldest first."""
    month, day = RATING_RELEASE
    latest = today.year - 1 if today >= date(today.year, month, day) else today.year - 2
    return list(range(latest - RATED_YEARS + 1, latest + 1))


def _yuan(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)).scaleb(-2)


def _case(rng: random.Random, year: int) -> _Case:
    kind = rng.choices(list(VIOLATION_WEIGHTS), weights=list(VIOLATION_WEIGHTS.values()))[0]
    if kind is rules.ViolationType.TAX_EVASION:
        # Above both listing thresholds: at least 1,000,000 yuan and 12–60 % of the tax due.
        amount = _yuan(rng, 1_000_000, 20_000_000)
        return _evasion(amount, (amount / Decimal(rng.randint(12, 60)).scaleb(-2)).quantize(Decimal("0.01")), year)
    if kind is rules.ViolationType.FAKE_VAT_INVOICE:
        amount = _yuan(rng, 300_000, 50_000_000)
        return _Case(
            kind,
            f"经查，该单位在没有真实交易的情况下，为他人虚开增值税专用发票{rng.randint(12, 480)}份，"
            f"税额合计{amount:,}元。",
            amount,
            None,
            "《中华人民共和国发票管理办法》",
            "没收违法所得，处以罚款；涉嫌犯罪，已依法移送公安机关。",
        )
    amount = _yuan(rng, 100_000, 5_000_000)
    facts, article, penalty = {
        rules.ViolationType.EXPORT_REFUND_FRAUD: (
            f"以假报出口等欺骗手段，骗取国家出口退税款{amount:,}元。",
            "第六十六条",
            "追缴骗取的退税款，处骗取税款一倍的罚款，并停止为其办理出口退税。",
        ),
        rules.ViolationType.TAX_ARREARS_EVASION: (
            f"欠缴应纳税款，采取转移或者隐匿财产的手段，妨碍税务机关追缴欠缴的税款{amount:,}元。",
            "第六十五条",
            "追缴欠缴的税款、滞纳金，并处欠缴税款百分之五十的罚款。",
        ),
        rules.ViolationType.TAX_RESISTANCE: (
            f"以暴力、威胁方法拒不缴纳税款{amount:,}元。",
            "第六十七条",
            "追缴拒缴的税款、滞纳金，并处拒缴税款一倍的罚款。",
        ),
        rules.ViolationType.OTHER: (
            f"{year}年度私自印制、伪造发票，涉及金额{amount:,}元。",
            "第七十一条",
            "没收违法所得，处以罚款。",
        ),
    }[kind]
    return _Case(kind, "经查，该单位" + facts, amount, None, LAW + article, penalty)


def _evasion(amount: Decimal, tax_due: Decimal, year: int) -> _Case:
    share = (amount / tax_due * 100).quantize(Decimal("0.1"))
    return _Case(
        rules.ViolationType.TAX_EVASION,
        f"经查，该单位{year}年度采取隐匿收入、虚假纳税申报等手段，少缴增值税、企业所得税等税款{amount:,}元，"
        f"占同期各税种应纳税总额的{share}%。",
        amount,
        tax_due,
        LAW + "第六十三条第一款",
        "追缴少缴的税款、滞纳金，并处少缴税款一倍的罚款。",
    )


def _violation(subject: DemoSubject, case: _Case, decided: date, number: int) -> MajorTaxViolationInput:
    return MajorTaxViolationInput(
        subject_code=subject.code.value,
        subject_name=subject.name,
        deciding_authority=INSPECTION_BUREAU,
        deciding_authority_code=INSPECTION_BUREAU_CODE,
        source_unit=TAX_BUREAU,
        source_unit_code=TAX_BUREAU_CODE,
        decision_date=decided,
        document_number=f"榕税稽罚〔{decided.year}〕{number}号",
        violation_type=case.violation_type,
        facts=case.facts,
        amount_involved=case.amount,
        tax_due=case.tax_due,
        legal_basis=case.legal_basis,
        penalty=case.penalty,
    )


def _rating(
    subject: DemoSubject, year: int, grade: rules.TaxGrade, score: Decimal | None, reason: str | None = None
) -> TaxCreditRatingInput:
    month, day = RATING_RELEASE
    return TaxCreditRatingInput(
        subject_code=subject.code.value,
        subject_name=subject.name,
        deciding_authority=TAX_BUREAU,
        deciding_authority_code=TAX_BUREAU_CODE,
        source_unit=TAX_BUREAU,
        source_unit_code=TAX_BUREAU_CODE,
        decision_date=date(year + 1, month, day),
        year=year,
        grade=grade,
        score=score,
        direct_assignment_reason=reason,
    )


def _draw_grade(rng: random.Random) -> rules.TaxGrade:
    return rng.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0]


def _score(rng: random.Random, grade: rules.TaxGrade) -> Decimal | None:
    if grade is rules.TaxGrade.M:
        return None
    low, high = SCORE_RANGES[grade]
    return Decimal(rng.randint(low, high)).scaleb(-2)


def _direct_d(year: int, document_number: str) -> str:
    return f"{year}年被确定为重大税收违法失信主体（{document_number}），直接判为D级。"


def build_demo(demo: DemoContext) -> tuple[list[TaxCreditRatingInput], list[MajorTaxViolationInput]]:
    """The demo's inputs. Only organisations and individual businesses are rated and listed."""
    rng = demo.rng(rules.DOMAIN)
    years = rated_years(demo.today)
    subjects = [s for s in demo.subjects if s.kind is not SubjectKind.NATURAL_PERSON]
    if not any(s.code.value == SHOWCASE_CODE for s in subjects):
        subjects.append(
            DemoSubject(parse_subject_code(SHOWCASE_CODE), SHOWCASE_FALLBACK_NAME, SubjectKind.LEGAL_PERSON)
        )
    ratings: list[TaxCreditRatingInput] = []
    violations: list[MajorTaxViolationInput] = []
    numbers = dict.fromkeys(years, 100)  # document sequence per year; 1–99 are left to the showcase
    for subject in subjects:
        if subject.code.value == SHOWCASE_CODE:
            showcase_ratings, showcase_violation = _showcase(subject, years)
            ratings.extend(showcase_ratings)
            violations.append(showcase_violation)
            continue
        listed_in: int | None = None
        if rng.random() < VIOLATION_SHARE:
            listed_in = rng.choice(years)
            numbers[listed_in] += rng.randint(1, 9)
            decided = date(listed_in, rng.randint(1, 12), rng.randint(1, 28))
            violation = _violation(subject, _case(rng, listed_in), decided, numbers[listed_in])
            violations.append(violation)
        grade = _draw_grade(rng)
        for year in years:
            if rng.random() >= KEEP_GRADE:
                grade = _draw_grade(rng)
            if year == listed_in:
                ratings.append(
                    _rating(subject, year, rules.TaxGrade.D, None, _direct_d(year, violations[-1].document_number))
                )
            else:
                ratings.append(_rating(subject, year, grade, _score(rng, grade)))
    return ratings, violations


def _showcase(subject: DemoSubject, years: Sequence[int]) -> tuple[list[TaxCreditRatingInput], MajorTaxViolationInput]:
    """A fixed story: good grades, then a large tax evasion case and a direct D for that year."""
    latest = years[-1]
    violation = _violation(
        subject,
        _evasion(Decimal("3862450.37"), Decimal("15214006.20"), latest),
        date(latest, 9, 18),
        17,
    )
    ratings = [_rating(subject, year, rules.TaxGrade.B, Decimal("84.50")) for year in years[:-2]]
    ratings.append(_rating(subject, years[-2], rules.TaxGrade.A, Decimal("91.00")))
    ratings.append(_rating(subject, latest, rules.TaxGrade.D, None, _direct_d(latest, violation.document_number)))
    return ratings, violation


async def seed(demo: DemoContext) -> None:
    ratings, violations = build_demo(demo)
    policy = SubmissionPolicy(
        secret_key=demo.secret_key, today=demo.today, kinds={s.code.value: s.kind for s in demo.subjects}
    )
    for kind, inputs in ((VIOLATIONS, violations), (RATINGS, ratings)):
        for start in range(0, len(inputs), BATCH):
            await kind.submit(demo.engine, inputs[start : start + BATCH], policy)
