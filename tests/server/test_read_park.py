"""Read connections lent from one request to the next (gateway.server.read_connection.ReadConnectionPark).

PostgreSQL only: the park holds asyncpg connections in autocommit; on SQLite every request takes its
connection from the pool as before. Every test runs real requests through the ASGI app.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.host.demo import demo_subjects, seed
from gateway.kernel.clock import china_today
from gateway.server import read_connection
from gateway.server.extensions.plan_header import QUERY_PLAN_HEADER
from gateway.testing import GatewayHarness

PROFILE = "query($c: String!) { subject(code: $c) { name tax { ratings { year grade } } } }"
# Statements built for the request (a search), which SQLAlchemy runs itself, beside a list page.
LISTS = """{
  majorTaxViolations(first: 5) { edges { node { documentNumber subjectName } } }
  searchSubjects(name: "公司", first: 5) { edges { node { name } } } }"""

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[GatewayHarness]:
    async with GatewayHarness.start(database_url=postgres_url) as harness:
        await harness.truncate()
        harness.clock.travel_to(china_today())
        await seed(
            harness.engine, harness.graph.composition.manager, secret_key=harness.settings.secret_key, subjects=20
        )
        yield harness


def _code(n: int = 0) -> str:
    return demo_subjects(20)[n].code.value


async def _profile(gw: GatewayHarness, **kwargs: Any) -> dict[str, Any]:
    body = await gw.graphql(PROFILE, {"c": _code()}, **kwargs)
    assert "errors" not in body, body
    assert body["data"]["subject"]["name"]
    return body


async def _backend_pid(gw: GatewayHarness) -> int:
    """The server process behind the one parked connection."""
    park = gw.graph.read_park
    assert park is not None and park.parked == 1
    return park._idle[0].raw.driver_connection.get_server_pid()


async def test_the_next_request_reads_on_the_connection_the_last_one_parked(pg: GatewayHarness) -> None:
    park = pg.graph.read_park
    assert park is not None
    await _profile(pg)
    first = await _backend_pid(pg)
    assert pg.engine.pool.checkedout() == 1  # parked: out of the pool, held by no request

    checkouts: list[Any] = []
    sa.event.listen(pg.engine.sync_engine, "checkout", lambda *args: checkouts.append(args))
    for _ in range(3):
        await _profile(pg)
    assert checkouts == []  # the pool was not asked again
    assert await _backend_pid(pg) == first


async def test_a_request_whose_statements_sqlalchemy_ran_still_parks_without_transaction_control(
    pg: GatewayHarness,
) -> None:
    await _profile(pg)
    lent = await _backend_pid(pg)
    parked = pg.graph.read_park._idle[0]  # type: ignore[union-attr]
    # asyncpg logs what it sends as simple queries: transaction control, not the prepared statements
    # (tests/engine/test_data_path.py shows that it logs a BEGIN where one is sent).
    sent: list[str] = []

    def log(record: Any) -> None:
        sent.append(record.query)

    parked.raw.driver_connection.add_query_logger(log)
    try:
        body = await pg.graphql(LISTS)
    finally:
        parked.raw.driver_connection.remove_query_logger(log)
    assert "errors" not in body, body
    assert body["data"]["searchSubjects"]["edges"]
    words = {query.split(None, 1)[0].upper() for query in sent}
    assert not {"BEGIN", "ROLLBACK", "COMMIT", "START"} & words, sent
    assert await _backend_pid(pg) == lent  # the lent connection served the lists and was parked again


async def test_an_admins_plan_is_not_lent_on_with_its_statement_log(pg: GatewayHarness) -> None:
    admin = await pg.create_key("admin")
    await _profile(pg)
    body = await _profile(pg, key=admin, headers={QUERY_PLAN_HEADER: "1"})
    plan = body["extensions"]["queryPlan"]
    assert plan["statements"] >= 2
    # The plan's connection listened for its statements: it went back to the pool, not to the park.
    assert pg.graph.read_park.parked == 0  # type: ignore[union-attr]
    await _profile(pg)
    assert len(plan["sql"]) == plan["statements"]  # the next request logged nothing into it
    assert pg.graph.read_park.parked == 1  # type: ignore[union-attr]


async def test_a_parked_connection_that_died_is_dropped_and_the_park_emptied(pg: GatewayHarness) -> None:
    await asyncio.gather(*(_profile(pg) for _ in range(4)))  # several connections parked
    park = pg.graph.read_park
    assert park is not None and park.parked >= 1
    newest = park._idle[-1].raw.driver_connection.get_server_pid()
    async with pg.engine.connect() as conn:
        await conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": newest})
    await asyncio.sleep(0.1)

    body = await pg.graphql(PROFILE, {"c": _code()})  # lent the dead one: fails, as a pool's dead one did
    assert body.get("errors"), body
    assert park.parked == 0  # every parked connection went back to the pool, which checks them
    assert pg.engine.pool.checkedout() == 0
    await _profile(pg)  # and the next request reads again
    assert park.parked == 1


async def test_the_park_keeps_at_most_half_the_pool(pg: GatewayHarness) -> None:
    park = pg.graph.read_park
    assert park is not None
    size = pg.engine.sync_engine.pool.size() // 2
    await asyncio.gather(*(_profile(pg) for _ in range(size + 6)))
    assert 1 <= park.parked <= size
    assert pg.engine.pool.checkedout() == park.parked


async def test_a_connection_parked_too_long_goes_back_to_the_pool(pg: GatewayHarness) -> None:
    await _profile(pg)
    park = pg.graph.read_park
    assert park is not None
    old = park._idle[0]
    old.taken_at -= read_connection.PARKED_FOR_AT_MOST_SECONDS + 1
    await _profile(pg)
    assert park.parked == 1
    assert park._idle[0] is not old  # a connection from the pool served, and was parked in its place
    assert old.connection.closed
    assert park._idle[0].taken_at > old.taken_at


async def test_closing_the_park_gives_every_connection_back_and_parks_no_more(pg: GatewayHarness) -> None:
    park = pg.graph.read_park
    assert park is not None
    await asyncio.gather(*(_profile(pg) for _ in range(3)))
    assert park.parked >= 1
    await park.close()
    assert park.parked == 0
    assert pg.engine.pool.checkedout() == 0
    await _profile(pg)
    assert park.parked == 0
    assert pg.engine.pool.checkedout() == 0


async def test_an_app_made_without_parking_gives_connections_back_to_the_pool(postgres_url: str) -> None:
    from gateway.kernel.settings import Settings
    from gateway.server.app import create_app

    app = create_app(Settings(database_url=postgres_url))
    try:
        assert app.state.graph.read_park is None
    finally:
        await app.state.graph.engine.dispose()
