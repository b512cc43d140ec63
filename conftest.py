"""Shared fixtures: the real app over HTTP on SQLite, and on PostgreSQL when
CREDIT_GATEWAY_TEST_DATABASE_URL is set (CI sets it and fails the run if those tests skip).

At the repository root so that both tests/ and each built-in plugin's own plugins/<name>/tests get
them; helpers the tests import (factories, paths) live in testsupport/, outside the installed package."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date

import pytest

from gateway.testing import GatewayHarness
from testsupport.postgres import configured_url, throwaway_database

PG_ENV = "CREDIT_GATEWAY_TEST_DATABASE_URL"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize(
            "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], scope="session"
        )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away database on the configured server, dropped after the session."""
    with throwaway_database(configured_url(), "cg_test") as url:
        yield url


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
