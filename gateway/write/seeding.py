"""Seeding the demo again leaves alone what the workflows did to demo records.

Demo data is written through the submission path, which is idempotent on each record's natural key
as long as the held record is the one submitted. A workflow may change a record after it was
seeded: a dispute verified CORRECTED changes its severity, dates, document number or deciding
authority (and keeps the earlier revision in ``record_revision``). Seeding again must neither
refuse that record as a clash (``DUPLICATE_RECORD``, which used to stop ``serve --demo``) nor,
when its document number was corrected, submit it anew under its old number. Status changes
(revoked, repaired) touch nothing a submission compares, so they need nothing here.

While :func:`keeping_workflow_changes` is active (``gateway.host.demo.seed`` runs every plugin's
``seed_demo_data`` inside it, so a third-party plugin is covered too), the submission path asks
:func:`records_changed_by_workflows` which items are such records, and counts them UNCHANGED. It is
a context variable rather than a parameter because plugins call ``RecordKind.submit`` themselves.
Outside it (mutations, imports) nothing changes: a clash with a corrected record is still reported.

Submission times: a record's ``created_at`` is its submission (the database sets it at insert), and the
collection metrics judge timeliness by it. Demo records are all inserted at seeding time, which would make
every one of them months late, so :func:`seeding_demo` gives the records a seeding inserts realistic
submission times afterwards: most a few working days after their decision, some late
(:func:`demo_submission_time`). Only records that seeding inserted are touched; seeding again inserts none.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import AsyncIterator, Hashable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.db.tables import credit_record, record_revision
from gateway.kernel.clock import CHINA
from gateway.kernel.workdays import WorkingCalendar

if TYPE_CHECKING:
    from gateway.write.submissions import Submission

_KEEPING: ContextVar[bool] = ContextVar("keeping_workflow_changes", default=False)
_CHUNK = 1000


@contextmanager
def keeping_workflow_changes() -> Iterator[None]:
    """Within this block, submissions count demo records changed by a workflow as unchanged."""
    token = _KEEPING.set(True)
    try:
        yield
    finally:
        _KEEPING.reset(token)


def keeping() -> bool:
    return _KEEPING.get()


async def records_changed_by_workflows(
    conn: AsyncConnection, items: Sequence[Submission], existing: Mapping[Hashable, tuple[int, Hashable]]
) -> dict[Hashable, tuple[int, Hashable]]:
    """Keys of ``items`` whose record a correction changed, mapped to (held record id, the item's own
    fingerprint), so that the submission path reads them as held identically:

    * the key holds a different record, and that record has been corrected (revision > 1);
    * the key is not held, but an earlier revision of a record had the item's source unit and
      document number: the correction renumbered it.
    """
    changed: dict[Hashable, tuple[int, Hashable]] = {}
    clashing = {i.key: i for i in items if i.key in existing and existing[i.key][1] != i.fingerprint}
    if clashing:
        ids = sorted({existing[key][0] for key in clashing})
        corrected: set[int] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            query = sa.select(credit_record.c.id).where(credit_record.c.id.in_(chunk), credit_record.c.revision > 1)
            corrected.update((await conn.execute(query)).scalars())
        changed.update({k: (existing[k][0], i.fingerprint) for k, i in clashing.items() if existing[k][0] in corrected})
    absent = {
        (i.envelope.source_unit_code, i.envelope.document_number): i
        for i in items
        if i.key not in existing and i.envelope.document_number is not None
    }
    if absent:
        # Revisions are few (one per correction); those of the items' source units are read whole,
        # since the earlier document number is only in each revision's JSON envelope.
        units = sorted({unit for unit, _ in absent})
        query = (
            sa.select(record_revision.c.record_id, record_revision.c.envelope)
            .join(credit_record, credit_record.c.id == record_revision.c.record_id)
            .where(credit_record.c.source_unit_code.in_(units))
        )
        for record_id, envelope in (await conn.execute(query)).all():
            earlier: dict[str, Any] = orjson.loads(envelope)
            item = absent.get((earlier.get("source_unit_code"), earlier.get("document_number")))
            if item is not None:
                changed[item.key] = (record_id, item.fingerprint)
    return changed


@asynccontextmanager
async def seeding_demo(engine: AsyncEngine, seed: int) -> AsyncIterator[None]:
    """Seed the demo inside this block: :func:`keeping_workflow_changes`, then the records it inserted get
    realistic submission times."""
    async with engine.connect() as conn:
        before = (await conn.execute(sa.select(sa.func.coalesce(sa.func.max(credit_record.c.id), 0)))).scalar_one()
    with keeping_workflow_changes():
        yield
    await backdate_submissions(engine, after_id=before, seed=seed)


def demo_submission_time(
    calendar: WorkingCalendar, decided: dt.date, key: str, seed: int, now: dt.datetime
) -> dt.datetime:
    """When a demo record was submitted (UTC), drawn from ``key`` alone so that every run agrees: eight in
    ten within 5 working days of the decision, one in ten on the 6th or 7th, one in ten late (8 to 40),
    during office hours in China, and never after ``now``."""
    rng = random.Random(f"{seed}:submitted:{key}")
    draw = rng.random()
    days = rng.randint(0, 5) if draw < 0.8 else rng.randint(6, 7) if draw < 0.9 else rng.randint(8, 40)
    day = calendar.add_working_days(decided, days)
    at = dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)), CHINA).astimezone(dt.UTC)
    return min(at, now)


async def backdate_submissions(engine: AsyncEngine, *, after_id: int, seed: int) -> int:
    """Give the records with ids above ``after_id`` (those a seeding inserted) demo submission times; returns
    how many. One read and one executemany update, whatever the number."""
    calendar = WorkingCalendar()
    now = dt.datetime.now(dt.UTC)
    async with engine.begin() as conn:
        rows = (
            await conn.execute(
                sa.select(
                    credit_record.c.id,
                    credit_record.c.decision_date,
                    credit_record.c.source_unit_code,
                    credit_record.c.document_number,
                ).where(credit_record.c.id > after_id)
            )
        ).all()
        if not rows:
            return 0
        times = [
            {
                "record": row.id,
                "submitted": demo_submission_time(
                    calendar, row.decision_date, f"{row.source_unit_code}:{row.document_number or row.id}", seed, now
                ),
            }
            for row in rows
        ]
        await conn.execute(
            credit_record.update()
            .where(credit_record.c.id == sa.bindparam("record"))
            .values(created_at=sa.bindparam("submitted")),
            times,
        )
    return len(times)
