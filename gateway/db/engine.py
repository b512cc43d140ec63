"""The async engine, with SQLite made to behave (foreign keys, WAL) and an optional statement counter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def is_sqlite(url: str | sa.URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


DEFAULT_POOL_SIZE = 20
CONNECT_TIMEOUT = 10  # seconds
# The planner's price of a random page read, as on SSD. The read path's prepared statements run on
# generic plans, which cost an array parameter as ten keys: under PostgreSQL's default (4, for
# spinning disks) a profile of one subject hash-joined whole detail tables where it should probe their
# primary keys (BENCHMARKS.md, "random_page_cost").
DEFAULT_RANDOM_PAGE_COST = 1.1


def create_engine(
    url: str, pool_size: int = DEFAULT_POOL_SIZE, *, random_page_cost: float = DEFAULT_RANDOM_PAGE_COST
) -> AsyncEngine:
    """``pool_size``: connections kept open to PostgreSQL. A request holds one per loader batch for a
    moment, so size it for the expected concurrency; overflow connections (half as many again) are
    opened and closed per use, which churned under load when the pool was small, but keep a burst
    from deadlocking on a request that needs two at once. No pre-ping (a round trip per checkout):
    connections are recycled after 30 minutes instead.

    Recovery after a database restart needs no pre-ping either: the first statement on a dead
    connection fails as a disconnect, on which SQLAlchemy invalidates the whole pool (every connection
    older than that moment is replaced at its next checkout). That one request answers 503
    (gateway.server.outage); the following ones reconnect. A connection attempt gives up after
    ``CONNECT_TIMEOUT`` seconds (asyncpg would wait 60) so that requests fail fast on a hung host.

    ``random_page_cost`` goes to PostgreSQL in each connection's start-up message (asyncpg's
    ``server_settings``): no statement, no round trip."""
    kwargs: dict[str, Any] = {}
    if not is_sqlite(url):
        kwargs.update(pool_size=pool_size, max_overflow=pool_size // 2, pool_recycle=1_800, pool_timeout=30)
        if make_url(url).get_driver_name() == "asyncpg":
            kwargs["connect_args"] = {
                "timeout": CONNECT_TIMEOUT,
                "server_settings": {"random_page_cost": repr(float(random_page_cost))},
            }
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


class StatementCounter:
    """Counts the SQL statements an engine runs; tests use it to prove loaders batch."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)


@contextmanager
def count_statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter._record)
    try:
        yield counter
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", counter._record)
