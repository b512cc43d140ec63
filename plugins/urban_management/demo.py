"""Demo data: penalties, licences, inspections and 门前三包 red/black list entries in Fuzhou.

Everything is drawn from ``demo.rng("urban_management")`` in the order of ``demo.subjects`` and dated
relative to ``demo.today``, and written through the same record kinds as the mutations, so seeding
twice with the same reference date changes nothing (every item comes back UNCHANGED).

Over 400 lines on purpose: it is data (the demo's records), written out so a reader sees what the demo holds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from stdnum.cn import uscc

from gateway.api import (
    LONG_TERM,
    AdministrativeLicenseInput,
    AdministrativePenaltyInput,
    CreditListEntryInput,
    DemoContext,
    DemoSubject,
    LicenseCategory,
    ListType,
    PartyType,
    PenaltyCategory,
    RecordKind,
    SubjectKind,
    SubmissionPolicy,
    parse_subject_code,
)
from plugins.urban_management import rules
from plugins.urban_management.submissions import INSPECTIONS, LICENSES, LIST_ENTRIES, PENALTIES
from plugins.urban_management.types import UrbanInspectionInput


def _with_check(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


# Government organs (registration authority 1, type 1) and one public institution (1, 2) in Fuzhou;
# the organisation codes are made up, the check characters real.
COMMISSION = "福州市城市管理委员会"  # the data source unit of every demo record
COMMISSION_CODE = _with_check("11350100MB1703851")
AUTHORITIES: tuple[tuple[str, str, str], ...] = (  # (name, code, short name for document numbers)
    ("福州市鼓楼区城市管理局", _with_check("11350102MB1705127"), "鼓"),
    ("福州市台江区城市管理局", _with_check("11350103MB1706283"), "台"),
    ("福州市仓山区城市管理局", _with_check("11350104MB1707348"), "仓"),
    ("福州市城市管理综合执法支队", _with_check("12350100MB1708462"), "榕"),
)
SQUADS = ("第一中队", "第二中队", "第三中队", "机动中队")

SHOWCASE_CODE = "91350100M000100Y43"
SHOWCASE_FALLBACK_NAME = "福州闽都信用示范科技有限公司"

BATCH = 500
PENALTY_SHARE = 0.15
LICENSE_SHARE = 0.10
INSPECTION_SHARE = 0.10
RED_SHARE = 0.03
BLACK_SHARE = 0.015
HISTORY_DAYS = 1_000  # records reach back about three years
FIRST_NUMBER = 100  # document numbers 1–99 of each year are left to the showcase

_ROADS = ("五一中路", "八一七北路", "杨桥东路", "工业路", "六一北路", "江滨中大道", "浦上大道", "华林路")
_SURNAMES = "王李张刘陈杨黄林郑吴"
_GIVEN = "建国志强秀英丽华明辉海燕文斌"


@dataclass(frozen=True, slots=True)
class _Violation:
    """A kind of urban management case, before it is dated, placed and priced."""

    sub_area: str
    violation_type: str
    facts: str  # with {road}
    legal_basis: str
    fine_range: tuple[int, int]  # in yuan
    parties: frozenset[PartyType]


_ANYONE = frozenset(PartyType)
_BUSINESSES = frozenset({PartyType.LEGAL_PERSON, PartyType.INDIVIDUAL_BUSINESS})
_MARKET = "《城市市容和环境卫生管理条例》"
VIOLATIONS: tuple[_Violation, ...] = (
    _Violation(
        "OUTDOOR_ADVERTISING",
        "擅自设置户外广告设施",
        "未经批准，在{road}沿街建筑外立面擅自设置户外广告牌，面积约{size}平方米。",
        _MARKET + "第十一条、第三十六条",
        (1_000, 10_000),
        _BUSINESSES,
    ),
    _Violation(
        "STREET_MERCHANTS",
        "占道经营",
        "在{road}人行道上摆摊设点、占道经营，经劝阻拒不改正。",
        _MARKET + "第十四条、第三十六条",
        (50, 500),
        _ANYONE,
    ),
    _Violation(
        "CONSTRUCTION_WASTE",
        "运输建筑垃圾沿途撒漏",
        "运输建筑垃圾车辆未采取密闭措施，在{road}沿途撒漏约{size}米。",
        "《城市建筑垃圾管理规定》第十四条、第二十三条",
        (5_000, 50_000),
        frozenset({PartyType.LEGAL_PERSON}),
    ),
    _Violation(
        "SANITATION",
        "随意倾倒污水、废弃物",
        "向{road}雨水管道倾倒餐厨废弃油脂及污水。",
        _MARKET + "第十条、第三十四条",
        (100, 2_000),
        _ANYONE,
    ),
    _Violation(
        "FRONTAGE_RESPONSIBILITY",
        "不履行门前三包责任",
        "门前三包责任区（{road}）内乱堆乱放杂物，经责令限期改正，逾期未改正。",
        _MARKET + "第三十四条",
        (100, 1_000),
        _BUSINESSES,
    ),
    _Violation(
        "PARKING",
        "擅自占用城市道路设置地锁",
        "在{road}公共停车泊位擅自安装地锁{size}个，占用公共停车资源。",
        "《城市道路管理条例》第二十七条、第四十二条",
        (200, 2_000),
        _ANYONE,
    ),
    _Violation(
        "LANDSCAPING",
        "擅自砍伐城市树木",
        "未经批准，砍伐{road}绿化带行道树{size}株。",
        "《城市绿化条例》第二十条、第二十六条",
        (2_000, 20_000),
        _BUSINESSES,
    ),
    _Violation(
        "MUNICIPAL_FACILITIES",
        "擅自挖掘城市道路",
        "未经批准，在{road}擅自挖掘城市道路约{size}平方米敷设管线。",
        "《城市道路管理条例》第三十三条、第四十二条",
        (5_000, 20_000),
        frozenset({PartyType.LEGAL_PERSON}),
    ),
)


@dataclass(frozen=True, slots=True)
class _Permit:
    sub_area: str
    title: str
    category: LicenseCategory
    certificate: str | None
    content: str  # with {road}
    years: int | None  # None: long-term
    parties: frozenset[PartyType]


PERMITS: tuple[_Permit, ...] = (
    _Permit(
        "OUTDOOR_ADVERTISING",
        "户外广告设施设置许可决定书",
        LicenseCategory.ORDINARY,
        "户外广告设置许可证",
        "同意在{road}设置户外广告牌1块。",
        3,
        _BUSINESSES,
    ),
    _Permit(
        "STREET_MERCHANTS",
        "临时占用城市道路经营许可决定书",
        LicenseCategory.ORDINARY,
        None,
        "同意在{road}指定疏导点临时占道经营（早餐点），每日6:00至9:00。",
        1,
        _ANYONE,
    ),
    _Permit(
        "CONSTRUCTION_WASTE",
        "城市建筑垃圾处置（运输）核准决定书",
        LicenseCategory.APPROVAL,
        "建筑垃圾运输处置核准证",
        "核准从事建筑垃圾运输处置，运输线路经{road}。",
        1,
        frozenset({PartyType.LEGAL_PERSON}),
    ),
    _Permit(
        "SANITATION",
        "从事城市生活垃圾经营性清扫、收集、运输服务许可决定书",
        LicenseCategory.ORDINARY,
        "城市生活垃圾经营性服务许可证",
        "许可从事城市生活垃圾经营性清扫、收集、运输服务，服务区域含{road}沿线。",
        None,
        frozenset({PartyType.LEGAL_PERSON}),
    ),
    _Permit(
        "LANDSCAPING",
        "城市树木砍伐、迁移许可决定书",
        LicenseCategory.ORDINARY,
        None,
        "同意迁移{road}绿化带行道树3株。",
        1,
        _BUSINESSES,
    ),
    _Permit(
        "MUNICIPAL_FACILITIES",
        "城市道路挖掘许可决定书",
        LicenseCategory.ORDINARY,
        None,
        "同意挖掘{road}人行道约40平方米敷设通信管线，限期完工并恢复原状。",
        1,
        frozenset({PartyType.LEGAL_PERSON}),
    ),
)

# sub-area -> (inspection item, findings when passed, when to rectify, when failed)
CHECKS: dict[str, tuple[str, str, str, str]] = {
    "FRONTAGE_RESPONSIBILITY": (
        "门前三包责任落实情况",
        "责任区内整洁有序，无乱堆乱放、占道经营现象。",
        "责任区内堆放纸箱杂物，影响市容，责令限期清理。",
        "责任区内乱堆乱放、跨门经营，经督促仍未整改。",
    ),
    "SANITATION": (
        "餐厨垃圾收运及油污处置情况",
        "餐厨垃圾交有资质单位收运，台账完整。",
        "油水分离器未定期清掏，责令限期整改。",
        "无餐厨垃圾收运台账，油污直排雨水管道。",
    ),
    "OUTDOOR_ADVERTISING": (
        "户外广告设施安全状况",
        "广告设施结构牢固，已按期进行安全检测。",
        "广告牌面局部破损，责令限期维修。",
        "广告设施锈蚀严重，存在坠落隐患，未进行安全检测。",
    ),
    "CONSTRUCTION_WASTE": (
        "建筑垃圾运输车辆密闭及冲洗情况",
        "车辆密闭装置完好，出场冲洗到位。",
        "出场车辆冲洗不彻底，责令限期完善冲洗设施。",
        "运输车辆未密闭，带泥上路。",
    ),
    "HOUSEHOLD_WASTE_SORTING": (
        "生活垃圾分类投放情况",
        "分类收集容器齐全，分类投放准确。",
        "分类收集容器标识不全，责令限期补齐。",
        "未设置分类收集容器，混合投放。",
    ),
    "GAS_SAFETY": (
        "餐饮场所燃气使用安全",
        "已安装燃气泄漏报警装置，软管在使用期限内。",
        "燃气软管超期使用，责令限期更换。",
        "未安装燃气泄漏报警装置，瓶装燃气存放于地下室。",
    ),
}
INSPECTION_TYPE_WEIGHTS = {
    rules.InspectionType.ROUTINE: 40,
    rules.InspectionType.RANDOM: 30,
    rules.InspectionType.SPECIAL: 15,
    rules.InspectionType.COMPLAINT: 10,
    rules.InspectionType.FOLLOW_UP: 5,
}
RESULT_WEIGHTS = {
    rules.InspectionResult.PASSED: 60,
    rules.InspectionResult.RECTIFICATION_REQUIRED: 30,
    rules.InspectionResult.FAILED: 10,
}
RED_REASON = "门前三包责任落实到位，责任区连续十二个月无乱堆乱放、占道经营，群众满意度高。"
BLACK_REASON = "门前三包责任区内多次乱堆乱放、跨门经营，经责令整改后仍拒不改正。"


def party_type_of(subject: DemoSubject) -> PartyType:
    """The party type the code fits: a resident ID is a natural person, a 92… code an individual business."""
    if subject.code.is_natural_person:
        return PartyType.NATURAL_PERSON
    if subject.code.value.startswith("92"):
        return PartyType.INDIVIDUAL_BUSINESS
    return PartyType.LEGAL_PERSON


@dataclass
class _Builder:
    """Draws and numbers the demo's inputs; document numbers count up per kind and year."""

    rng: random.Random
    today: date
    penalties: list[AdministrativePenaltyInput]
    licenses: list[AdministrativeLicenseInput]
    inspections: list[UrbanInspectionInput]
    entries: list[CreditListEntryInput]
    numbers: dict[tuple[str, int], int]

    def number(self, kind: str, year: int) -> int:
        self.numbers[(kind, year)] = self.numbers.get((kind, year), FIRST_NUMBER) + self.rng.randint(1, 5)
        return self.numbers[(kind, year)]

    def day(self, low: int, high: int) -> date:
        """A day between ``high`` and ``low`` days ago."""
        return self.today - timedelta(days=self.rng.randint(low, high))

    def authority(self) -> tuple[str, str, str]:
        return self.rng.choice(AUTHORITIES)

    def person(self) -> str:
        return self.rng.choice(_SURNAMES) + "".join(self.rng.choice(_GIVEN) for _ in range(2))

    def representative(self, party: PartyType) -> str | None:
        """The legal representative, or an individual business's operator; none for a natural person."""
        return None if party is PartyType.NATURAL_PERSON else self.person()

    def penalty(self, subject: DemoSubject) -> None:
        party = party_type_of(subject)
        case = self.rng.choice([v for v in VIOLATIONS if party in v.parties])
        decided = self.day(10, HISTORY_DAYS)
        fine = Decimal(self.rng.randint(*case.fine_range) // 50 * 50).scaleb(-4)  # yuan to 万元
        categories = [PenaltyCategory.FINE]
        confiscated = None
        if case.sub_area == "STREET_MERCHANTS" and self.rng.random() < 0.3:
            categories.append(PenaltyCategory.CONFISCATION)
            confiscated = Decimal(self.rng.randint(2, 30) * 10).scaleb(-4)
        if fine < Decimal("0.02") and self.rng.random() < 0.5:
            categories, fine, confiscated = [PenaltyCategory.WARNING], None, None
        facts = case.facts.format(road=self.rng.choice(_ROADS), size=self.rng.randint(2, 40))
        self.penalties.append(
            _penalty_input(
                subject,
                party,
                self.representative(party),
                case,
                self.authority(),
                decided,
                self.number("罚", decided.year),
                facts,
                categories,
                fine,
                confiscated,
            )
        )

    def license(self, subject: DemoSubject) -> None:
        party = party_type_of(subject)
        permit = self.rng.choice([p for p in PERMITS if party in p.parties])
        decided = self.day(10, HISTORY_DAYS)
        self.licenses.append(
            _license_input(
                subject,
                party,
                self.representative(party),
                permit,
                self.authority(),
                decided,
                self.number("许", decided.year),
                self.rng.choice(_ROADS),
            )
        )

    def inspection(self, subject: DemoSubject) -> None:
        party = party_type_of(subject)
        sub_area = self.rng.choice(list(CHECKS))
        result = self.rng.choices(list(RESULT_WEIGHTS), weights=list(RESULT_WEIGHTS.values()))[0]
        kind = self.rng.choices(list(INSPECTION_TYPE_WEIGHTS), weights=list(INSPECTION_TYPE_WEIGHTS.values()))[0]
        inspected = self.day(5, HISTORY_DAYS)
        deadline = None
        if result is not rules.InspectionResult.PASSED:
            deadline = inspected + timedelta(days=self.rng.choice((7, 15, 30)))
        self.inspections.append(
            _inspection_input(
                subject,
                party,
                sub_area,
                kind,
                result,
                inspected,
                deadline,
                self.authority(),
                self.rng.choice(SQUADS),
                self.number("检", inspected.year),
            )
        )

    def list_entry(self, subject: DemoSubject, list_type: ListType) -> None:
        listed = self.day(20, HISTORY_DAYS)
        removal = listed + timedelta(days=365) if list_type is ListType.RED else None
        self.entries.append(
            _entry_input(subject, party_type_of(subject), list_type, listed, removal, self.number("信", listed.year))
        )


def _quarter(day: date) -> str:
    return f"{day.year}年第{(day.month - 1) // 3 + 1}季度"


def _penalty_input(
    subject: DemoSubject,
    party: PartyType,
    representative: str | None,
    case: _Violation,
    authority: tuple[str, str, str],
    decided: date,
    number: int,
    facts: str,
    categories: Sequence[PenaltyCategory],
    fine: Decimal | None,
    confiscated: Decimal | None,
) -> AdministrativePenaltyInput:
    name, code, short = authority
    if fine is None:
        content = "警告，责令立即改正。"
        publicity_days = 90
    else:
        content = f"责令改正，处罚款人民币{fine.scaleb(4):,.0f}元。"
        if confiscated is not None:
            content += f"没收经营工具及物品，折价{confiscated.scaleb(4):,.0f}元。"
        publicity_days = 365
    return AdministrativePenaltyInput(
        party_name=subject.name,
        party_type=party,
        party_code=subject.code.value,
        legal_representative=representative,
        document_number=f"{short}城管罚决〔{decided.year}〕{number}号",
        violation_type=case.violation_type,
        facts="经查，当事人" + facts,
        legal_basis=case.legal_basis,
        penalty_categories=list(categories),
        content=content,
        fine_amount=fine,
        confiscated_amount=confiscated,
        decision_date=decided,
        validity_date=decided + timedelta(days=publicity_days),
        publicity_end_date=decided + timedelta(days=publicity_days),
        deciding_authority=name,
        deciding_authority_code=code,
        source_unit=COMMISSION,
        source_unit_code=COMMISSION_CODE,
        sub_area=case.sub_area,
    )


def _license_input(
    subject: DemoSubject,
    party: PartyType,
    representative: str | None,
    permit: _Permit,
    authority: tuple[str, str, str],
    decided: date,
    number: int,
    road: str,
) -> AdministrativeLicenseInput:
    name, code, short = authority
    valid_to = LONG_TERM if permit.years is None else decided + timedelta(days=365 * permit.years - 1)
    return AdministrativeLicenseInput(
        party_name=subject.name,
        party_type=party,
        party_code=subject.code.value,
        legal_representative=representative,
        document_title=permit.title,
        document_number=f"{short}城管许〔{decided.year}〕{number}号",
        license_category=permit.category,
        certificate_name=permit.certificate,
        certificate_number=f"FZCG{decided.year}{number:05d}" if permit.certificate else None,
        content=permit.content.format(road=road),
        decision_date=decided,
        valid_from=decided,
        valid_to=valid_to,
        deciding_authority=name,
        deciding_authority_code=code,
        source_unit=COMMISSION,
        source_unit_code=COMMISSION_CODE,
        sub_area=permit.sub_area,
    )


def _inspection_input(
    subject: DemoSubject,
    party: PartyType,
    sub_area: str,
    kind: rules.InspectionType,
    result: rules.InspectionResult,
    inspected: date,
    deadline: date | None,
    authority: tuple[str, str, str],
    squad: str,
    number: int,
) -> UrbanInspectionInput:
    name, code, short = authority
    item, passed, rectify, failed = CHECKS[sub_area]
    findings = {
        rules.InspectionResult.PASSED: passed,
        rules.InspectionResult.RECTIFICATION_REQUIRED: rectify,
        rules.InspectionResult.FAILED: failed,
    }[result]
    return UrbanInspectionInput(
        party_name=subject.name,
        party_type=party,
        party_code=subject.code.value,
        document_number=f"{short}城管检〔{inspected.year}〕{number}号",
        inspection_type=kind,
        sub_area=sub_area,
        inspection_item=item,
        inspection_date=inspected,
        result=result,
        findings=findings,
        rectification_deadline=deadline,
        inspector_unit=f"{name}{squad}",
        deciding_authority=name,
        deciding_authority_code=code,
        source_unit=COMMISSION,
        source_unit_code=COMMISSION_CODE,
    )


def _entry_input(
    subject: DemoSubject, party: PartyType, list_type: ListType, listed: date, removal: date | None, number: int
) -> CreditListEntryInput:
    red = list_type is ListType.RED
    return CreditListEntryInput(
        party_name=subject.name,
        party_type=party,
        party_code=subject.code.value,
        list_type=list_type,
        list_name=f"福州市{_quarter(listed)}门前三包{'红榜' if red else '黑榜'}",
        reason=RED_REASON if red else BLACK_REASON,
        document_number=f"榕城管信〔{listed.year}〕{number}号",
        decision_date=listed,
        removal_date=removal,
        measures=None,  # the domain's defaults for the list type
        deciding_authority=COMMISSION,
        deciding_authority_code=COMMISSION_CODE,
        source_unit=COMMISSION,
        source_unit_code=COMMISSION_CODE,
        sub_area="FRONTAGE_RESPONSIBILITY",
    )


def _showcase(builder: _Builder, subject: DemoSubject) -> None:
    """A fixed story: an unauthorised billboard fined 2,000 yuan, then a licence for it, a passed
    门前三包 inspection, and a place on the red list."""
    today = builder.today
    authority = AUTHORITIES[0]
    party = PartyType.LEGAL_PERSON
    fined = today - timedelta(days=240)
    builder.penalties.append(
        _penalty_input(
            subject,
            party,
            "陈志强",
            VIOLATIONS[0],
            authority,
            fined,
            17,
            "未经批准，在五一中路沿街建筑外立面擅自设置户外广告牌，面积约12平方米。",
            [PenaltyCategory.FINE],
            Decimal("0.2"),
            None,
        )
    )
    licensed = today - timedelta(days=180)
    builder.licenses.append(_license_input(subject, party, "陈志强", PERMITS[0], authority, licensed, 23, "五一中路"))
    inspected = today - timedelta(days=75)
    builder.inspections.append(
        _inspection_input(
            subject,
            party,
            "FRONTAGE_RESPONSIBILITY",
            rules.InspectionType.RANDOM,
            rules.InspectionResult.PASSED,
            inspected,
            None,
            authority,
            SQUADS[0],
            31,
        )
    )
    builder.entries.append(_entry_input(subject, party, ListType.RED, today - timedelta(days=30), None, 9))


def build_demo(
    demo: DemoContext,
) -> tuple[
    list[AdministrativePenaltyInput],
    list[AdministrativeLicenseInput],
    list[UrbanInspectionInput],
    list[CreditListEntryInput],
]:
    """The demo's inputs, drawn subject by subject."""
    builder = _Builder(demo.rng(rules.DOMAIN), demo.today, [], [], [], [], {})
    subjects = list(demo.subjects)
    if not any(s.code.value == SHOWCASE_CODE for s in subjects):
        subjects.append(
            DemoSubject(parse_subject_code(SHOWCASE_CODE), SHOWCASE_FALLBACK_NAME, SubjectKind.LEGAL_PERSON)
        )
    rng = builder.rng
    for subject in subjects:
        if subject.code.value == SHOWCASE_CODE:
            _showcase(builder, subject)
            continue
        # Whether a subject gets each kind of record is drawn for every subject alike.
        draws = [rng.random() for _ in range(5)]
        if draws[0] < PENALTY_SHARE:
            builder.penalty(subject)
        if draws[1] < LICENSE_SHARE:
            builder.license(subject)
        if draws[2] < INSPECTION_SHARE and not subject.code.is_natural_person:
            builder.inspection(subject)
        if subject.code.is_natural_person:
            continue
        if draws[3] < RED_SHARE:
            builder.list_entry(subject, ListType.RED)
        elif draws[4] < BLACK_SHARE:
            builder.list_entry(subject, ListType.BLACK)
    return builder.penalties, builder.licenses, builder.inspections, builder.entries


async def seed(demo: DemoContext) -> None:
    penalties, licenses, inspections, entries = build_demo(demo)
    policy = SubmissionPolicy(
        secret_key=demo.secret_key, today=demo.today, kinds={s.code.value: s.kind for s in demo.subjects}
    )
    batches: tuple[tuple[RecordKind, Sequence[object]], ...] = (
        (PENALTIES, penalties),
        (LICENSES, licenses),
        (INSPECTIONS, inspections),
        (LIST_ENTRIES, entries),
    )
    for kind, inputs in batches:
        for start in range(0, len(inputs), BATCH):
            await kind.submit(demo.engine, inputs[start : start + BATCH], policy)
