"""The urban management domain's grade rules for tiered supervision (hook ``grade_rules``): a serious penalty of
city management (城市管理) counts like any serious negative record, a general one a little less than elsewhere,
because most are minor street-order cases; its black list caps the grade at D."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.api import GradeRule, hookimpl

GRADE_RULES = (
    GradeRule("list", -40, at_most="D", list_type="BLACK"),
    GradeRule("record", -20, polarity="NEGATIVE", severity="SERIOUS"),
    GradeRule("record", -8, polarity="NEGATIVE", severity="GENERAL"),
)


@hookimpl
def grade_rules() -> Sequence[GradeRule]:
    return GRADE_RULES
