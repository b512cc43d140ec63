"""The domain rules of urban management (城市管理), free of GraphQL and SQL.

Penalties and licences use the national double-publicity format and the 门前三包 red and black
lists the shared list format, both declared here with this domain's sub-areas and measures. The
domain's own record kind is the inspection result (检查结果): a routine, random or special check
of a subject in one sub-area that passed, needs rectification by a deadline, or failed.
"""

from __future__ import annotations

import enum
from datetime import date

from gateway.api import CreditLists, DoublePublicity, ListType, Polarity, Severity

DOMAIN = "urban_management"

# What urban management decides about, as the record's subArea (code -> label shown to people).
SUB_AREAS: dict[str, str] = {
    "OUTDOOR_ADVERTISING": "户外广告",
    "STREET_MERCHANTS": "占道经营/流动摊贩",
    "CONSTRUCTION_WASTE": "建筑垃圾运输",
    "SANITATION": "环境卫生",
    "FRONTAGE_RESPONSIBILITY": "门前三包",
    "PARKING": "停车管理",
    "LANDSCAPING": "园林绿化",
    "MUNICIPAL_FACILITIES": "市政设施",
    "URBAN_APPEARANCE": "市容秩序",
    "HOUSEHOLD_WASTE_SORTING": "生活垃圾分类",
    "GAS_SAFETY": "城镇燃气",
}

# Joint rewards and punishments the 门前三包 红黑榜 triggers.
MEASURES: dict[str, str] = {
    "PUBLIC_COMMENDATION": "公开通报表扬",
    "REDUCED_INSPECTION": "降低日常检查频次",
    "PRIORITY_SERVICE": "城市管理审批事项优先办理（绿色通道）",
    "INCREASED_INSPECTION": "提高日常检查频次",
    "PUBLIC_EXPOSURE": "通过媒体公开曝光",
    "RESTRICTED_HONOURS": "限制参加评先评优",
    "STRICTER_PERMITS": "从严审批户外广告、临时占道等许可",
}
DEFAULT_MEASURES: dict[ListType, tuple[str, ...]] = {
    ListType.RED: ("PUBLIC_COMMENDATION", "REDUCED_INSPECTION"),
    ListType.BLACK: ("INCREASED_INSPECTION", "PUBLIC_EXPOSURE", "RESTRICTED_HONOURS"),
}

URBAN = DoublePublicity(domain=DOMAIN, sub_areas=SUB_AREAS)
LISTS = CreditLists(domain=DOMAIN, measures=MEASURES, default_measures=DEFAULT_MEASURES, sub_areas=SUB_AREAS)

INSPECTION_RECORD_TYPE = "UrbanInspection"
INSPECTION_CATEGORY = "INSPECTION"


class InspectionType(enum.StrEnum):
    """检查类型."""

    ROUTINE = "ROUTINE"  # 日常巡查
    RANDOM = "RANDOM"  # 双随机抽查
    SPECIAL = "SPECIAL"  # 专项检查
    COMPLAINT = "COMPLAINT"  # 投诉举报核查
    FOLLOW_UP = "FOLLOW_UP"  # 整改复查


INSPECTION_TYPE_LABELS = {
    "日常巡查": InspectionType.ROUTINE,
    "日常检查": InspectionType.ROUTINE,
    "双随机抽查": InspectionType.RANDOM,
    "随机抽查": InspectionType.RANDOM,
    "专项检查": InspectionType.SPECIAL,
    "投诉举报核查": InspectionType.COMPLAINT,
    "投诉核查": InspectionType.COMPLAINT,
    "整改复查": InspectionType.FOLLOW_UP,
    "复查": InspectionType.FOLLOW_UP,
}


class InspectionResult(enum.StrEnum):
    """检查结果."""

    PASSED = "PASSED"  # 合格
    RECTIFICATION_REQUIRED = "RECTIFICATION_REQUIRED"  # 责令限期整改
    FAILED = "FAILED"  # 不合格


INSPECTION_RESULT_LABELS = {
    "合格": InspectionResult.PASSED,
    "通过": InspectionResult.PASSED,
    "责令整改": InspectionResult.RECTIFICATION_REQUIRED,
    "限期整改": InspectionResult.RECTIFICATION_REQUIRED,
    "责令限期整改": InspectionResult.RECTIFICATION_REQUIRED,
    "不合格": InspectionResult.FAILED,
}

# A passed inspection speaks for the subject, a failed one against it (minor: the publicity rules publish
# minor records for at most three months); an order to rectify says neither yet.
_POLARITY = {
    InspectionResult.PASSED: Polarity.POSITIVE,
    InspectionResult.RECTIFICATION_REQUIRED: Polarity.NEUTRAL,
    InspectionResult.FAILED: Polarity.NEGATIVE,
}


def inspection_polarity(result: InspectionResult) -> Polarity:
    return _POLARITY[result]


def inspection_severity(result: InspectionResult) -> Severity | None:
    return Severity.MINOR if result is InspectionResult.FAILED else None


def deadline_problems(result: InspectionResult, inspected: date, deadline: date | None) -> list[tuple[str, str]]:
    """What is wrong with a rectification deadline given the result; ``(field, message)`` pairs.

    An order to rectify needs a deadline after the inspection; a failed inspection may set one; a
    passed inspection has nothing to rectify.
    """
    if deadline is None:
        if result is InspectionResult.RECTIFICATION_REQUIRED:
            return [("rectificationDeadline", "RECTIFICATION_REQUIRED needs the rectification deadline")]
        return []
    if result is InspectionResult.PASSED:
        return [("rectificationDeadline", "a PASSED inspection has nothing to rectify; leave the deadline empty")]
    if deadline <= inspected:
        return [("rectificationDeadline", "must be after the inspection date")]
    return []
