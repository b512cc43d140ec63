"""The request's read connection: taken from the pool for reads only, kept between requests by a
serving process (:class:`ReadConnectionPark`), and its statements logged when someone asked before the
first one (an admin's query plan)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

log = logging.getLogger("gateway.db")

# A parked connection goes back to the pool after this long, so that the pool's own upkeep (recycling
# after gateway.db.engine's pool_recycle, reconnecting after an outage) reaches it in time.
PARKED_FOR_AT_MOST_SECONDS = 300.0


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


@dataclass(slots=True)
class ReadHandle:
    """A read connection as the park lends it: the connection, its pooled DBAPI connection, and when it
    left the pool."""

    connection: AsyncConnection
    raw: Any
    taken_at: float


class ReadConnectionPark:
    """Read connections kept out of the pool between requests, on PostgreSQL, for a serving process.

    Taking a connection from SQLAlchemy's pool and giving it back costs a request some 150,000
    instructions (two switches into SQLAlchemy's greenlet, the pool's checkout and check-in with
    their events, the isolation level set to autocommit and reset): a fifth of the fixed cost of a
    small request (bench/experiments/instructions.py). The park keeps up to ``size`` read connections,
    still in autocommit, and lends them to the next requests, newest first.

    A connection is parked only when it is as the pool would want it back: not closed, not
    invalidated, in no transaction, with no listener of its own (an admin's query plan attaches one)
    and out of the pool for less than :data:`PARKED_FOR_AT_MOST_SECONDS`; and only when its request
    ran every statement to the end. A request whose statement failed or was cancelled gives its
    connection back to the pool, and every parked one with it: after an outage the pool, not the
    park, finds out which connections still work. Parked connections count as checked out in the
    pool's figures (``credit_gateway_db_pool_checked_out``). :meth:`close` (the app's shutdown) gives
    them all back; it must run before the engine is disposed.
    """

    def __init__(self, engine: AsyncEngine, size: int) -> None:
        self._engine = engine
        self._size = size
        self._idle: list[ReadHandle] = []
        self._closed = False

    @property
    def parked(self) -> int:
        return len(self._idle)

    async def take(self) -> ReadHandle:
        """A read connection: a parked one, or one from the pool (:func:`open_read_connection_and_driver`)."""
        now = time.monotonic()
        while self._idle:
            handle = self._idle.pop()
            if now - handle.taken_at < PARKED_FOR_AT_MOST_SECONDS:
                return handle
            await _close_quietly(handle.connection)
        connection, raw = await open_read_connection_and_driver(self._engine)
        return ReadHandle(connection, raw, now)

    async def give_back(self, handle: ReadHandle, *, clean: bool) -> None:
        """Park the connection for the next request, or close it (back to the pool). ``clean``: every
        statement of the request on it ran to the end. Never raises."""
        # Room is checked again after the await: another request may have parked one, or the app closed
        # the park, meanwhile.
        if clean and self._has_room() and await _made_parkable(handle) and self._has_room():
            self._idle.append(handle)
            return
        if not clean:
            await self._give_all_back()
        await _close_quietly(handle.connection)

    def _has_room(self) -> bool:
        return not self._closed and len(self._idle) < self._size

    async def close(self) -> None:
        """Give every parked connection back to the pool, and park none from now on."""
        self._closed = True
        await self._give_all_back()

    async def _give_all_back(self) -> None:
        idle, self._idle = self._idle, []
        for handle in idle:
            await _close_quietly(handle.connection)


async def _made_parkable(handle: ReadHandle) -> bool:
    """Whether the connection can be lent again; a statement SQLAlchemy ran itself (one built for the
    request) left its transaction marker, which is ended here."""
    connection = handle.connection
    if handle.raw is None or connection.closed:
        return False
    sync = connection.sync_connection
    driver = handle.raw.driver_connection
    if (
        sync is None
        or sync.invalidated
        or sync._has_events  # a listener on the connection itself: an admin's plan
        or time.monotonic() - handle.taken_at >= PARKED_FOR_AT_MOST_SECONDS
        or driver.is_closed()
        or driver.is_in_transaction()  # a transaction on the server: not a read connection's
    ):
        return False
    if sync.in_transaction():
        # In autocommit SQLAlchemy still marks a transaction begun when it runs a statement; no BEGIN
        # was sent, so ending it sends nothing.
        try:
            await connection.rollback()
        except Exception:
            return False
    return True


async def _close_quietly(connection: AsyncConnection) -> None:
    try:
        await connection.close()
    except Exception as exc:  # a dead connection: the pool has already invalidated it
        log.warning("closing the request's read connection failed: %r", exc)
