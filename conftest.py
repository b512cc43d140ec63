"""Shared fixtures: the real app over HTTP on SQLite, and on PostgreSQL when
CREDIT_GATEWAY_TEST_DATABASE_URL is set (CI sets it and fails the run if those tests skip).

At the repository root so that both tests/ and each built-in plugin's own plugins/<name>/tests get
them; helpers the tests import (factories, paths) live in testsupport/, outside the installed package."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date

import pytest
from sqlalchemy.engine import make_url

from gateway.testing import GatewayHarness

PG_ENV = "CREDIT_GATEWAY_TEST_DATABASE_URL"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize(
            "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], scope="session"
        )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away database on the configured server, dropped after the session."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)")
    name = f"cg_test_{uuid.uuid4().hex[:12]}"
    import asyncio

    import asyncpg

    url = make_url(base)

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

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    if backend == "postgres":
        return request.getfixturevalue("postgres_url")
    return None  # the harness makes a fresh SQLite file per test


@pytest.fixture
async def gw(database_url: str | None) -> AsyncIterator[GatewayHarness]:
    """The gateway with every installed plugin, on a migrated, empty database."""
    async with GatewayHarness.start(database_url=database_url) as harness:
        if database_url is not None:
            await harness.truncate()
        # The gateway's day is China's; the tests compute dates with date.today() (the machine's).
        # Pinning the one to the other keeps them agreeing after 16:00 UTC; lifecycle tests travel on.
        harness.clock.travel_to(date.today())
        yield harness
