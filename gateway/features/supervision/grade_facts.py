"""The supervision grade as a fact of the measures catalogue (hook ``measure_facts``, kind
``supervision_grade``), so that a measure triggered by a grade (a D subject inspected more often) applies.

A fact source runs one statement of its own, and a grade is made of every other source's facts: so the fact
is read from the materialised grades (supervision_grade), never computed here. A grade is stated only while
it is known to be current, in that one statement:

* computed (not stale), of the rules in force, and not past the day it changes by itself;
* nothing of the subject changed since the last refresh: no row of it in supervision_dirty, which database
  triggers write in the transaction of every record written or changed and every dispute or repair
  transition (what the next refresh marks stale). A change is visible here exactly when it commits.

Otherwise the subject has no grade fact until the next refresh (a draw, or ``credit-gateway supervision
regrade``, which a deployment schedules): a measure never applies on a grade that may be out of date.
The grading itself leaves this kind out (:func:`grading_sources`): a grade is never made of a grade.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.bulk import any_of
from gateway.features.supervision.tables import supervision_dirty, supervision_grade, supervision_watermark
from gateway.hooks.contributions import Fact, FactSource

GRADE_KIND = "supervision_grade"
_WATERMARK_ID = 1  # the one row of supervision_watermark (gateway.features.supervision.materialised)

# The rules version in force, set whenever the rules are worked out (at the start, and by every draw): grades
# of another version are not stated. Before that, the version the watermark holds (the last refresh's).
_rules_version: dict[str, str | None] = {"current": None}


def set_rules_version(version: str) -> None:
    _rules_version["current"] = version


def _changed_since_refresh(grades: Any) -> sa.ColumnElement[bool]:
    return sa.exists().where(supervision_dirty.c.subject_id == grades.c.subject_id)


def _statement() -> sa.Select[Any]:
    grades, mark = supervision_grade, supervision_watermark
    return (
        sa.select(grades.c.subject_id, grades.c.grade, grades.c.score, grades.c.as_of)
        .select_from(grades.join(mark, mark.c.id == _WATERMARK_ID))
        .where(
            any_of(grades.c.subject_id, name="subject_ids"),
            grades.c.grade.is_not(None),
            sa.not_(grades.c.stale),
            grades.c.rules_version
            == sa.func.coalesce(sa.bindparam("rules_version", type_=sa.String), mark.c.rules_version),
            grades.c.rules_version == mark.c.rules_version,
            sa.or_(grades.c.next_change.is_(None), grades.c.next_change > sa.bindparam("today", type_=sa.Date)),
            grades.c.as_of <= sa.bindparam("today", type_=sa.Date),
            sa.not_(_changed_since_refresh(grades)),
        )
    )


_GRADES = _statement()  # built once: one SQL text for any number of subjects


async def load_grade_facts(
    connection: AsyncConnection, subject_ids: Sequence[int], today: dt.date
) -> Mapping[int, list[Fact]]:
    if not subject_ids:
        return {}
    parameters = {"subject_ids": list(subject_ids), "rules_version": _rules_version["current"], "today": today}
    rows = (await connection.execute(_GRADES, parameters)).all()
    return {
        row.subject_id: [
            Fact(
                GRADE_KIND,
                {"grade": row.grade},
                None,
                f"信用分级分类监管等级 {row.grade}（{row.score} 分，{row.as_of.isoformat()} 评定）",
                row.as_of,
            )
        ]
        for row in rows
    }


GRADE_FACTS = FactSource((GRADE_KIND,), load_grade_facts)


def grading_sources(measure_facts: Mapping[str, FactSource]) -> dict[str, FactSource]:
    """The fact sources a grade is made of (by loader name): every one but the grade's own."""
    return {name: source for name, source in measure_facts.items() if GRADE_KIND not in source.kinds}
