"""The core's measure facts, from the shared envelope every domain writes: list memberships (red and black
lists of any domain, with the list entry's removal date), records by category and severity, and broken
credit commitments. One statement for all the subjects of a level; only records in force count.

"In force" is what the public is shown (gateway.records.publicity): active (not repaired, not revoked),
inside its publication window, not withheld after its years; a list entry also not removed by its date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.bulk import any_of
from gateway.db.tables import credit_list_entry, credit_record
from gateway.hooks.contributions import Fact, FactSource
from gateway.records.enums import Polarity, RecordStatus
from gateway.records.publicity import current_rules, withheld_cutoff

LIST_CATEGORIES = {"RED_LIST": "RED", "BLACK_LIST": "BLACK"}  # gateway.formats.credit_lists.list_category
# The lifecycle's category of the negative record a broken commitment creates (core.lifecycle writes it;
# features do not import each other, so the name is repeated here).
BREACH_CATEGORY = "COMMITMENT_BREACH"
LIST_TYPE_LABELS = {"RED": "红名单", "BLACK": "黑名单"}


def in_force_clause(table: sa.Table = credit_record) -> sa.ColumnElement[bool]:
    """In force on ``:day``, with ``:withheld_cutoff``: the publication rule, as bound parameters so that the
    statement is built once (gateway.records.publicity.published_clause builds it per day)."""
    return sa.and_(
        table.c.status == RecordStatus.ACTIVE.value,
        sa.or_(table.c.published_until.is_(None), table.c.published_until >= sa.bindparam("day", type_=sa.Date)),
        sa.or_(
            table.c.polarity != Polarity.NEGATIVE.value,
            table.c.decision_date > sa.bindparam("withheld_cutoff", type_=sa.Date),
        ),
    )


# Built once: one SQL text for any number of subjects (gateway.db.bulk.any_of). Neutral records (licences,
# inspections) neither reward nor punish, so they are left out.
_FACTS = (
    sa.select(
        credit_record.c.id,
        credit_record.c.subject_id,
        credit_record.c.domain,
        credit_record.c.category,
        credit_record.c.polarity,
        credit_record.c.severity,
        credit_record.c.decision_date,
        credit_record.c.document_number,
        credit_list_entry.c.list_name,
    )
    .select_from(credit_record.outerjoin(credit_list_entry, credit_list_entry.c.record_id == credit_record.c.id))
    .where(
        any_of(credit_record.c.subject_id, name="subject_ids"),
        credit_record.c.polarity != Polarity.NEUTRAL.value,
        in_force_clause(),
        sa.or_(
            credit_list_entry.c.removal_date.is_(None),
            credit_list_entry.c.removal_date > sa.bindparam("day", type_=sa.Date),
        ),
    )
)


async def load_core_facts(
    connection: AsyncConnection, subject_ids: Sequence[int], today: dt.date
) -> Mapping[int, list[Fact]]:
    if not subject_ids:
        return {}
    cutoff = withheld_cutoff(today, current_rules().dishonesty_withheld_after_years)
    rows = (
        await connection.execute(_FACTS, {"subject_ids": list(subject_ids), "day": today, "withheld_cutoff": cutoff})
    ).all()
    found: dict[int, list[Fact]] = {}
    for row in rows:
        found.setdefault(row.subject_id, []).append(fact_of(row))
    return found


def fact_of(row: Any) -> Fact:
    document = f"（{row.document_number}）" if row.document_number else ""
    list_type = LIST_CATEGORIES.get(row.category)
    if list_type is not None:
        name = row.list_name or LIST_TYPE_LABELS[list_type]
        return Fact(
            "list",
            {"domain": row.domain, "list_type": list_type},
            int(row.id),
            f"{row.domain} {LIST_TYPE_LABELS[list_type]}：{name}{document}",
            row.decision_date,
        )
    if row.category == BREACH_CATEGORY:
        return Fact(
            "broken_commitment",
            {"domain": row.domain},
            int(row.id),
            f"{row.domain} 违背信用承诺{document}",
            row.decision_date,
        )
    attributes = {"domain": row.domain, "category": row.category, "polarity": row.polarity}
    if row.severity:
        attributes["severity"] = row.severity
    severity = f"，{row.severity}" if row.severity else ""
    return Fact(
        "record",
        attributes,
        int(row.id),
        f"{row.domain} {row.category}（{row.polarity}{severity}）{document}",
        row.decision_date,
    )


CORE_FACTS = FactSource(("list", "record", "broken_commitment"), load_core_facts)
