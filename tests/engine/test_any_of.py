"""gateway.api.any_of: rows whose column is one of many keys, in one SQL text for any number of keys."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from gateway.api import any_of
from gateway.db.engine import count_statements
from gateway.testing import GatewayHarness

_md = sa.MetaData()
probe = sa.Table(
    "any_of_probe",
    _md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    prefixes=["TEMPORARY"],  # one connection's own table: nothing to clean up, nothing shared
)
ROWS = 1_200
BY_ID = sa.select(probe.c.id).where(any_of(probe.c.id, name="keys")).order_by(probe.c.id)
BY_CODE = sa.select(probe.c.code).where(any_of(probe.c.code, name="keys")).order_by(probe.c.code)


def _code(i: int) -> str:
    return f"C{i:05d}"


@pytest.mark.parametrize("count", [0, 1, 1_000])
async def test_any_of_selects_exactly_the_keys(database_url: str | None, count: int) -> None:
    async with GatewayHarness.start(database_url=database_url, migrate_database=False) as gw:
        async with gw.engine.connect() as conn:
            await conn.run_sync(_md.create_all)
            day0 = dt.date(2025, 1, 1)
            await conn.execute(
                probe.insert(), [{"id": i, "code": _code(i), "day": day0 + dt.timedelta(days=i)} for i in range(ROWS)]
            )
            # Every other row, and keys that match nothing (beyond the table, unknown codes).
            ids = [*range(0, 2 * count, 2)][: max(count - 1, 0)] + ([10**6] if count else [])
            codes = [_code(i) for i in ids[:-1]] + (["nothing"] if count else [])
            assert len(ids) == len(codes) == count
            with count_statements(gw.engine) as counter:
                found_ids = (await conn.execute(BY_ID, {"keys": ids})).scalars().all()
                found_codes = (await conn.execute(BY_CODE, {"keys": codes})).scalars().all()
                # keys bound where the statement is made, and a column whose type binds dates to text on SQLite
                some_days = [day0 + dt.timedelta(days=i) for i in ids[:-1]]
                found_days = (await conn.execute(sa.select(probe.c.id).where(any_of(probe.c.day, some_days)))).all()
        assert found_ids == sorted(i for i in ids if i < ROWS)
        assert found_codes == sorted(_code(i) for i in ids if i < ROWS)
        assert sorted(row.id for row in found_days) == sorted(i for i in ids if i < ROWS)
        assert len(counter.statements) == 3  # one statement each, whatever the count


async def test_the_sql_text_does_not_depend_on_the_number_of_keys(database_url: str | None) -> None:
    async with (
        GatewayHarness.start(database_url=database_url, migrate_database=False) as gw,
        gw.engine.connect() as conn,
    ):
        await conn.run_sync(_md.create_all)
        texts = set()
        for keys in ([], [1], list(range(1_000))):
            with count_statements(gw.engine) as counter:
                await conn.execute(BY_ID, {"keys": keys})
                await conn.execute(sa.select(probe.c.id).where(any_of(probe.c.id, keys)))
            texts.add(tuple(counter.statements))
    assert len(texts) == 1


def test_the_dialect_chooses_the_form_when_compiling() -> None:
    query = sa.select(probe.c.id).where(any_of(probe.c.id, [1, 2]), probe.c.code == "x")
    pg = str(query.compile(dialect=postgresql.asyncpg.dialect()))
    lite = str(query.compile(dialect=sqlite.dialect()))
    assert "any_of_probe.id = ANY($1::INTEGER[])" in pg
    assert "any_of_probe.id IN (SELECT value FROM json_each(?)) AND" in lite  # a predicate: no "= 1"


def test_keys_or_a_name_not_both() -> None:
    with pytest.raises(TypeError):
        any_of(probe.c.id)
    with pytest.raises(TypeError):
        any_of(probe.c.id, [1], name="keys")
