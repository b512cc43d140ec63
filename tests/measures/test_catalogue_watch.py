"""The catalogue version in force, kept per serving process on PostgreSQL (gateway.features.measures.watch):
no statement per request while the listener vouches for it, a version published by another process in force
as soon as its notification arrives, and the per-request check back while the listener is cut off."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from gateway.db.engine import count_statements
from gateway.features.measures.watch import CHANNEL, VersionWatch, watch_of
from gateway.testing import GatewayHarness
from tests.measures.test_catalogue_admin import CATALOGUE, PUBLISH, SMALL

pytestmark = pytest.mark.postgres


async def _until(check: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    """Poll ``check`` (what the watch learns from another connection has no event to await) until it holds."""
    try:
        async with asyncio.timeout(seconds):
            while not check():  # noqa: ASYNC110 (no event to await: see the docstring)
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"{what} within {seconds} s") from None


async def _listening(watch: VersionWatch[object]) -> None:
    try:
        async with asyncio.timeout(10):
            await watch.wait_listening()
    except TimeoutError:
        raise AssertionError("the watch never listened within 10 s") from None


async def _in_force(gw: GatewayHarness) -> tuple[int, int]:
    """The catalogue number in force, and how many statements read the versions table to say so."""
    with count_statements(gw.engine) as counter:
        body = await gw.graphql(CATALOGUE, {"v": None})
    assert "errors" not in body, body
    reads = sum(1 for q in counter.statements if "measure_catalogue_version" in q)
    return body["data"]["measureCatalogue"]["number"], reads


async def test_a_serving_process_reads_the_version_once_and_hears_of_a_new_one(postgres_url: str) -> None:
    async with GatewayHarness.start(database_url=postgres_url) as serving:
        await serving.truncate()
        watch = watch_of(serving.engine)
        async with serving.app.router.lifespan_context(serving.app):
            await _listening(watch)
            assert await _in_force(serving) == (0, 1)  # read once
            assert await _in_force(serving) == (0, 0)  # then vouched for: no statement
            assert await _in_force(serving) == (0, 0)

            # Another process (its own engine, not serving) publishes: the serving one hears of it.
            async with GatewayHarness.start(database_url=postgres_url, migrate_database=False) as admin_side:
                admin = await admin_side.create_key("admin")
                epoch = watch.epoch
                body = await admin_side.graphql(PUBLISH, {"t": SMALL}, key=admin)
                assert body["data"]["publishMeasureCatalogue"]["number"] == 1, body
            await _until(lambda: watch.epoch > epoch, "the notification never arrived")
            assert await _in_force(serving) == (1, 1)
            assert await _in_force(serving) == (1, 0)

            # The listener's connection cut off: every request asks again until it listens anew.
            async with serving.engine.connect() as conn:
                killed = await conn.execute(
                    sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = :q"),
                    {"q": f'LISTEN "{CHANNEL}"'},
                )
                assert killed.scalars().all() == [True]
            await _until(lambda: not watch.listening, "the cut was never noticed")
            assert await _in_force(serving) == (1, 1)
            await _listening(watch)  # again
            assert await _in_force(serving) == (1, 1)  # what was read before the reconnection is not trusted
            assert await _in_force(serving) == (1, 0)
        assert not watch.listening  # shut down with the app


async def test_without_a_serving_process_every_request_asks(gw: GatewayHarness) -> None:
    # The test harness, a CLI command and SQLite have no listener: the version is read per request.
    assert [await _in_force(gw) for _ in range(3)] == [(0, 1)] * 3
