"""The construction domain's grade rules for tiered supervision (hook ``grade_rules``): bad conduct on a building
site (不良行为) weighs more than a general negative record, good conduct (良好行为) less than a red list; the
black list falls to the general rules (D whatever else the subject has)."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.api import GradeRule, hookimpl

BAD_CONDUCT = "BAD_CONDUCT"  # plugins.construction.rules.BAD_CONDUCT_CATEGORY
GOOD_CONDUCT = "GOOD_CONDUCT"

GRADE_RULES = (
    GradeRule("record", -25, category=BAD_CONDUCT, polarity="NEGATIVE", severity="SERIOUS"),
    GradeRule("record", -10, category=BAD_CONDUCT, polarity="NEGATIVE"),
    GradeRule("record", 5, category=GOOD_CONDUCT, polarity="POSITIVE"),
)


@hookimpl
def grade_rules() -> Sequence[GradeRule]:
    return GRADE_RULES
