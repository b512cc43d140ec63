"""The culture and tourism domain's grade rules for tiered supervision (hook ``grade_rules``): its red list (红榜)
earns more than the general red list, because a red-listed business gets the green channel and fewer
inspections; a black-list entry (黑榜) caps the grade at D like any other."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.api import GradeRule, hookimpl

GRADE_RULES = (
    GradeRule("list", 15, list_type="RED"),
    GradeRule("list", -40, at_most="D", list_type="BLACK"),
)


@hookimpl
def grade_rules() -> Sequence[GradeRule]:
    return GRADE_RULES
