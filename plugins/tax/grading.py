"""The tax domain's grade rules for tiered supervision (hook ``grade_rules``): the tax credit grade (纳税信用等级)
a subject holds scores towards its supervision grade, and a D caps it at D. The rules claim the ``tax_grade``
fact kind, which carries no domain of its own, for the tax domain."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.api import GradeRule, hookimpl

GRADE_RULES = (
    GradeRule("tax_grade", 10, grade="A"),
    GradeRule("tax_grade", 5, grade="B"),
    GradeRule("tax_grade", -15, grade="C"),
    GradeRule("tax_grade", -40, at_most="D", grade="D"),
)


@hookimpl
def grade_rules() -> Sequence[GradeRule]:
    return GRADE_RULES
