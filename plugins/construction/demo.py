"""Demo data: qualifications, conduct records and black-list entries of the enterprises among the
demo subjects, and natural persons registered as practitioners with some of them.

Everything is drawn from ``demo.rng("construction")`` in the order of ``demo.subjects`` and dated
relative to ``demo.today``, and written through the same validation and ``submit()`` path as the
mutations, so seeding twice with the same reference date changes nothing (every item comes back
UNCHANGED). The showcase enterprise ``91350100M000100Y43`` always has a qualification, a good and a
bad conduct record and a registered practitioner.

Over 400 lines on purpose: it is data (the demo's records), written out so a reader sees what the demo holds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from stdnum.cn import uscc

from gateway.api import (
    DemoContext,
    DemoSubject,
    RecordKind,
    Severity,
    SubjectKind,
    SubmissionPolicy,
    parse_subject_code,
)
from plugins.construction import rules
from plugins.construction.submissions import BLACKLIST_ENTRIES, CONDUCT_RECORDS, QUALIFICATIONS, REGISTRATIONS
from plugins.construction.types import (
    ConstructionBlacklistEntryInput,
    ConstructionConductRecordInput,
    ConstructionQualificationInput,
    RegisteredPractitionerInput,
)

T = TypeVar("T")


def _with_check(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


# Government organs (registration authority 1, type 1); the organisation codes are made up, the
# check characters real. The provincial department is the data source unit of every record.
PROVINCE = "福建省住房和城乡建设厅"
PROVINCE_CODE = _with_check("11350000MB0E00356")
MINISTRY = "中华人民共和国住房和城乡建设部"  # issues the top grades
MINISTRY_CODE = _with_check("11100000MB0E00012")
CITY_BUREAU = "福州市城乡建设局"  # decides bad-conduct cases
CITY_BUREAU_CODE = _with_check("11350100MB0E04518")

# The standard's own example code, and a demo person registered with it.
SHOWCASE_CODE = "91350100M000100Y43"
SHOWCASE_FALLBACK_NAME = "福州闽都信用示范科技有限公司"
SHOWCASE_PRACTITIONER_CODE = "110102199101010078"
SHOWCASE_PRACTITIONER_FALLBACK_NAME = "李明"

BATCH = 500
QUALIFICATION_SHARE = 0.25
CONDUCT_SHARE = 0.10
GOOD_CONDUCT_SHARE = 0.45
BLACKLIST_SHARE = 0.02
PRACTITIONERS = 40
QUALIFICATION_YEARS = 5  # a qualification certificate is valid five years
REGISTRATION_YEARS = 3  # a practitioner's registration, three

CATEGORY_WEIGHTS = {
    rules.QualificationCategory.GENERAL_CONTRACTING: 35,
    rules.QualificationCategory.SPECIALTY_CONTRACTING: 40,
    rules.QualificationCategory.CONSTRUCTION_LABOUR: 10,
    rules.QualificationCategory.SURVEY: 4,
    rules.QualificationCategory.DESIGN: 6,
    rules.QualificationCategory.SUPERVISION: 5,
}
# Grades by category, repeated by weight.
GRADE_DRAWS = {
    rules.QualificationCategory.GENERAL_CONTRACTING: ("SPECIAL",) + ("FIRST",) * 6 + ("SECOND",) * 12 + ("THIRD",) * 10,
    rules.QualificationCategory.SPECIALTY_CONTRACTING: ("FIRST",) * 4 + ("SECOND",) * 8 + ("THIRD",) * 6,
    rules.QualificationCategory.CONSTRUCTION_LABOUR: ("UNGRADED",),
    rules.QualificationCategory.SURVEY: ("COMPREHENSIVE",) + ("CLASS_A",) * 4 + ("CLASS_B",) * 6,
    rules.QualificationCategory.DESIGN: ("COMPREHENSIVE",) + ("CLASS_A",) * 4 + ("CLASS_B",) * 6,
    rules.QualificationCategory.SUPERVISION: ("COMPREHENSIVE",) + ("CLASS_A",) * 5 + ("CLASS_B",) * 4,
}
SPECIALTIES = {
    rules.QualificationCategory.GENERAL_CONTRACTING: (
        "建筑工程",
        "市政公用工程",
        "公路工程",
        "水利水电工程",
        "机电工程",
    ),
    rules.QualificationCategory.SPECIALTY_CONTRACTING: (
        "地基基础工程",
        "建筑装修装饰工程",
        "钢结构工程",
        "消防设施工程",
        "环保工程",
    ),
    rules.QualificationCategory.CONSTRUCTION_LABOUR: ("施工劳务",),
    rules.QualificationCategory.SURVEY: ("岩土工程", "工程测量"),
    rules.QualificationCategory.DESIGN: ("建筑行业（建筑工程）", "市政行业"),
    rules.QualificationCategory.SUPERVISION: ("房屋建筑工程", "市政公用工程"),
}
CERTIFICATE_PREFIXES = {
    rules.QualificationCategory.GENERAL_CONTRACTING: "D2",
    rules.QualificationCategory.SPECIALTY_CONTRACTING: "D3",
    rules.QualificationCategory.CONSTRUCTION_LABOUR: "D3",
    rules.QualificationCategory.SURVEY: "B1",
    rules.QualificationCategory.DESIGN: "A1",
    rules.QualificationCategory.SUPERVISION: "E1",
}
TOP_GRADES = frozenset({rules.QualificationGrade.SPECIAL, rules.QualificationGrade.COMPREHENSIVE})
PROJECTS = (
    "鼓楼区旧城改造安置房项目",
    "仓山区滨江学校教学楼工程",
    "长乐区滨海新城市政道路工程",
    "闽侯县保障性住房项目",
    "马尾区标准厂房项目",
    "晋安区社区医院综合楼工程",
)
BAD_CASES: dict[rules.BehaviourCategory, tuple[str, str]] = {
    rules.BehaviourCategory.QUALITY: (
        "在{project}施工中未按照工程设计图纸和施工技术标准施工，主体结构混凝土强度不符合设计要求。",
        "责令改正，处工程合同价款百分之二的罚款",
    ),
    rules.BehaviourCategory.SAFETY: (
        "在{project}施工现场未按规定设置安全防护设施，高处作业临边防护缺失，经责令限期整改逾期未改正。",
        "责令停业整顿，并处罚款",
    ),
    rules.BehaviourCategory.CONTRACTING: (
        "在{project}招标投标活动中与其他投标人相互串通投标。",
        "中标无效，处中标项目金额千分之五的罚款，暂停投标资格",
    ),
    rules.BehaviourCategory.PAYMENT_ARREARS: (
        "承建的{project}拖欠农民工工资，经责令限期支付逾期未支付。",
        "责令限期支付，并处罚款",
    ),
    rules.BehaviourCategory.QUALIFICATION: (
        "未取得相应资质承接{project}的施工业务。",
        "责令停止违法行为，处以罚款，没收违法所得",
    ),
}
GOOD_CASES: dict[rules.BehaviourCategory, tuple[str, str]] = {
    rules.BehaviourCategory.PROJECT_AWARD: (
        "承建的{project}获评福建省建设工程“闽江杯”优质工程。",
        "予以通报表扬，记入良好行为记录",
    ),
    rules.BehaviourCategory.COMMENDATION: (
        "在{project}建设中安全文明施工成绩突出，被评为省级安全文明标准化示范工地。",
        "予以通报表彰，记入良好行为记录",
    ),
}
BLACKLIST_CASES: dict[rules.BlacklistCriterion, str] = {
    rules.BlacklistCriterion.FALSE_QUALIFICATION_MATERIAL: "申请资质时提供虚假的技术负责人社保证明等材料，"
    "以欺骗手段取得资质。",
    rules.BlacklistCriterion.ILLEGAL_SUBCONTRACTING: "将承包的{project}主体结构施工违法分包给不具备资质的个人，"
    "受到行政处罚。",
    rules.BlacklistCriterion.QUALIFICATION_LENDING: "允许其他单位以本企业名义承揽{project}，出借资质，受到行政处罚。",
    rules.BlacklistCriterion.MAJOR_ACCIDENT: "承建的{project}发生重大生产安全事故，造成人员伤亡，受到行政处罚。",
    rules.BlacklistCriterion.UNPAID_CONSTRUCTION_PAYMENT: "经法院判决认定拖欠{project}工程款，"
    "拒不履行生效判决确定的义务。",
}
REGISTRATION_WEIGHTS = {
    rules.RegistrationType.FIRST_CLASS_CONSTRUCTOR: 25,
    rules.RegistrationType.SECOND_CLASS_CONSTRUCTOR: 35,
    rules.RegistrationType.SUPERVISION_ENGINEER: 12,
    rules.RegistrationType.FIRST_CLASS_COST_ENGINEER: 10,
    rules.RegistrationType.FIRST_CLASS_STRUCTURAL_ENGINEER: 6,
    rules.RegistrationType.FIRST_CLASS_ARCHITECT: 6,
    rules.RegistrationType.GEOTECHNICAL_ENGINEER: 6,
}
CONSTRUCTOR_SPECIALTIES = ("建筑工程", "市政公用工程", "机电工程", "公路工程")


def _decision(subject: DemoSubject, decided: date, authority: str, authority_code: str) -> dict[str, Any]:
    return {
        "subject_code": subject.code.value,
        "subject_name": subject.name,
        "deciding_authority": authority,
        "deciding_authority_code": authority_code,
        "source_unit": PROVINCE,
        "source_unit_code": PROVINCE_CODE,
        "decision_date": decided,
    }


@dataclass
class _Numbers:
    """Document sequences; numbers below 100 are left to the showcase."""

    counters: dict[str, int] = field(default_factory=dict)

    def next(self, series: str) -> int:
        self.counters[series] = self.counters.get(series, 99) + 1
        return self.counters[series]


def _qualification(
    subject: DemoSubject,
    category: rules.QualificationCategory,
    specialty: str,
    grade: rules.QualificationGrade,
    issued: date,
    number: int,
) -> ConstructionQualificationInput:
    authority, authority_code = (MINISTRY, MINISTRY_CODE) if grade in TOP_GRADES else (PROVINCE, PROVINCE_CODE)
    return ConstructionQualificationInput(
        **_decision(subject, issued, authority, authority_code),
        certificate_number=f"{CERTIFICATE_PREFIXES[category]}35{number:06d}",
        qualification_category=category,
        specialty=specialty,
        grade=grade,
        valid_from=issued,
        valid_until=rules.add_months(issued, 12 * QUALIFICATION_YEARS) - timedelta(days=1),
    )


def _good_conduct(
    subject: DemoSubject, behaviour: rules.BehaviourCategory, project: str, decided: date, number: int
) -> ConstructionConductRecordInput:
    facts, content = GOOD_CASES[behaviour]
    return ConstructionConductRecordInput(
        **_decision(subject, decided, PROVINCE, PROVINCE_CODE),
        party_type=subject.kind,
        document_number=f"闽建表〔{decided.year}〕{number}号",
        conduct=rules.ConductType.GOOD,
        behaviour_category=behaviour,
        facts=facts.format(project=project),
        decision_content=content,
    )


def _bad_conduct(
    subject: DemoSubject,
    behaviour: rules.BehaviourCategory,
    project: str,
    decided: date,
    number: int,
    *,
    severity: Severity,
    publicity_months: int,
    penalty_months: int | None,
    fine: Decimal | None,
) -> ConstructionConductRecordInput:
    facts, content = BAD_CASES[behaviour]
    if penalty_months is not None:
        content += f"（期限{penalty_months}个月）"
    return ConstructionConductRecordInput(
        **_decision(subject, decided, CITY_BUREAU, CITY_BUREAU_CODE),
        party_type=subject.kind,
        document_number=f"榕建罚〔{decided.year}〕{number}号",
        conduct=rules.ConductType.BAD,
        behaviour_category=behaviour,
        facts=facts.format(project=project),
        decision_content=content,
        severity=severity,
        publicity_months=publicity_months,
        penalty_months=penalty_months,
        fine_amount=fine,
    )


def _registration(
    person: DemoSubject,
    employer: DemoSubject,
    registration_type: rules.RegistrationType,
    specialty: str | None,
    registered: date,
    number: int,
) -> RegisteredPractitionerInput:
    return RegisteredPractitionerInput(
        **_decision(person, registered, PROVINCE, PROVINCE_CODE),
        certificate_number=f"闽{_TYPE_DIGITS[registration_type]}35{registered.year}{number:06d}",
        registration_type=registration_type,
        specialty=specialty,
        employer_code=employer.code.value,
        employer_name=employer.name,
        valid_until=rules.add_months(registered, 12 * REGISTRATION_YEARS) - timedelta(days=1),
    )


_TYPE_DIGITS = {member: f"{position + 1:02d}" for position, member in enumerate(rules.RegistrationType)}


def _days_before(rng: random.Random, today: date, low: int, high: int) -> date:
    return today - timedelta(days=rng.randint(low, high))


def _draw(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class DemoInputs:
    qualifications: list[ConstructionQualificationInput] = field(default_factory=list)
    conduct: list[ConstructionConductRecordInput] = field(default_factory=list)
    blacklist: list[ConstructionBlacklistEntryInput] = field(default_factory=list)
    practitioners: list[RegisteredPractitionerInput] = field(default_factory=list)


def _random_conduct(
    rng: random.Random, subject: DemoSubject, today: date, numbers: _Numbers
) -> ConstructionConductRecordInput:
    project = rng.choice(PROJECTS)
    if rng.random() < GOOD_CONDUCT_SHARE:
        behaviour = rng.choice(sorted(GOOD_CASES))
        decided = _days_before(rng, today, 10, 30 * rules.GOOD_CONDUCT_PUBLICITY_MONTHS - 30)
        return _good_conduct(subject, behaviour, project, decided, numbers.next(f"good{decided.year}"))
    behaviour = rng.choice(sorted(BAD_CASES))
    severity = Severity.SERIOUS if rng.random() < 0.25 else Severity.GENERAL
    penalty = rng.choice((None, None, None, 3, 6, 12))
    floor = rules.BAD_CONDUCT_MIN_PUBLICITY_MONTHS if severity is Severity.GENERAL else 12
    ceiling = 12 if severity is Severity.GENERAL else rules.BAD_CONDUCT_MAX_PUBLICITY_MONTHS
    publicity = rng.randint(max(floor, penalty or 0), ceiling)
    fine = Decimal(rng.randint(10, 500) * 1000) if rng.random() < 0.7 else None
    decided = _days_before(rng, today, 10, 30 * publicity - 10)  # still published on the demo date
    return _bad_conduct(
        subject,
        behaviour,
        project,
        decided,
        numbers.next(f"bad{decided.year}"),
        severity=severity,
        publicity_months=publicity,
        penalty_months=penalty,
        fine=fine,
    )


def _random_listing(
    rng: random.Random, subject: DemoSubject, today: date, numbers: _Numbers
) -> ConstructionBlacklistEntryInput:
    criterion = rng.choice(sorted(BLACKLIST_CASES))
    listed = _days_before(rng, today, 20, 700)
    return ConstructionBlacklistEntryInput(
        **_decision(subject, listed, PROVINCE, PROVINCE_CODE),
        party_type=subject.kind,
        document_number=f"闽建黑〔{listed.year}〕{numbers.next(f'black{listed.year}')}号",
        criterion=criterion,
        facts=BLACKLIST_CASES[criterion].format(project=rng.choice(PROJECTS)),
        # Removed after the longest publicity of serious records, three years.
        removal_due=rules.add_months(listed, rules.BAD_CONDUCT_MAX_PUBLICITY_MONTHS),
    )


def build_demo(demo: DemoContext) -> DemoInputs:
    """The demo's inputs. Enterprises (legal persons registered by market regulation) get
    qualifications, conduct records and listings; natural persons get registrations with them."""
    rng = demo.rng(rules.DOMAIN)
    today = demo.today
    subjects = list(demo.subjects)
    showcase = _find_or_make(subjects, SHOWCASE_CODE, SHOWCASE_FALLBACK_NAME, SubjectKind.LEGAL_PERSON)
    person = _find_or_make(
        subjects, SHOWCASE_PRACTITIONER_CODE, SHOWCASE_PRACTITIONER_FALLBACK_NAME, SubjectKind.NATURAL_PERSON
    )
    enterprises = [
        s for s in subjects if s.kind is SubjectKind.LEGAL_PERSON and s.code.value[:2] == "91" and s is not showcase
    ]
    inputs = DemoInputs()
    _showcase(inputs, showcase, person, today)
    numbers = _Numbers()
    qualified: list[DemoSubject] = [showcase]
    for subject in enterprises:
        if rng.random() < QUALIFICATION_SHARE:
            category = _draw(rng, CATEGORY_WEIGHTS)
            grade = rules.QualificationGrade(rng.choice(GRADE_DRAWS[category]))
            issued = _days_before(rng, today, 30, 365 * QUALIFICATION_YEARS - 60)
            specialty = rng.choice(SPECIALTIES[category])
            number = numbers.next(CERTIFICATE_PREFIXES[category])
            inputs.qualifications.append(_qualification(subject, category, specialty, grade, issued, number))
            qualified.append(subject)
        if rng.random() < CONDUCT_SHARE:
            inputs.conduct.append(_random_conduct(rng, subject, today, numbers))
        if rng.random() < BLACKLIST_SHARE:
            inputs.blacklist.append(_random_listing(rng, subject, today, numbers))
    people = [s for s in subjects if s.kind is SubjectKind.NATURAL_PERSON and s is not person]
    for someone in rng.sample(people, min(PRACTITIONERS - 1, len(people))):
        registration_type = _draw(rng, REGISTRATION_WEIGHTS)
        constructor = registration_type in (
            rules.RegistrationType.FIRST_CLASS_CONSTRUCTOR,
            rules.RegistrationType.SECOND_CLASS_CONSTRUCTOR,
        )
        specialty = rng.choice(CONSTRUCTOR_SPECIALTIES) if constructor else None
        registered = _days_before(rng, today, 30, 365 * REGISTRATION_YEARS - 30)
        number = numbers.next(f"practitioner{registered.year}")
        employer = rng.choice(qualified)
        inputs.practitioners.append(_registration(someone, employer, registration_type, specialty, registered, number))
    return inputs


def _find_or_make(subjects: list[DemoSubject], code: str, name: str, kind: SubjectKind) -> DemoSubject:
    found = next((s for s in subjects if s.code.value == code), None)
    if found is None:
        found = DemoSubject(parse_subject_code(code), name, kind)
        subjects.append(found)
    return found


def _showcase(inputs: DemoInputs, showcase: DemoSubject, person: DemoSubject, today: date) -> None:
    """A fixed story: a first-grade general contractor with an award, a recent safety penalty, and a
    registered constructor."""
    issued = today - timedelta(days=600)
    inputs.qualifications.append(
        _qualification(
            showcase,
            rules.QualificationCategory.GENERAL_CONTRACTING,
            "建筑工程",
            rules.QualificationGrade.FIRST,
            issued,
            1,
        )
    )
    awarded = today - timedelta(days=200)
    inputs.conduct.append(_good_conduct(showcase, rules.BehaviourCategory.PROJECT_AWARD, PROJECTS[0], awarded, 1))
    penalised = today - timedelta(days=90)
    inputs.conduct.append(
        _bad_conduct(
            showcase,
            rules.BehaviourCategory.SAFETY,
            PROJECTS[1],
            penalised,
            1,
            severity=Severity.GENERAL,
            publicity_months=6,
            penalty_months=3,
            fine=Decimal("50000.00"),
        )
    )
    registered = today - timedelta(days=400)
    inputs.practitioners.append(
        _registration(person, showcase, rules.RegistrationType.FIRST_CLASS_CONSTRUCTOR, "建筑工程", registered, 1)
    )


async def _submit_all(kind: RecordKind, inputs: Sequence[Any], demo: DemoContext, policy: SubmissionPolicy) -> None:
    for start in range(0, len(inputs), BATCH):
        await kind.submit(demo.engine, inputs[start : start + BATCH], policy)


async def seed(demo: DemoContext) -> None:
    inputs = build_demo(demo)
    policy = SubmissionPolicy(
        secret_key=demo.secret_key, today=demo.today, kinds={s.code.value: s.kind for s in demo.subjects}
    )
    await _submit_all(QUALIFICATIONS, inputs.qualifications, demo, policy)
    await _submit_all(CONDUCT_RECORDS, inputs.conduct, demo, policy)
    await _submit_all(BLACKLIST_ENTRIES, inputs.blacklist, demo, policy)
    await _submit_all(REGISTRATIONS, inputs.practitioners, demo, policy)
