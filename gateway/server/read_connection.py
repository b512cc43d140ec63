"""The request's read connection: taken from the pool for reads only, and its statements logged when
someone asked before the first one (an admin's query plan)."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn


async def open_read_connection(engine: AsyncEngine) -> AsyncConnection:
    """A pooled connection for reads only. On PostgreSQL it runs in autocommit: each statement is its
    own transaction, so asyncpg sends no BEGIN before the first and no ROLLBACK when it goes back to
    the pool (two round trips per connection use otherwise). SQLite's driver begins a transaction
    only before a write, so a SELECT runs without one already; its default stays.

    On PostgreSQL the serving engine's sessions plan each prepared statement once (``plan_cache_mode =
    force_generic_plan``, set when the connection opens: gateway.db.engine.planner_settings)."""
    connection, _ = await open_read_connection_and_driver(engine)
    return connection


async def open_read_connection_and_driver(engine: AsyncEngine) -> tuple[AsyncConnection, Any]:
    """:func:`open_read_connection`, and on PostgreSQL its pooled DBAPI connection (else None)."""
    # One switch into SQLAlchemy's greenlet for the checkout, the isolation level and the raw connection,
    # where AsyncEngine.connect, execution_options and get_raw_connection take one each: every request
    # that reads pays for it.
    sync_connection, raw = await greenlet_spawn(_connect_for_reads, engine.sync_engine)
    return AsyncConnection(engine, sync_connection), raw


def _connect_for_reads(sync_engine: sa.Engine) -> tuple[sa.Connection, Any]:
    connection = sync_engine.connect()
    if connection.dialect.name != "postgresql":
        return connection, None
    try:
        # Sets asyncpg's adapter to autocommit: no statement; reset when the pool takes it back.
        connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection, connection.connection
    except BaseException:
        connection.close()
        raise


def log_statements(connection: AsyncConnection, log_to: list[tuple[str, float]]) -> None:
    """Append (SQL, ms) of every statement of this connection to ``log_to``, until it is closed."""
    from sqlalchemy import event

    sync = connection.sync_connection
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        log_to.append((statement, (time.perf_counter() - started.pop()) * 1000 if started else 0.0))

    event.listen(sync, "before_cursor_execute", before)
    event.listen(sync, "after_cursor_execute", after)
