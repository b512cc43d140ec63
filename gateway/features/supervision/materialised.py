"""Materialised grades (supervision_grade), kept current without the write paths knowing of supervision.

What makes a grade stale:

* a record inserted (submissions, imports, the negative record of a broken commitment) or updated (a
  dispute's flag, a revocation, a correction, a repair and its breach), and a workflow transition of a
  dispute or a repair, make the subject dirty: database triggers (migration supervision_0003) write it into
  supervision_dirty in the same transaction as the change, so it is visible exactly when the change is;
* a new rules version (a rules.toml or plugin rule change), or a day before the latest refreshed for (a
  clock set back), makes every grade stale;
* a grade whose ``next_change`` has come (a contributing fact left force) is recomputed.

:func:`refresh` consumes the dirty rows (PostgreSQL ``DELETE … RETURNING``; SQLite selects then deletes the
same subjects) and, in that transaction, marks those subjects stale (a subject first seen gets a row to
compute). A change still uncommitted is not consumed: its row becomes visible with it, for the next refresh;
an id-based watermark missed such a change on PostgreSQL, where ids are taken at insert, not at commit.
Then the stale rows are recomputed in batches of ``MAX_LOADER_BATCH`` subjects, each batch in its own
transaction (one statement per fact source, one for the facts' end dates, three writes), so that an
interrupted refresh keeps what it finished. Nothing precomputed is the same case: every subject is new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.db.bulk import any_of
from gateway.db.tables import credit_list_entry, credit_record
from gateway.features.supervision.grading import Grading, grade
from gateway.features.supervision.rules import GradeRules
from gateway.features.supervision.tables import (
    ANYWHERE,
    supervision_dirty,
    supervision_grade,
    supervision_scope,
    supervision_watermark,
)
from gateway.hooks.contributions import Fact, FactSource
from gateway.kernel.limits import MAX_LOADER_BATCH
from gateway.records.enums import Polarity
from gateway.records.publicity import current_rules, withheld_cutoff

WATERMARK_ID = 1
# The fact kinds the core states from the shared envelope alone (gateway.features.measures.facts): in force
# exactly while the record's status, publication window, withholding and list removal say so.
ENVELOPE_KINDS = frozenset({"list", "record", "broken_commitment"})


@dataclass(frozen=True, slots=True)
class Refreshed:
    recomputed: int  # grades computed by this refresh
    batches: int


async def mark_changes(engine: AsyncEngine, rules: GradeRules, day: dt.date) -> None:
    """Mark stale the subjects changed since the last refresh (every grade on a new rules version, or when
    ``day`` is before the latest day refreshed for: a clock set back), consuming supervision_dirty."""
    async with engine.begin() as conn:
        mark = await _watermark(conn, rules, day)
        if mark.rules_version != rules.version or day < mark.as_of:
            await conn.execute(supervision_grade.update().where(~supervision_grade.c.stale).values(stale=True))
        changed = await _consume_dirty(conn)
        if changed:
            await _mark_subjects(conn, changed)
        if (mark.rules_version, mark.as_of) != (rules.version, day):
            await conn.execute(
                supervision_watermark.update()
                .where(supervision_watermark.c.id == WATERMARK_ID)
                .values(rules_version=rules.version, as_of=day)
            )


async def _consume_dirty(conn: AsyncConnection) -> list[int]:
    """The subjects made dirty by committed changes, removed from supervision_dirty (each once, sorted).

    Deleting by subject is safe even for a row committed between SQLite's select and delete: the subject is
    marked stale in this same transaction, so it is recomputed from data committed after that row."""
    dirty = supervision_dirty.c.subject_id
    if conn.dialect.name == "postgresql":
        return sorted(set((await conn.execute(supervision_dirty.delete().returning(dirty))).scalars()))
    subjects = sorted(set((await conn.execute(sa.select(dirty).distinct())).scalars()))
    if subjects:
        await conn.execute(supervision_dirty.delete().where(any_of(dirty, subjects)))
    return subjects


async def _watermark(conn: AsyncConnection, rules: GradeRules, day: dt.date) -> Any:
    """The watermark, locked; made on the first refresh, whichever of two at once wins."""
    mark = (await conn.execute(_locked_watermark())).first()
    if mark is not None:
        return mark
    # The id columns are unused since supervision_0003 (supervision_dirty), still NOT NULL.
    first = {"rules_version": rules.version, "last_record_id": 0, "last_transition_id": 0, "as_of": day}
    try:
        async with conn.begin_nested():
            await conn.execute(supervision_watermark.insert().values(id=WATERMARK_ID, **first))
    except sa.exc.IntegrityError:
        pass  # another refresh made it first (and has committed: the insert waited for it)
    return (await conn.execute(_locked_watermark())).one()


def _locked_watermark() -> sa.Select[Any]:
    """The watermark row, locked to the end of the transaction (PostgreSQL; SQLite writes one at a time):
    refreshes run one at a time, so that two draws at once neither mark nor compute the same rows twice."""
    return sa.select(supervision_watermark).where(supervision_watermark.c.id == WATERMARK_ID).with_for_update()


async def _mark_subjects(conn: AsyncConnection, subject_ids: Sequence[int]) -> None:
    """Stale: the subjects ``subject_ids``; those without a row get one (two statements)."""
    grades = supervision_grade.c
    marked = await conn.execute(
        supervision_grade.update()
        .where(any_of(grades.subject_id, subject_ids))
        .values(stale=True)
        .returning(grades.subject_id)
    )
    known = set(marked.scalars())
    missing = [{"subject_id": sid, "stale": True} for sid in subject_ids if sid not in known]
    if missing:
        await conn.execute(supervision_grade.insert(), missing)


def _due(day: dt.date) -> sa.Select[Any]:
    """Rows to recompute: stale, or past the day their grade changes by itself."""
    grades = supervision_grade.c
    return sa.select(grades.subject_id).where(sa.or_(grades.stale, grades.next_change <= day))


async def refresh(
    engine: AsyncEngine,
    rules: GradeRules,
    sources: Sequence[FactSource],
    day: dt.date,
    now: dt.datetime,
    *,
    everything: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Refreshed:
    """Bring the materialised grades up to date (``everything``: recompute every row); ``progress(done, total)``
    is told after each batch."""
    await mark_changes(engine, rules, day)
    if everything:
        async with engine.begin() as conn:
            await conn.execute(supervision_grade.update().values(stale=True))
    total: int | None = None
    if progress is not None:
        async with engine.connect() as conn:
            count = sa.select(sa.func.count()).select_from(_due(day).subquery())
            total = int((await conn.execute(count)).scalar_one())
    done = batches = 0
    while True:
        async with engine.begin() as conn:
            await conn.execute(_locked_watermark())
            query = _due(day).order_by(supervision_grade.c.subject_id).limit(MAX_LOADER_BATCH)
            batch = list((await conn.execute(query)).scalars())
            if not batch:
                return Refreshed(done, batches)
            await compute_batch(conn, rules, sources, batch, day, now)
        done, batches = done + len(batch), batches + 1
        if progress is not None and total is not None:
            progress(done, max(total, done))


async def facts_of(
    conn: AsyncConnection, sources: Sequence[FactSource], subject_ids: Sequence[int], day: dt.date
) -> dict[int, list[Fact]]:
    """Every source's facts in force for the subjects (one statement per source)."""
    facts: dict[int, list[Fact]] = {sid: [] for sid in subject_ids}
    for source in sources:
        found = await source.load(conn, subject_ids, day)
        for sid, items in found.items():
            facts[sid].extend(f for f in items if f.kind in source.kinds)
    return facts


async def compute_batch(
    conn: AsyncConnection,
    rules: GradeRules,
    sources: Sequence[FactSource],
    subject_ids: Sequence[int],
    day: dt.date,
    now: dt.datetime,
) -> dict[int, Grading]:
    """Compute and store the grades of up to ``MAX_LOADER_BATCH`` subjects, and rebuild their draw scope."""
    facts = await facts_of(conn, sources, subject_ids, day)
    gradings = {sid: grade(rules, facts[sid]) for sid in subject_ids}
    ends = await _fact_ends(conn, [f.record_id for found in facts.values() for f in found if f.record_id], day)
    next_year = dt.date(day.year + 1, 1, 1)
    values = [
        {
            "sid": sid,
            "grade": found.overall.grade,
            "score": found.overall.score,
            "domains": {d: [g.grade, g.score] for d, g in found.domains},
            "rules_version": rules.version,
            "as_of": day,
            "computed_at": now,
            "next_change": _next_change(facts[sid], ends, next_year),
            "stale": False,
        }
        for sid, found in gradings.items()
    ]
    grades = supervision_grade.c
    await conn.execute(
        supervision_grade.update()
        .where(grades.subject_id == sa.bindparam("sid"))
        .values({k: sa.bindparam(k) for k in values[0] if k != "sid"}),
        values,
    )
    await conn.execute(supervision_scope.delete().where(supervision_scope.c.subject_id.in_(subject_ids)))
    records = credit_record.c
    held = sa.select(records.subject_id, records.domain, records.division_code).where(
        records.subject_id.in_(subject_ids)
    )
    scope = {
        (row.subject_id, row.domain, code)
        for row in await conn.execute(held.distinct())
        for code in (ANYWHERE, *division_levels(row.division_code))
    }
    if scope:
        overall = {sid: found.overall.grade for sid, found in gradings.items()}
        await conn.execute(
            supervision_scope.insert(),
            [
                {"subject_id": sid, "domain": domain, "division_code": code, "grade": overall[sid]}
                for sid, domain, code in sorted(scope)
            ],
        )
    return gradings


def _next_change(facts: Sequence[Fact], ends: Mapping[int, dt.date], next_year: dt.date) -> dt.date | None:
    """The first day one of the facts leaves force. The envelope's kinds leave force only by the envelope's
    dates (``ends``); another kind, or a fact of no record, may follow a calendar of its own (a tax grade
    ages out on 1 January), so it is looked at again on the next 1 January."""
    days = [ends[f.record_id] for f in facts if f.record_id in ends]
    if any(f.kind not in ENVELOPE_KINDS or f.record_id is None for f in facts):
        days.append(next_year)
    return min(days, default=None)


def division_levels(code: str | None) -> tuple[str, ...]:
    """The division codes a draw may name (their significant prefix, gateway.kernel.divisions) that cover a
    record of division ``code``: its province, city and county (2, 4 and 6 digits) and, for a town, itself;
    so that a draw in a division reads its subjects by equality, each once."""
    if not code:
        return ()
    return tuple(dict.fromkeys((code[:2], code[:4], code[:6], *((code,) if len(code) > 6 else ()))))


async def _fact_ends(conn: AsyncConnection, record_ids: Sequence[int], day: dt.date) -> dict[int, dt.date]:
    """The first day each record is no longer a fact in force, where it has one: the day after its
    publication window, the day a negative record is withheld, its list entry's removal date."""
    if not record_ids:
        return {}
    query = (
        sa.select(
            credit_record.c.id,
            credit_record.c.polarity,
            credit_record.c.decision_date,
            credit_record.c.published_until,
            credit_list_entry.c.removal_date,
        )
        .select_from(credit_record.outerjoin(credit_list_entry, credit_list_entry.c.record_id == credit_record.c.id))
        .where(credit_record.c.id.in_(sorted(set(record_ids))))
    )
    years = current_rules().dishonesty_withheld_after_years
    ends: dict[int, dt.date] = {}
    for row in await conn.execute(query):
        candidates = [d for d in (row.removal_date,) if d is not None]
        if row.published_until is not None:
            candidates.append(row.published_until + dt.timedelta(days=1))
        if row.polarity == Polarity.NEGATIVE.value:
            withheld = row.decision_date + relativedelta(years=years)
            while withheld_cutoff(withheld, years) < row.decision_date:  # 29 February
                withheld += dt.timedelta(days=1)
            candidates.append(withheld)
        later = [d for d in candidates if d > day]
        if later:
            ends[row.id] = min(later)
    return ends
