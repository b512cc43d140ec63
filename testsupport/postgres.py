"""Throw-away PostgreSQL databases on the test server (CREDIT_GATEWAY_TEST_DATABASE_URL), for the
suite's session database, the differential suite's and the hook tests' own."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

PG_ENV = "CREDIT_GATEWAY_TEST_DATABASE_URL"
SKIP_REASON = f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)"


def configured_url() -> str:
    """The configured server's URL; skips the test when none is configured (CI fails on skips)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(SKIP_REASON)
    return base


async def _on_server(url: URL, statement: str) -> None:
    # CREATE and DROP DATABASE run from the server's maintenance database: the one being dropped
    # may be the URL's own, and the configured one may be gone by then.
    conn = await asyncpg.connect(
        user=url.username,
        password=url.password,
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        database="postgres",
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _new_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@contextmanager
def throwaway_database(base: str, prefix: str) -> Iterator[str]:
    """A new database on ``base``'s server, dropped on exit. Sync: for session fixtures, outside the
    session's event loop (a fixture asked for inside it could not ``asyncio.run``)."""
    url = make_url(base)
    name = _new_name(prefix)
    asyncio.run(_on_server(url, f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_on_server(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@asynccontextmanager
async def throwaway_database_async(base: str, prefix: str) -> AsyncIterator[str]:
    """:func:`throwaway_database` inside a running event loop (a test's own database)."""
    url = make_url(base)
    name = _new_name(prefix)
    await _on_server(url, f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await _on_server(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
