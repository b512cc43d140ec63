"""The differential suite's gateways: one seeded ``EnginePair`` per backend, made when first asked for
and kept for the session (seeding takes seconds; every case only reads).

The PostgreSQL pair gets a database of its own (not the shared ``postgres_url`` one, which other
tests truncate), dropped at the end of the session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

import pytest

from differential.pair import EnginePair
from differential.probe_plugin import PROBE
from testsupport.postgres import configured_url, throwaway_database


@pytest.fixture(scope="session")
def differential_postgres_url() -> Iterator[str]:
    with throwaway_database(configured_url(), "cg_differential") as url:
        yield url


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
