"""The async engine, with SQLite made to behave (foreign keys, WAL) and an optional statement counter."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from gateway.kernel.settings import Settings


def is_sqlite(url: str | sa.URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


DEFAULT_POOL_SIZE = 20
CONNECT_TIMEOUT = 10  # seconds
# The planner's price of a random page read, as on SSD or a database held in memory (PostgreSQL's
# default, 4, is for spinning disks). See planner_settings.
DEFAULT_RANDOM_PAGE_COST = 1.1


def planner_settings(random_page_cost: float = DEFAULT_RANDOM_PAGE_COST, *, generic_plans: bool) -> dict[str, str]:
    """The PostgreSQL settings a gateway session starts with, as asyncpg's ``server_settings`` (sent in
    the connection's start-up message: no statement, no round trip).

    - ``random_page_cost``: generic plans cost an array parameter as ten keys, and at the server's
      default a profile of one subject hash-joined whole detail tables where it should probe their
      primary keys (BENCHMARKS.md, "Planner costs, dates and worker memory").
    - ``plan_cache_mode = force_generic_plan`` (``generic_plans``, the serving engine's): each prepared
      statement is planned once. The read path's statements have one text whatever the batch
      (``any_of``), but PostgreSQL would still plan a batch of one key afresh on every execution, since
      its generic plan, costed for an array of unknown length, never looks cheaper than a custom plan
      for one key (1 to 2 ms of planning per statement on the W1 profile). The generic plans are the
      same index plans (BENCHMARKS.md, EXPLAIN). The command line's engines keep PostgreSQL's choice:
      their statements run once, with values a custom plan can use.
    """
    settings = {"random_page_cost": repr(float(random_page_cost))}
    if generic_plans:
        settings["plan_cache_mode"] = "force_generic_plan"
    return settings


def create_engine(
    url: str, pool_size: int = DEFAULT_POOL_SIZE, *, planner: Mapping[str, str] | None = None
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

    ``planner``: the sessions' :func:`planner_settings` on PostgreSQL (default: random reads priced as
    on SSD, PostgreSQL's plan cache mode)."""
    kwargs: dict[str, Any] = {}
    if not is_sqlite(url):
        kwargs.update(pool_size=pool_size, max_overflow=pool_size // 2, pool_recycle=1_800, pool_timeout=30)
        if make_url(url).get_driver_name() == "asyncpg":
            server_settings = dict(planner) if planner is not None else planner_settings(generic_plans=False)
            kwargs["connect_args"] = {"timeout": CONNECT_TIMEOUT, "server_settings": server_settings}
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        _configure_sqlite(engine)
    return engine


def serving_engine(settings: Settings) -> AsyncEngine:
    """The engine a serving process (or the test harness, which serves as one) reads and writes
    through: the settings' database and pool, and generic plans (:func:`planner_settings`)."""
    planner = planner_settings(settings.db_random_page_cost, generic_plans=True)
    return create_engine(settings.database_url, settings.db_pool_size, planner=planner)


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
