"""What makes a materialised grade stale is written by database triggers (supervision_dirty) in the change's
own transaction: a record committed after a later-numbered one is not missed (PostgreSQL, two connections),
the grade fact is not stated while the change waits for a refresh, a bulk import leaves every subject it
touched dirty (and the triggers de-duplicate), and a refresh consumes what it marked."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.db.tables import credit_record
from gateway.features.supervision import materialised
from gateway.features.supervision.contributed import rules_for
from gateway.features.supervision.grade_facts import grading_sources, load_grade_facts
from gateway.features.supervision.tables import supervision_dirty, supervision_grade
from gateway.host.demo import demo_subjects, seed
from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness
from gateway.write.importing import import_file
from gateway.write.submissions import SubmissionPolicy

DAY = dt.date(2026, 11, 1)
NOW = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)


async def _refresh(gw: GatewayHarness) -> materialised.Refreshed:
    composition = gw.graph.composition
    sources = list(grading_sources(composition.measure_facts).values())
    return await materialised.refresh(gw.engine, rules_for(composition), sources, DAY, NOW)


async def _grades(gw: GatewayHarness) -> dict[int, Any]:
    async with gw.engine.connect() as conn:
        return {row.subject_id: row for row in await conn.execute(sa.select(supervision_grade))}


async def _dirty(gw: GatewayHarness) -> list[int]:
    async with gw.engine.connect() as conn:
        return list((await conn.execute(sa.select(supervision_dirty.c.subject_id))).scalars())


async def _stated(gw: GatewayHarness, subject_id: int) -> list[dict[str, Any]]:
    async with gw.engine.connect() as conn:
        facts = await load_grade_facts(conn, [subject_id], DAY)
    return [fact.attributes for fact in facts.get(subject_id, [])]


def _copy_of(record_id: int, subject_id: int, suffix: str) -> tuple[sa.TextClause, dict[str, Any]]:
    """An INSERT of a copy of record ``record_id`` for another subject (another document number)."""
    columns = [c.name for c in credit_record.columns if c.name != "id"]
    selected = ", ".join(
        ":subject" if c == "subject_id" else f"document_number || '{suffix}'" if c == "document_number" else c
        for c in columns
    )
    statement = sa.text(
        f"INSERT INTO credit_record ({', '.join(columns)}) SELECT {selected} FROM credit_record WHERE id = :source "
        "RETURNING id"
    )
    return statement, {"subject": subject_id, "source": record_id}


@pytest.fixture
async def pg_gw(postgres_url: str) -> AsyncIterator[GatewayHarness]:
    """PostgreSQL only: SQLite writes one transaction at a time, so its ids are taken in commit order."""
    async with GatewayHarness.start(database_url=postgres_url) as harness:
        await harness.truncate()
        harness.clock.travel_to(china_today())
        yield harness


async def test_a_record_committed_after_a_later_numbered_one_is_not_missed(pg_gw: GatewayHarness) -> None:
    gw = pg_gw
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=40, today=DAY)
    await _refresh(gw)
    assert await _dirty(gw) == []  # the refresh consumed what the seed wrote
    before = await _grades(gw)
    async with gw.engine.connect() as conn:
        serious = (
            sa.select(credit_record.c.id)
            .where(
                credit_record.c.polarity == "NEGATIVE",
                credit_record.c.severity == "SERIOUS",
                credit_record.c.status == "ACTIVE",
                credit_record.c.document_number.is_not(None),
            )
            .order_by(credit_record.c.decision_date.desc())
            .limit(1)
        )
        source = (await conn.execute(serious)).scalar_one()
    late, early = [sid for sid, row in before.items() if row.grade == "A"][:2]
    assert await _stated(gw, late) == [{"grade": "A"}]

    # X takes an id for the late subject and stays open; Y takes a later id, commits at once.
    x = await gw.engine.connect()
    try:
        await x.begin()
        late_id = (await x.execute(*_copy_of(source, late, "-late"))).scalar_one()
        async with gw.engine.begin() as y:
            early_id = (await y.execute(*_copy_of(source, early, "-early"))).scalar_one()
        assert late_id < early_id
        await _refresh(gw)  # a draw in between: sees Y's record, not X's
        assert (await _grades(gw))[early].grade != "A"
        assert await _stated(gw, late) == [{"grade": "A"}]  # still true of what is committed
        await x.commit()
    finally:
        await x.close()

    # X committed: the old grade is no longer stated, though nothing has refreshed yet.
    assert (await _grades(gw))[late].grade == "A"
    assert late in await _dirty(gw)
    assert await _stated(gw, late) == []

    await _refresh(gw)  # the next draw
    after = (await _grades(gw))[late]
    async with gw.engine.begin() as conn:
        truth = (
            await materialised.compute_batch(conn, rules_for(gw.graph.composition), _sources(gw), [late], DAY, NOW)
        )[late]
    assert not after.stale and (after.grade, after.score) == (truth.overall.grade, truth.overall.score)
    assert after.grade != "A"
    assert await _stated(gw, late) == [{"grade": after.grade}]
    assert await _dirty(gw) == []


def _sources(gw: GatewayHarness) -> list[Any]:
    return list(grading_sources(gw.graph.composition.measure_facts).values())


BUREAU = "11350100MB0301234"
BUREAU += uscc.calc_check_digit(BUREAU)
HEADINGS = ["纳税人名称", "统一社会信用代码", "评价年度", "纳税信用级别", "评价得分", "直接判级原因", "评价日期",
            "评价机关", "评价机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码"]  # fmt: skip
ORGANISATIONS = [s for s in demo_subjects(200) if not s.code.is_natural_person]
ROWS = 300  # every organisation rated in several years: several records per subject


def _rating(n: int) -> list[str]:
    subject = ORGANISATIONS[n % len(ORGANISATIONS)]
    row = {
        "纳税人名称": subject.name, "统一社会信用代码": subject.code.value,
        "评价年度": str(2018 + n // len(ORGANISATIONS)),
        "纳税信用级别": "A", "评价得分": "92.5", "直接判级原因": "", "评价日期": "2025年4月10日",
        "评价机关": "国家税务总局福州市税务局", "评价机关统一社会信用代码": BUREAU,
        "数据来源单位": "国家税务总局福州市税务局", "数据来源单位统一社会信用代码": BUREAU,
    }  # fmt: skip
    return [row[h] for h in HEADINGS]


async def test_a_bulk_import_leaves_every_subject_it_touched_dirty(gw: GatewayHarness, tmp_path: Path) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=30, today=DAY)
    await _refresh(gw)
    assert await _dirty(gw) == []
    async with gw.engine.connect() as conn:
        newest = (await conn.execute(sa.select(sa.func.max(credit_record.c.id)))).scalar_one()
    path = tmp_path / "ratings.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADINGS)
        writer.writerows(_rating(n) for n in range(ROWS))
    importer = gw.graph.composition.importers["tax"]["ratings"]
    summary = await import_file(gw.engine, importer, path, SubmissionPolicy.from_settings(gw.settings))
    assert summary.report is None, summary  # every row imported
    async with gw.engine.connect() as conn:
        written = (await conn.execute(sa.select(credit_record.c.subject_id).where(credit_record.c.id > newest))).all()
    touched = {row.subject_id for row in written}
    assert len(written) == ROWS and len(touched) < ROWS
    dirty = await _dirty(gw)
    assert set(dirty) == touched
    # One row per subject and statement at most (PostgreSQL), per subject (SQLite): not one per record.
    assert len(dirty) < len(written)

    refreshed = await _refresh(gw)
    assert refreshed.recomputed == len(touched)
    grades = await _grades(gw)
    assert all(not grades[sid].stale and grades[sid].grade for sid in touched)
    assert await _dirty(gw) == []


async def test_an_update_of_a_record_makes_its_subject_dirty(gw: GatewayHarness) -> None:
    """Revocations, corrections and repairs change the record in place: the update trigger sees them."""
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=10, today=DAY)
    await _refresh(gw)
    async with gw.engine.begin() as conn:
        record = (await conn.execute(sa.select(credit_record).limit(1))).one()
        await conn.execute(credit_record.update().where(credit_record.c.id == record.id).values(status="REVOKED"))
    assert await _dirty(gw) == [record.subject_id]
    assert await _stated(gw, record.subject_id) == []
    await _refresh(gw)
    assert not (await _grades(gw))[record.subject_id].stale
    assert await _dirty(gw) == []
