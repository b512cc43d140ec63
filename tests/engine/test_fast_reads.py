"""The read path's short way on PostgreSQL (gateway.db.fast_reads, gateway.db.fast_rows): repeated SELECTs
run as asyncpg prepared statements, with the same SQL, the same parameters and the same rows as through
SQLAlchemy, and every error raised as SQLAlchemy raises it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.db import fast_reads
from gateway.db.engine import count_statements
from gateway.db.fast_reads import ReadConnection
from gateway.db.fast_rows import RowsResult, row_class_for
from gateway.db.tables import credit_record, subject
from gateway.host.demo import seed
from gateway.server.read_connection import open_read_connection
from gateway.testing import GatewayHarness
from plugins.tax.loaders import records_query

# Loaders keyed by subject id, the seeded data's keys; every domain's records among them.
SUBJECT_KEYED = ("tax.records", "urban_management.records", "culture.records", "construction.records")


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[GatewayHarness]:
    async with GatewayHarness.start(database_url=postgres_url) as harness:
        await harness.truncate()
        await seed(
            harness.engine, harness.graph.composition.manager, secret_key=harness.settings.secret_key, subjects=80
        )
        yield harness


async def _subject_ids(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(subject.c.id).order_by(subject.c.id))).scalars())


def _plain(value: Any) -> Any:
    """A loader's value as comparable data (records are dataclasses; their fields are what counts)."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return repr(value)


async def test_loaders_answer_the_same_through_both_ways_with_the_same_sql(pg: GatewayHarness) -> None:
    ids = await _subject_ids(pg.engine)
    specs = pg.graph.composition.loaders
    assert set(SUBJECT_KEYED) <= set(specs)
    seen: list[tuple[str, tuple[Any, ...]]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, tuple(parameters)))

    event.listen(pg.engine.sync_engine, "before_cursor_execute", record)
    try:
        for name in SUBJECT_KEYED:
            load = specs[name].load
            connection = await open_read_connection(pg.engine)
            try:
                reader = await ReadConnection.wrap(connection)
                seen.clear()
                through_sqlalchemy = await load(connection, ids)
                first = await load(reader, ids)  # first sight: SQLAlchemy runs it
                short = await load(reader, ids)  # compiled and prepared: the short way
                assert len(seen) == 3, seen
                assert seen[0] == seen[1] == seen[2], f"{name} sent other SQL or parameters"
            finally:
                await connection.close()
            assert through_sqlalchemy, f"{name} found no records in the seeded data"
            assert {k: _plain(v) for k, v in short.items()} == {k: _plain(v) for k, v in through_sqlalchemy.items()}
            assert {k: _plain(v) for k, v in first.items()} == {k: _plain(v) for k, v in through_sqlalchemy.items()}
    finally:
        event.remove(pg.engine.sync_engine, "before_cursor_execute", record)


async def _reader(engine: AsyncEngine) -> tuple[AsyncConnection, ReadConnection]:
    connection = await open_read_connection(engine)
    return connection, await ReadConnection.wrap(connection)


async def test_the_second_execution_takes_the_short_way_and_is_counted(pg: GatewayHarness) -> None:
    ids = await _subject_ids(pg.engine)
    statement = records_query()  # a statement object no other test has run (they are known by identity)
    connection, reader = await _reader(pg.engine)
    try:
        with count_statements(pg.engine) as counter:
            first = await reader.execute(statement, {"subject_ids": ids})
            second = await reader.execute(statement, {"subject_ids": ids})
        assert not isinstance(first, RowsResult)
        assert isinstance(second, RowsResult)
        assert counter.count == 2
        # A statement built anew each time never leaves SQLAlchemy's way.
        for _ in range(3):
            built = sa.select(subject.c.id).where(subject.c.id == ids[0])
            assert not isinstance(await reader.execute(built), RowsResult)
    finally:
        await connection.close()


async def test_rows_answer_sqlalchemys_row_api(pg: GatewayHarness) -> None:
    statement = sa.select(subject.c.id, subject.c.name).order_by(subject.c.id).limit(3)
    connection, reader = await _reader(pg.engine)
    try:
        expected = (await connection.execute(statement)).all()
        await reader.execute(statement)
        result = await reader.execute(statement)
        assert isinstance(result, RowsResult)
        rows = result.all()
        assert [tuple(row) for row in rows] == [tuple(row) for row in expected]
        row = rows[0]
        assert (row.id, row.name) == (row[0], row[1]) == (expected[0].id, expected[0].name)
        assert row._mapping["name"] == row._mapping[subject.c.name] == expected[0]._mapping[subject.c.name]
        assert row._asdict() == expected[0]._asdict()
        assert row._fields == ("id", "name")
        assert row._t == row.tuple() == tuple(expected[0])
        identifier, name = row
        assert (identifier, name) == tuple(expected[0])
        with pytest.raises(AttributeError):
            _ = row.no_such_column
        assert result.keys() == ("id", "name")
        assert result.first() == rows[0]
        assert result.scalars().all() == [r.id for r in expected]
        assert [dict(m) for m in result.mappings().all()] == [dict(r._mapping) for r in expected]
        with pytest.raises(MultipleResultsFound):
            result.one_or_none()
        with pytest.raises(MultipleResultsFound):
            result.scalar_one()
        assert result.scalar() == expected[0].id
    finally:
        await connection.close()


async def test_an_empty_result_answers_as_sqlalchemy_would(pg: GatewayHarness) -> None:
    statement = sa.select(subject.c.id).where(subject.c.id == sa.bindparam("wanted"))
    connection, reader = await _reader(pg.engine)
    try:
        for _ in range(2):
            result = await reader.execute(statement, {"wanted": -1})
        assert isinstance(result, RowsResult)
        assert result.first() is None and result.one_or_none() is None and result.scalar() is None
        assert result.scalar_one_or_none() is None and result.all() == []
        with pytest.raises(NoResultFound):
            result.one()
    finally:
        await connection.close()


async def test_a_missing_parameter_is_sqlalchemys_error(pg: GatewayHarness) -> None:
    statement = sa.select(subject.c.id).where(subject.c.id == sa.bindparam("wanted"))
    connection, reader = await _reader(pg.engine)
    try:
        await reader.execute(statement, {"wanted": 1})
        with pytest.raises(sa.exc.StatementError, match="wanted"):
            await reader.execute(statement, {})
    finally:
        await connection.close()


async def test_a_dead_connection_raises_sqlalchemys_error(pg: GatewayHarness) -> None:
    """The outage handling (HTTP 503) and the pool's invalidation rely on SQLAlchemy's exceptions."""
    statement = sa.select(sa.func.count()).select_from(credit_record)
    connection, reader = await _reader(pg.engine)
    try:
        await reader.execute(statement)
        assert isinstance(await reader.execute(statement), RowsResult)
        backend = (await connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one()
        async with pg.engine.connect() as other:
            await other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        with pytest.raises(DBAPIError):
            await reader.execute(statement)
    finally:
        await connection.close()


def test_columns_named_like_the_row_api_keep_sqlalchemys_rows() -> None:
    def columns(*names: str) -> list[tuple[str, str, tuple[()], Any]]:
        return [(name, name, (), None) for name in names]

    assert row_class_for(columns("id", "name")) is not None
    for clash in ("keys", "count", "_mapping", "index"):
        assert row_class_for(columns("id", clash)) is None
    assert row_class_for(columns("id", "id")) is None


def test_remembered_statements_are_bounded() -> None:
    statements = fast_reads._Statements(8)
    kept = [sa.select(subject.c.id).where(subject.c.id == n) for n in range(50)]
    for statement in kept:
        statements.compiled(statement, sa.dialects.postgresql.asyncpg.dialect())
    assert len(statements._entries) == 8


async def test_a_statement_with_execution_options_keeps_sqlalchemys_way(pg: GatewayHarness) -> None:
    statement = sa.select(subject.c.id).limit(1).execution_options(credit_gateway_example="kept")
    connection, reader = await _reader(pg.engine)
    try:
        for _ in range(3):
            assert not isinstance(await reader.execute(statement), RowsResult)
    finally:
        await connection.close()


async def test_a_direct_observer_sees_the_short_way_unless_another_listener_asks_for_events(
    postgres_url: str,
) -> None:
    """``observe_directly``: while its own listeners are the engine's only ones, the short way calls the
    observer with the SQL and the seconds, and dispatches no event; any other listener brings the events
    back, to every listener, and the observer is not called twice."""
    from gateway.db.engine import create_engine

    engine = create_engine(postgres_url)
    events: list[str] = []
    direct: list[tuple[str, float]] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        events.append(statement)

    def after(*_: Any) -> None:
        pass

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    fast_reads.observe_directly(engine.sync_engine, lambda sql, seconds: direct.append((sql, seconds)))
    statement = sa.select(subject.c.id).where(subject.c.id == sa.bindparam("id"))
    try:
        connection, reader = await _reader(engine)
        try:
            await reader.execute(statement, {"id": 1})  # first sight: SQLAlchemy's way, with events
            assert len(events) == 1 and direct == []
            await reader.execute(statement, {"id": 1})  # the short way: the observer alone
            assert len(events) == 1
            assert len(direct) == 1 and direct[0][0] == events[0] and direct[0][1] >= 0
        finally:
            await connection.close()

        with count_statements(engine) as counter:  # another listener on the engine
            connection, reader = await _reader(engine)
            try:
                await reader.execute(statement, {"id": 2})
            finally:
                await connection.close()
        assert counter.count == 1 and len(events) == 2 and len(direct) == 1
    finally:
        await engine.dispose()
