"""Demo data: culture market penalties and licences, and red and black list entries.

Everything is drawn from ``demo.rng("culture")`` in the order of ``demo.subjects`` and dated relative
to ``demo.today``, and written through the same validation and ``submit()`` path as the mutations, so
seeding twice with the same reference date changes nothing (every item comes back UNCHANGED).
The standard's example code always holds a licence, a penalty and a current red-list entry, so that
its green channel is open.

Over 400 lines on purpose: it is data (the demo's records), written out so a reader sees what the demo holds.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from stdnum.cn import uscc

from gateway.api import (
    LONG_TERM,
    AdministrativeLicenseInput,
    AdministrativePenaltyInput,
    CreditListEntryInput,
    DemoContext,
    DemoSubject,
    LicenseCategory,
    LicenseStatus,
    ListType,
    PartyType,
    PenaltyCategory,
    RecordKind,
    SubjectKind,
    SubmissionPolicy,
    parse_subject_code,
)
from plugins.culture import rules


def _with_check(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


# Provincial organs in Fujian (350000); the organisation codes are made up, the check characters real.
DEPARTMENT = "福建省文化和旅游厅"  # the data source unit, and the licensing and listing authority
DEPARTMENT_CODE = _with_check("11350000MB1872263")
ENFORCEMENT = "福建省文化市场综合执法总队"  # decides the penalties
ENFORCEMENT_CODE = _with_check("12350000MB1872271")

SHOWCASE_CODE = "91350100M000100Y43"
SHOWCASE_FALLBACK_NAME = "福州示范科技有限公司"

BATCH = 500
PENALTY_SHARE = 0.08
LICENSE_SHARE = 0.10
RED_SHARE = 0.04
BLACK_SHARE = 0.02
REMOVED_SHARE = 0.3  # of list entries: already taken off their list
RED_LIST = "福建省文化和旅游市场守信激励红榜"
BLACK_LIST = "福建省文化和旅游市场失信主体黑榜"
BLACK_MEASURES = [code for code, m in rules.MEASURES.items() if m.list_type is ListType.BLACK]
_SURNAMES = "王李张刘陈杨黄赵吴周林郑"
_GIVEN = "伟芳敏静强磊军洋勇艳杰涛明超华建国"


@dataclass(frozen=True, slots=True)
class _Case:
    """A penalty as the enforcement corps writes it, before it is dated and numbered."""

    sub_area: str
    violation_type: str
    facts: str
    legal_basis: str
    categories: tuple[PenaltyCategory, ...]
    fine_range: tuple[int, int] | None  # yuan
    parties: frozenset[PartyType]


_ORG = frozenset({PartyType.LEGAL_PERSON, PartyType.INDIVIDUAL_BUSINESS})
CASES = (
    _Case(
        "INTERNET_SERVICE_VENUES",
        "接纳未成年人进入营业场所",
        "经查，当事人经营的互联网上网服务营业场所接纳未成年人进入并上网消费。",
        "《互联网上网服务营业场所管理条例》第三十一条",
        (PenaltyCategory.WARNING, PenaltyCategory.FINE),
        (2_000, 15_000),
        _ORG,
    ),
    _Case(
        "ENTERTAINMENT",
        "娱乐场所超时营业",
        "经查，当事人经营的娱乐场所在规定营业时间以外营业。",
        "《娱乐场所管理条例》第四十八条",
        (PenaltyCategory.WARNING,),
        None,
        _ORG,
    ),
    _Case(
        "PERFORMANCE",
        "未经批准举办营业性演出",
        "经查，当事人未经文化和旅游主管部门批准，擅自举办营业性演出。",
        "《营业性演出管理条例》第四十三条",
        (PenaltyCategory.CONFISCATION, PenaltyCategory.FINE),
        (50_000, 500_000),
        frozenset({PartyType.LEGAL_PERSON}),
    ),
    _Case(
        "INTERNET_CULTURE",
        "未经批准擅自从事经营性互联网文化活动",
        "经查，当事人未取得网络文化经营许可证，擅自通过网络直播平台从事经营性互联网文化活动。",
        "《互联网文化管理暂行规定》第二十一条",
        (PenaltyCategory.WARNING, PenaltyCategory.FINE),
        (10_000, 30_000),
        frozenset({PartyType.LEGAL_PERSON}),
    ),
    _Case(
        "PUBLISHING",
        "发行未经批准进口的出版物",
        "经查，当事人在经营场所销售未经批准进口的出版物。",
        "《出版管理条例》第六十一条",
        (PenaltyCategory.CONFISCATION, PenaltyCategory.FINE),
        (5_000, 50_000),
        frozenset({PartyType.LEGAL_PERSON, PartyType.INDIVIDUAL_BUSINESS, PartyType.NATURAL_PERSON}),
    ),
    _Case(
        "TOURISM",
        "未与旅游者签订旅游合同",
        "经查，当事人组织团队旅游时未与旅游者签订书面旅游合同。",
        "《中华人民共和国旅游法》第一百条",
        (PenaltyCategory.FINE,),
        (5_000, 50_000),
        frozenset({PartyType.LEGAL_PERSON}),
    ),
    _Case(
        "TOURISM",
        "未取得导游证从事导游活动",
        "经查，当事人未取得导游证，为旅游团队提供导游服务。",
        "《中华人民共和国旅游法》第一百零二条",
        (PenaltyCategory.CONFISCATION, PenaltyCategory.FINE),
        (1_000, 10_000),
        frozenset({PartyType.NATURAL_PERSON}),
    ),
    _Case(
        "CULTURAL_RELICS",
        "擅自在文物保护单位保护范围内进行建设工程",
        "经查，当事人未经批准，在省级文物保护单位保护范围内进行建设工程。",
        "《中华人民共和国文物保护法》第六十六条",
        (PenaltyCategory.FINE,),
        (50_000, 500_000),
        frozenset({PartyType.LEGAL_PERSON}),
    ),
)


@dataclass(frozen=True, slots=True)
class _LicenceSpec:
    sub_area: str
    document_title: str
    certificate: str
    category: LicenseCategory
    certificate_prefix: str
    years: int | None  # None: long-term (长期)


LICENCE_SPECS = (
    _LicenceSpec("PERFORMANCE", "营业性演出许可决定书", "营业性演出许可证", LicenseCategory.ORDINARY, "闽演", 2),
    _LicenceSpec("ENTERTAINMENT", "娱乐场所经营许可决定书", "娱乐经营许可证", LicenseCategory.ORDINARY, "闽娱", 2),
    _LicenceSpec(
        "INTERNET_CULTURE", "网络文化经营许可决定书", "网络文化经营许可证", LicenseCategory.ORDINARY, "闽网文", 3
    ),
    _LicenceSpec(
        "INTERNET_SERVICE_VENUES",
        "互联网上网服务营业场所经营许可决定书",
        "网络文化经营许可证",
        LicenseCategory.ORDINARY,
        "闽网吧",
        None,
    ),
    _LicenceSpec("PUBLISHING", "出版物经营许可决定书", "出版物经营许可证", LicenseCategory.ORDINARY, "闽新出发", 6),
    _LicenceSpec(
        "TOURISM", "旅行社业务经营许可决定书", "旅行社业务经营许可证", LicenseCategory.FRANCHISE, "L-FJ-", None
    ),
)
SHOWCASE_CASE = _Case(
    "INTERNET_CULTURE",
    "未经批准擅自从事经营性互联网文化活动",
    "经查，当事人未取得网络文化经营许可证，通过其网站提供付费网络音乐产品。当事人积极整改，主动申请许可。",
    "《互联网文化管理暂行规定》第二十一条",
    (PenaltyCategory.WARNING,),
    None,
    frozenset({PartyType.LEGAL_PERSON}),
)
# What a shop-sized individual business (个体工商户) is licensed or listed for.
SMALL_BUSINESS_AREAS = frozenset({"ENTERTAINMENT", "INTERNET_SERVICE_VENUES", "PUBLISHING"})

RED_REASONS = (
    ("PERFORMANCE", "连续三年无违法违规记录，演出活动规范有序，被评为诚信经营示范单位。"),
    ("ENTERTAINMENT", "严格落实未成年人保护和安全生产规定，年度检查均为优秀。"),
    ("INTERNET_SERVICE_VENUES", "连续三年未接纳未成年人，实名登记制度落实到位。"),
    ("TOURISM", "旅游服务质量投诉为零，获评省级诚信旅行社。"),
    ("PUBLISHING", "坚持正版经营，积极配合“扫黄打非”工作，获评诚信经营单位。"),
)
BLACK_REASONS = (
    ("PERFORMANCE", "擅自举办营业性演出且拒不改正，被吊销营业性演出许可证。"),
    ("INTERNET_SERVICE_VENUES", "多次接纳未成年人进入营业场所，情节严重，被吊销网络文化经营许可证。"),
    ("TOURISM", "以不合理低价组织旅游活动并诱导购物，造成恶劣社会影响。"),
    ("INTERNET_CULTURE", "通过网络传播含有禁止内容的文化产品，被依法责令关闭网站。"),
)


def party_type(subject: DemoSubject) -> PartyType:
    """The party type the subject's code fits: an ID number is a person, a 92… code an individual business."""
    kind = subject.code.default_kind
    if kind is SubjectKind.NATURAL_PERSON:
        return PartyType.NATURAL_PERSON
    if kind is SubjectKind.INDIVIDUAL_BUSINESS:
        return PartyType.INDIVIDUAL_BUSINESS
    return PartyType.LEGAL_PERSON


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


class _Numbers:
    """Document numbers per prefix and year; 1–99 are left to the showcase."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.last: dict[tuple[str, int], int] = {}

    def take(self, prefix: str, year: int) -> str:
        number = self.last.get((prefix, year), 100) + self.rng.randint(1, 5)
        self.last[(prefix, year)] = number
        return f"{prefix}〔{year}〕{number}号"


def _days_back(today: date, days: int) -> date:
    """``days`` before ``today``, but never 29 February: the core's licence check fails on that date."""
    day = today - timedelta(days=days)
    return day - timedelta(days=1) if (day.month, day.day) == (2, 29) else day


def _ago(today: date, rng: random.Random, low: int, high: int) -> date:
    return _days_back(today, rng.randint(low, high))


def _years_later(day: date, years: int) -> date:
    """The day before the same date ``years`` later: the last day of a licence's term."""
    return date(day.year + years, day.month, 28 if (day.month, day.day) == (2, 29) else day.day) - timedelta(days=1)


def _penalty(
    subject: DemoSubject, case: _Case, decided: date, number: str, rng: random.Random
) -> AdministrativePenaltyInput:
    kind = party_type(subject)
    fine = None
    if case.fine_range is not None:
        low, high = case.fine_range
        fine = Decimal(rng.randint(low // 100, high // 100)).scaleb(-2)  # hundreds of yuan, in 万元
    confiscated = Decimal(rng.randint(5, 300)).scaleb(-2) if PenaltyCategory.CONFISCATION in case.categories else None
    content = "；".join(
        filter(
            None,
            (
                "警告" if PenaltyCategory.WARNING in case.categories else "",
                f"没收违法所得{confiscated}万元" if confiscated is not None else "",
                f"罚款{fine}万元" if fine is not None else "",
            ),
        )
    )
    return AdministrativePenaltyInput(
        party_name=subject.name,
        party_type=kind,
        party_code=subject.code.value,
        legal_representative=None if kind is PartyType.NATURAL_PERSON else _person(rng),
        document_number=number,
        violation_type=case.violation_type,
        facts=case.facts,
        legal_basis=case.legal_basis,
        penalty_categories=list(case.categories),
        content=content + "。",
        fine_amount=fine,
        confiscated_amount=confiscated,
        decision_date=decided,
        publicity_end_date=decided + timedelta(days=365),
        deciding_authority=ENFORCEMENT,
        deciding_authority_code=ENFORCEMENT_CODE,
        source_unit=DEPARTMENT,
        source_unit_code=DEPARTMENT_CODE,
        sub_area=case.sub_area,
    )


def _license(
    subject: DemoSubject, spec: _LicenceSpec, decided: date, number: str, rng: random.Random, status: LicenseStatus
) -> AdministrativeLicenseInput:
    return AdministrativeLicenseInput(
        party_name=subject.name,
        party_type=party_type(subject),
        party_code=subject.code.value,
        legal_representative=_person(rng),
        document_title=spec.document_title,
        document_number=number,
        license_category=spec.category,
        certificate_name=spec.certificate,
        certificate_number=f"{spec.certificate_prefix}{decided.year}{rng.randint(1, 9999):04d}",
        content=f"准予核发《{spec.certificate}》。",
        decision_date=decided,
        valid_from=decided,
        valid_to=LONG_TERM if spec.years is None else _years_later(decided, spec.years),
        deciding_authority=DEPARTMENT,
        deciding_authority_code=DEPARTMENT_CODE,
        license_status=status,
        source_unit=DEPARTMENT,
        source_unit_code=DEPARTMENT_CODE,
        sub_area=spec.sub_area,
    )


def _entry(
    subject: DemoSubject,
    list_type: ListType,
    reason: tuple[str, str],
    decided: date,
    number: str,
    removed: date | None,
    measures: list[str] | None = None,
) -> CreditListEntryInput:
    sub_area, text = reason
    return CreditListEntryInput(
        party_name=subject.name,
        party_type=party_type(subject),
        party_code=subject.code.value,
        list_type=list_type,
        list_name=RED_LIST if list_type is ListType.RED else BLACK_LIST,
        reason=text,
        document_number=number,
        decision_date=decided,
        removal_date=removed,
        measures=measures,
        deciding_authority=DEPARTMENT,
        deciding_authority_code=DEPARTMENT_CODE,
        source_unit=DEPARTMENT,
        source_unit_code=DEPARTMENT_CODE,
        sub_area=sub_area,
    )


@dataclass
class DemoInputs:
    penalties: list[AdministrativePenaltyInput]
    licenses: list[AdministrativeLicenseInput]
    entries: list[CreditListEntryInput]

    def batches(self) -> Iterator[tuple[RecordKind, list[Any]]]:
        for kind, inputs in (
            (rules.PENALTIES, self.penalties),
            (rules.LICENSES, self.licenses),
            (rules.LIST_ENTRIES, self.entries),
        ):
            for start in range(0, len(inputs), BATCH):
                yield kind, inputs[start : start + BATCH]


def _showcase(subject: DemoSubject, today: date, rng: random.Random) -> DemoInputs:
    """A fixed story: a warning for unlicensed online business, then the licence, and after years of
    good conduct a red-list entry with the whole green channel."""
    warned = _days_back(today, 900)
    licensed = _days_back(today, 860)
    listed = _days_back(today, 120)
    penalty = _penalty(subject, SHOWCASE_CASE, warned, f"闽文执罚〔{warned.year}〕17号", rng)
    licence = _license(subject, LICENCE_SPECS[2], licensed, f"闽文旅审〔{licensed.year}〕8号", rng, LicenseStatus.VALID)
    reason = ("INTERNET_CULTURE", "网络文化产品内容审核制度健全，整改后连续两年无违法违规记录，获评诚信经营示范单位。")
    entry = _entry(subject, ListType.RED, reason, listed, f"闽文旅信〔{listed.year}〕3号", None)
    return DemoInputs([penalty], [licence], [entry])


def build_demo(demo: DemoContext) -> DemoInputs:
    """The demo's inputs. Persons may be penalised; only organisations are licensed and listed."""
    rng = demo.rng(rules.DOMAIN)
    today = demo.today
    subjects = list(demo.subjects)
    if not any(s.code.value == SHOWCASE_CODE for s in subjects):
        subjects.append(
            DemoSubject(parse_subject_code(SHOWCASE_CODE), SHOWCASE_FALLBACK_NAME, SubjectKind.LEGAL_PERSON)
        )
    numbers = _Numbers(rng)
    result = DemoInputs([], [], [])
    for subject in subjects:
        if subject.code.value == SHOWCASE_CODE:
            showcase = _showcase(subject, today, rng)
            result.penalties += showcase.penalties
            result.licenses += showcase.licenses
            result.entries += showcase.entries
            continue
        kind = party_type(subject)
        if rng.random() < PENALTY_SHARE:
            case = rng.choice([c for c in CASES if kind in c.parties])
            decided = _ago(today, rng, 10, 3 * 365)
            result.penalties.append(_penalty(subject, case, decided, numbers.take("闽文执罚", decided.year), rng))
        if kind is PartyType.NATURAL_PERSON:
            continue
        small = kind is PartyType.INDIVIDUAL_BUSINESS
        if rng.random() < LICENSE_SHARE:
            spec = rng.choice([s for s in LICENCE_SPECS if not small or s.sub_area in SMALL_BUSINESS_AREAS])
            decided = _ago(today, rng, 30, 5 * 365)
            status = LicenseStatus.INVALID if rng.random() < 0.1 else LicenseStatus.VALID
            result.licenses.append(
                _license(subject, spec, decided, numbers.take("闽文旅审", decided.year), rng, status)
            )
        draw = rng.random()
        if draw < RED_SHARE + BLACK_SHARE:
            list_type = ListType.RED if draw < RED_SHARE else ListType.BLACK
            reasons = [
                r
                for r in (RED_REASONS if list_type is ListType.RED else BLACK_REASONS)
                if not small or r[0] in SMALL_BUSINESS_AREAS
            ]
            decided = _ago(today, rng, 30, 4 * 365)
            removed = None
            if rng.random() < REMOVED_SHARE and (today - decided).days > 60:
                removed = decided + timedelta(days=rng.randint(30, (today - decided).days - 1))
            # Black-list entries name their restrictions half the time; the rest get the defaults.
            measures = rng.sample(BLACK_MEASURES, 3) if list_type is ListType.BLACK and rng.random() < 0.5 else None
            number = numbers.take("闽文旅信", decided.year)
            result.entries.append(_entry(subject, list_type, rng.choice(reasons), decided, number, removed, measures))
    return result


async def seed(demo: DemoContext) -> None:
    policy = SubmissionPolicy(
        secret_key=demo.secret_key, today=demo.today, kinds={s.code.value: s.kind for s in demo.subjects}
    )
    for kind, inputs in build_demo(demo).batches():
        await kind.submit(demo.engine, inputs, policy)
