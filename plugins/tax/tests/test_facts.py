"""The tax plugin's measure facts, derived from the tax records (``FactSource.from_records``), are the
facts the plugin read with a statement of its own before: the same for every subject of the demo data, with
records repaired, revoked, out of their window and too old among them. The statement kept here is the oracle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.api import Fact, RecordStatus, any_of, credit_record, published_now
from gateway.auth.principal import PUBLIC
from gateway.db.engine import count_statements
from gateway.host.demo import seed
from gateway.kernel.clock import serve_as_of
from gateway.records.publicity import serve_rules
from gateway.server.app import request_context
from gateway.testing import GatewayHarness
from plugins.tax import rules
from plugins.tax.facts import GRADE_COUNTS_FOR_YEARS, TAX_FACTS
from plugins.tax.tables import tax_credit_rating

# What load_tax_facts read before (plugins/tax/facts.py up to 2026-12-02): active tax records with ratings.
_ORACLE = (
    sa.select(
        credit_record.c.id,
        credit_record.c.subject_id,
        credit_record.c.record_type,
        credit_record.c.status,
        credit_record.c.polarity,
        credit_record.c.decision_date,
        credit_record.c.published_until,
        credit_record.c.document_number,
        tax_credit_rating.c.year,
        tax_credit_rating.c.grade,
    )
    .select_from(credit_record.outerjoin(tax_credit_rating, tax_credit_rating.c.record_id == credit_record.c.id))
    .where(
        credit_record.c.domain == rules.DOMAIN,
        any_of(credit_record.c.subject_id, name="subject_ids"),
        credit_record.c.status == RecordStatus.ACTIVE.value,
    )
)


async def _facts_by_statement(conn: AsyncConnection, subject_ids: Sequence[int], today: dt.date) -> dict[int, set[Any]]:
    found: dict[int, set[Any]] = {}
    latest: dict[int, Any] = {}
    for row in (await conn.execute(_ORACLE, {"subject_ids": list(subject_ids)})).all():
        if row.record_type == rules.RATING_RECORD_TYPE and row.year is not None:
            if row.subject_id not in latest or row.year > latest[row.subject_id].year:
                latest[row.subject_id] = row
        elif row.record_type == rules.VIOLATION_RECORD_TYPE and published_now(row):
            found.setdefault(row.subject_id, set()).add(("list", int(row.id), row.document_number, row.decision_date))
    for subject_id, row in latest.items():
        if row.year >= today.year - GRADE_COUNTS_FOR_YEARS and published_now(row):
            found.setdefault(subject_id, set()).add(("tax_grade", int(row.id), row.grade, str(row.year)))
    return found


def _comparable(facts: Mapping[int, Sequence[Fact]]) -> dict[int, set[Any]]:
    out: dict[int, set[Any]] = {}
    for subject_id, found in facts.items():
        for fact in found:
            if fact.kind == "list":
                number = fact.description.removeprefix("重大税收违法失信主体（").removesuffix("）")
                item = ("list", fact.record_id, None if number == "无文书号" else number, fact.since)
                assert fact.attributes == {"domain": "tax", "list_type": "BLACK"}
            else:
                item = ("tax_grade", fact.record_id, fact.attributes["grade"], fact.attributes["year"])
                assert fact.description == f"纳税信用等级 {item[2]}（{item[3]} 年度）"
            out.setdefault(subject_id, set()).add(item)
    return out


async def test_the_derived_facts_are_the_statements(gw: GatewayHarness) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=300)
    today = gw.clock.today()
    serve_as_of(today)
    serve_rules(gw.settings.publicity)
    async with gw.engine.begin() as conn:
        tax = sa.select(credit_record.c.id).where(credit_record.c.domain == rules.DOMAIN).order_by(credit_record.c.id)
        ids = list((await conn.execute(tax)).scalars())
        # Every way a record stops being a fact, on some of them: repaired, revoked, out of its window, a
        # decision past the five-year withholding rule.
        changes = [
            {"status": "REPAIRED"},
            {"status": "REVOKED"},
            {"published_until": today - dt.timedelta(days=1)},
            {"decision_date": dt.date(today.year - 6, 1, 15), "published_until": None},
        ]
        for n, record_id in enumerate(ids[::7]):
            values = changes[n % len(changes)]
            await conn.execute(sa.update(credit_record).where(credit_record.c.id == record_id).values(**values))
        # A subject whose newest rating is no longer in force: its older one is the latest that counts.
        rated = (
            sa.select(credit_record.c.subject_id)
            .where(credit_record.c.record_type == rules.RATING_RECORD_TYPE, credit_record.c.status == "ACTIVE")
            .group_by(credit_record.c.subject_id)
            .having(sa.func.count() > 1)
            .limit(1)
        )
        twice = (await conn.execute(rated)).scalar_one()
        newest = (
            sa.select(credit_record.c.id)
            .join(tax_credit_rating, tax_credit_rating.c.record_id == credit_record.c.id)
            .where(credit_record.c.subject_id == twice)
            .order_by(tax_credit_rating.c.year.desc())
            .limit(1)
        )
        newest_id = (await conn.execute(newest)).scalar_one()
        await conn.execute(sa.update(credit_record).where(credit_record.c.id == newest_id).values(status="REPAIRED"))
    async with gw.engine.connect() as conn:
        subject_ids = list((await conn.execute(sa.select(credit_record.c.subject_id).distinct())).scalars())
        derived = _comparable(await TAX_FACTS.load(conn, subject_ids, today))
        oracle = await _facts_by_statement(conn, subject_ids, today)
    assert derived == oracle
    # In a request, the same facts come from the records the request's tax loader read, for the public
    # caller too (whose record filter hides the repaired and expired records the facts are judged on).
    context = request_context(gw.graph, PUBLIC, None)
    [name] = [n for n, s in gw.graph.composition.measure_facts.items() if s.records is TAX_FACTS.records]
    try:
        with count_statements(gw.engine) as counter:
            in_request = await context.loaders.load_all(name, subject_ids)
            shown = await context.loaders.load_all("tax.records", subject_ids)
    finally:
        await context.loaders.close()
    assert _comparable(dict(zip(subject_ids, in_request, strict=True))) == oracle
    assert counter.count == 1  # the tax records, once, for the facts and the records alike
    assert sum(map(len, shown)) < len(ids)  # the public sees fewer records than the facts saw
    kinds = {item[0] for found in oracle.values() for item in found}
    assert kinds == {"list", "tax_grade"} and len(oracle) > 20  # the comparison covered both kinds, widely
