"""Shared fixtures: the real app over HTTP on SQLite, and on PostgreSQL when
CREDIT_GATEWAY_TEST_DATABASE_URL is set (CI sets it and fails the run if those tests skip).

At the repository root so that both tests/ and each built-in plugin's own plugins/<name>/tests get
them; helpers the tests import (factories, paths) live in testsupport/, outside the installed package."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from gateway.kernel.clock import china_today, hold_calendar
from gateway.testing import GatewayHarness
from testsupport.postgres import configured_url, throwaway_database

PG_ENV = "CREDIT_GATEWAY_TEST_DATABASE_URL"


def pytest_configure(config: pytest.Config) -> None:
    # One calendar day for the whole session, China's (the gateway's), before any test module computes
    # its dates at import: a run across midnight in China then still compares like with like.
    hold_calendar(china_today())


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
        # Pinned to the session's day (pytest_configure), so that ``now`` is noon of it; lifecycle
        # tests travel on from there.
        harness.clock.travel_to(china_today())
        yield harness
