"""The differential suite's gateways: one seeded ``EnginePair`` per backend, made when first asked for
and kept for the session (seeding takes seconds; every case only reads).

The PostgreSQL pair gets a database of its own (not the shared ``postgres_url`` one, which other
tests truncate), dropped at the end of the session.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from differential.pair import EnginePair
from differential.probe_plugin import PROBE

PG_ENV = "CREDIT_GATEWAY_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def differential_postgres_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)")
    url = make_url(base)
    name = f"cg_differential_{uuid.uuid4().hex[:12]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(
            user=url.username,
            password=url.password,
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            database=url.database,
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    # Sync, outside the session's event loop (a fixture asked for inside it could not asyncio.run).
    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Pairs:
    """Seeded pairs by backend, started on first use, stopped at the end of the session."""

    def __init__(self, stack: AsyncExitStack) -> None:
        self._stack, self._pairs = stack, dict[str, EnginePair]()

    async def get(self, backend: str, url: str | None) -> EnginePair:
        if backend not in self._pairs:
            pair = await self._stack.enter_async_context(EnginePair.start(database_url=url, extra_plugins=[PROBE]))
            await pair.seed()
            self._pairs[backend] = pair
        return self._pairs[backend]


@pytest.fixture(scope="session")
async def pairs() -> AsyncIterator[Pairs]:
    async with AsyncExitStack() as stack:
        yield Pairs(stack)


@pytest.fixture
def backend_database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    return request.getfixturevalue("differential_postgres_url") if backend == "postgres" else None


@pytest.fixture
async def pair(pairs: Pairs, backend: str, backend_database_url: str | None) -> EnginePair:
    """The seeded pair on each backend (sqlite, postgres)."""
    return await pairs.get(backend, backend_database_url)


@pytest.fixture
async def sqlite_pair(pairs: Pairs) -> EnginePair:
    """The seeded pair on SQLite only, for the cases too many to send twice."""
    return await pairs.get("sqlite", None)
