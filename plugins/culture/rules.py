"""The culture domain's rules (文化和旅游市场信用): its sub-areas, the measures its red and black lists
trigger (红黑榜), and how a red-list entry opens the green channel (绿色通道).

The domain holds only shared-format records: double-publicity penalties and licences and list
entries. This module declares them under the domain's name and adds what the shared formats do not
know: which measures belong to which list type, and what a subject's green channel is today.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from gateway.api import (
    CreditLists,
    DoublePublicity,
    ItemError,
    ListType,
    RecordKind,
    RecordStatus,
    SubmissionPolicy,
    Validated,
)

DOMAIN = "culture"

# 文化市场 sub-areas as culture market enforcement (文化市场综合执法) divides them.
SUB_AREAS = {
    "PERFORMANCE": "营业性演出",
    "ENTERTAINMENT": "娱乐场所",
    "INTERNET_CULTURE": "网络文化",
    "INTERNET_SERVICE_VENUES": "互联网上网服务营业场所",
    "PUBLISHING": "出版物",
    "ART_MARKET": "艺术品",
    "TOURISM": "旅游",
    "CULTURAL_RELICS": "文物",
    "RADIO_FILM_TELEVISION": "广播电视和电影",
}


@dataclass(frozen=True, slots=True)
class Measure:
    """A joint reward (red list) or punishment (black list) measure a listing triggers."""

    code: str
    label: str
    list_type: ListType
    description: str


MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        # The green channel (绿色通道) of a red-list subject.
        Measure(
            "PRIORITY_HANDLING",
            "优先办理",
            ListType.RED,
            "行政审批和公共服务事项开通绿色通道，优先受理、优先办理。",
        ),
        Measure(
            "MISSING_DOCUMENT_TOLERANCE",
            "容缺受理",
            ListType.RED,
            "基本条件具备、主要申请材料齐全而次要材料欠缺时先予受理，申请人按承诺时限补齐。",
        ),
        Measure(
            "SIMPLIFIED_PROCEDURES",
            "简化程序",
            ListType.RED,
            "简化审批流程、减少现场核查环节，适用告知承诺制。",
        ),
        # Restrictions on a black-list subject.
        Measure(
            "INCREASED_INSPECTION",
            "加大检查频次",
            ListType.BLACK,
            "列为重点监管对象，提高随机抽查比例和频次。",
        ),
        Measure(
            "RESTRICTED_FROM_SUBSIDIES",
            "限制申请财政资金",
            ListType.BLACK,
            "限制申请文化和旅游领域财政资金项目支持。",
        ),
        Measure(
            "PUBLIC_EXPOSURE",
            "公开曝光",
            ListType.BLACK,
            "通过信用中国网站、部门门户网站等渠道公开曝光。",
        ),
        Measure(
            "RESTRICTED_FROM_HONOURS",
            "限制评优评先",
            ListType.BLACK,
            "限制参加文化和旅游领域的评优评先和表彰奖励。",
        ),
        Measure(
            "NO_SIMPLIFIED_PROCEDURES",
            "不适用告知承诺制",
            ListType.BLACK,
            "不适用告知承诺制、容缺受理等便利措施。",
        ),
    )
}
# The green channel's measure in the joint rewards and punishments catalogue (core.measures), whose conflict
# rule decides whether a punishment withholds it.
GREEN_CHANNEL_MEASURE = "CULTURE_GREEN_CHANNEL"
GREEN_CHANNEL = tuple(code for code, m in MEASURES.items() if m.list_type is ListType.RED)
DEFAULT_MEASURES = {
    ListType.RED: GREEN_CHANNEL,
    ListType.BLACK: ("INCREASED_INSPECTION", "RESTRICTED_FROM_SUBSIDIES", "PUBLIC_EXPOSURE"),
}

CULTURE = DoublePublicity(domain=DOMAIN, sub_areas=SUB_AREAS)
LISTS = CreditLists(
    domain=DOMAIN,
    measures={code: m.label for code, m in MEASURES.items()},
    default_measures=DEFAULT_MEASURES,
    sub_areas=SUB_AREAS,
)


def measure_problems(list_type: ListType, measures: Iterable[str]) -> list[str]:
    """Measures of the other list type: a red list rewards and a black list restricts, never the reverse."""
    return [m for m in measures if m in MEASURES and MEASURES[m].list_type is not list_type]


def validate_list_entries(inputs: Sequence[Any], policy: SubmissionPolicy) -> Validated:
    """The shared list-entry validation, plus: each named measure belongs to the entry's list type."""
    validated = LISTS.validate(inputs, policy)
    items = list(validated.items)
    errors = list(validated.errors)
    for index, raw in enumerate(inputs):
        wrong = measure_problems(raw.list_type, (m.strip() for m in raw.measures or ()))
        if wrong:
            kind = "red" if raw.list_type is ListType.RED else "black"
            errors.append(ItemError(index, "measures", f"not measures of a {kind} list: {', '.join(wrong[:5])}"))
            items[index] = None
    errors.sort(key=lambda e: e.index)
    return Validated(items, errors)


PENALTIES = CULTURE.penalties
LICENSES = CULTURE.licenses
_entries = LISTS.entries
LIST_ENTRIES = RecordKind(_entries.name, validate_list_entries, _entries.find_existing, _entries.write_details)


def is_current(entry: Any, today: date) -> bool:
    """An entry is on its list when neither removed (by date) nor revoked or repaired (by the core)."""
    return entry.status is RecordStatus.ACTIVE and (entry.removal_date is None or entry.removal_date > today)


@dataclass(frozen=True, slots=True)
class GreenChannel:
    eligible: bool
    incentives: tuple[Measure, ...]
    since: date | None


def green_channel(entries: Iterable[Any], today: date) -> GreenChannel:
    """What a subject's current red-list entries grant today.

    The incentives are the green-channel measures of the entries on the red list today, in catalogue
    order; ``since`` is the earliest listing date among the entries granting any. A current black-list
    entry of the domain suspends the green channel: a subject punished for dishonesty is not rewarded.
    """
    current = [e for e in entries if is_current(e, today)]
    if any(e.list_type is ListType.BLACK for e in current):
        return GreenChannel(False, (), None)
    granting = [e for e in current if e.list_type is ListType.RED and set(e.measures) & set(GREEN_CHANNEL)]
    held = {m for e in granting for m in e.measures}
    incentives = tuple(MEASURES[code] for code in GREEN_CHANNEL if code in held)
    since = min((e.decision_date for e in granting), default=None)
    return GreenChannel(bool(incentives), incentives, since)
