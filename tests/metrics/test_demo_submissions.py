"""Demo records get realistic submission times (gateway.write.seeding): most on time, some late, none in the
future, and seeding again changes none of them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from gateway.db.tables import credit_record
from gateway.host.demo import seed
from gateway.kernel.workdays import WorkingCalendar
from gateway.testing import GatewayHarness
from gateway.write.seeding import demo_submission_time


async def _submissions(gw: GatewayHarness) -> dict[int, tuple[dt.date, dt.datetime]]:
    async with gw.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(credit_record.c.id, credit_record.c.decision_date, credit_record.c.created_at)
        )
        return {row.id: (row.decision_date, row.created_at.replace(tzinfo=None)) for row in rows}


async def test_demo_records_are_mostly_on_time_and_seeding_again_keeps_them(gw: GatewayHarness) -> None:
    manager = gw.graph.composition.manager
    await seed(gw.engine, manager, secret_key=gw.settings.secret_key, subjects=40)
    first = await _submissions(gw)
    assert len(first) > 50
    calendar = WorkingCalendar()
    taken = [
        calendar.working_days_between(decided, (submitted.replace(tzinfo=dt.UTC) + dt.timedelta(hours=8)).date())
        for decided, submitted in first.values()
    ]
    on_time = sum(days <= 7 for days in taken) / len(taken)
    assert 0.6 < on_time < 1.0, on_time  # realistic: neither all late (the seeding's time) nor all on time
    assert max(submitted for _, submitted in first.values()) <= dt.datetime.now(dt.UTC).replace(tzinfo=None)

    await seed(gw.engine, manager, secret_key=gw.settings.secret_key, subjects=40)
    assert await _submissions(gw) == first

    report = await gw.graphql(
        "{ collectionMetrics(year: 2026) { departments { figures { records timely late } } } }",
        key=await gw.create_key("admin"),
    )
    figures = [d["figures"] for d in report["data"]["collectionMetrics"]["departments"]]
    assert sum(f["timely"] for f in figures) > sum(f["late"] for f in figures) > 0


def test_a_demo_submission_time_depends_on_its_record_alone() -> None:
    calendar = WorkingCalendar()
    now = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    decided = dt.date(2026, 9, 28)
    one = demo_submission_time(calendar, decided, "unit:doc-1", 7, now)
    assert one == demo_submission_time(calendar, decided, "unit:doc-1", 7, now)
    assert dt.datetime(2026, 9, 28, tzinfo=dt.UTC) < one <= now
    assert demo_submission_time(calendar, dt.date(2026, 11, 29), "unit:doc-1", 7, now) <= now  # never in the future
