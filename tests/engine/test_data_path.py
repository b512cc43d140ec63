"""The data path of a read request: one pooled connection per request, no transaction round trips,
one SQL text per loader whatever the batch size, and indexes the list pages read in order."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_

from gateway.db import migrate
from gateway.db.engine import count_statements, create_engine
from gateway.graph.pagination import encode_cursor
from gateway.host.demo import demo_subjects, seed
from gateway.testing import GatewayHarness
from testsupport.factories import tax_violation

PROFILES = """query($c: [String!]!) { subjects(codes: $c) {
  name
  tax { ratings { year grade } majorViolations { documentNumber } }
  urbanManagement { penalties { documentNumber } }
  culture { licenses { documentTitle } }
  construction { qualifications { grade } }
  records { id decisionDate subjectName } } }"""
# Both published lists and a subject search in one request: three resolvers that query for themselves,
# concurrently (the lists read their subjects' names in their own statements).
LISTS = """{
  majorTaxViolations(first: 5) { edges { node { documentNumber subjectName } } }
  cultureRedBlackList(listType: BLACK, first: 5) { edges { subjectName node { listName } } }
  searchSubjects(name: "公司", first: 5) { edges { node { name } } } }"""


@pytest.fixture
async def seeded(gw: GatewayHarness) -> GatewayHarness:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=60)
    return gw


def _codes(n: int) -> list[str]:
    return [s.code.value for s in demo_subjects(60)][:n]


@contextmanager
def count_checkouts(harness: GatewayHarness) -> Iterator[list[Any]]:
    """Every read connection a request took meanwhile: from the engine's pool, or (PostgreSQL) one that
    an earlier request parked (gateway.server.read_connection.ReadConnectionPark)."""
    taken: list[Any] = []
    engine, park = harness.engine, harness.graph.read_park

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        taken.append(dbapi_connection)

    event.listen(engine.sync_engine, "checkout", on_checkout)
    lend = park.take if park is not None else None

    async def counted_take() -> Any:
        parked = park.parked if park is not None else 0
        handle = await lend()  # type: ignore[misc]
        if parked:  # lent from the park: the pool's checkout event did not fire
            taken.append(handle.raw)
        return handle

    if park is not None:
        park.take = counted_take  # type: ignore[method-assign]
    try:
        yield taken
    finally:
        event.remove(engine.sync_engine, "checkout", on_checkout)
        if park is not None:
            del park.take  # the class's method again


def held_by_requests(harness: GatewayHarness) -> int:
    """Connections out of the pool that no request has parked for the next: those requests still hold."""
    park = harness.graph.read_park
    return harness.engine.pool.checkedout() - (park.parked if park is not None else 0)


@contextmanager
def driver_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """What the driver itself sends to the database, transaction control included (which SQLAlchemy's
    cursor events never see): asyncpg's query logger, SQLite's trace callback."""
    sent: list[str] = []
    hooked: list[Any] = []

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = dbapi_connection.driver_connection
        if engine.dialect.name == "postgresql":
            driver.add_query_logger(_log_asyncpg)
        else:
            await_(driver.set_trace_callback(sent.append))
        hooked.append(driver)

    def _log_asyncpg(record: Any) -> None:
        sent.append(record.query)

    event.listen(engine.sync_engine, "checkout", on_checkout)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "checkout", on_checkout)
        for driver in hooked:
            if engine.dialect.name == "postgresql":
                driver.remove_query_logger(_log_asyncpg)
            # SQLite: the trace callback only appends to a list that is no longer read.


async def test_a_request_takes_one_connection_for_all_its_loaders(seeded: GatewayHarness) -> None:
    with count_checkouts(seeded) as taken, count_statements(seeded.engine) as counter:
        body = await seeded.graphql(PROFILES, {"c": _codes(40)})
    assert "errors" not in body, body
    assert sum(1 for s in body["data"]["subjects"] if s and s["tax"]["ratings"]) > 10
    # Several loader batches on two levels (subjects, six record loaders, the subjects of the records),
    # some of them at once: one connection, whatever their number.
    assert counter.count >= 7
    assert len(taken) == 1
    assert held_by_requests(seeded) == 0  # given back when the request was answered


async def test_list_resolvers_share_the_request_connection_in_turn(seeded: GatewayHarness) -> None:
    with count_checkouts(seeded) as taken, count_statements(seeded.engine) as counter:
        body = await seeded.graphql(LISTS)
    assert "errors" not in body, body
    assert body["data"]["majorTaxViolations"]["edges"] and body["data"]["cultureRedBlackList"]["edges"]
    assert body["data"]["searchSubjects"]["edges"]
    # Three list statements, concurrently resolved: on PostgreSQL, asyncpg would refuse a second
    # statement while one runs on the connection, so this also proves they take turns.
    assert counter.count == 3
    assert len(taken) == 1
    assert held_by_requests(seeded) == 0


async def test_a_request_without_statements_takes_no_connection(gw: GatewayHarness) -> None:
    with count_checkouts(gw) as taken:
        body = await gw.graphql("{ cultureMeasures { code } }")
    assert body["data"]["cultureMeasures"]
    assert taken == []


async def test_the_connection_is_given_back_when_the_request_fails(seeded: GatewayHarness) -> None:
    # One field reads (and takes the connection), the other fails: an error answer, connection returned.
    with count_checkouts(seeded) as taken:
        body = await seeded.graphql(
            "query($c: [String!]!) { subjects(codes: $c) { name }"
            ' majorTaxViolations(after: "x") { edges { cursor } } }',
            {"c": _codes(2)},
        )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert len(taken) == 1
    assert held_by_requests(seeded) == 0


async def test_reads_send_no_transaction_control(seeded: GatewayHarness) -> None:
    """PostgreSQL: the read connection is in autocommit, so asyncpg sends no BEGIN before the first
    statement and no ROLLBACK when the connection goes back (before, every loader batch paid both).
    SQLite: its driver begins a transaction only before a write; reads never open one."""
    with driver_statements(seeded.engine) as sent:
        body = await seeded.graphql(PROFILES, {"c": _codes(20)})
        assert "errors" not in body, body
        body = await seeded.graphql(LISTS)
        assert "errors" not in body, body
    words = _first_words(sent)
    assert not {"BEGIN", "ROLLBACK", "COMMIT", "START", "SAVEPOINT"} & set(words), sent
    if seeded.engine.dialect.name == "sqlite":
        assert words.count("SELECT") >= 8, sent  # the trace saw the reads, so it would have seen a BEGIN
    else:
        # asyncpg logs what it sends as simple queries (transaction control among them), not the prepared
        # statements: prove the hook sees a BEGIN where one is sent, on a connection in the default mode.
        with driver_statements(seeded.engine) as control:
            async with seeded.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        assert {"BEGIN", "ROLLBACK"} <= set(_first_words(control)), control


def _first_words(statements: list[str]) -> list[str]:
    return [statement.split(None, 1)[0].rstrip(";").upper() for statement in statements if statement.strip()]


async def test_mutations_still_write_in_a_transaction(gw: GatewayHarness) -> None:
    key = await gw.create_key("department", domain="tax")
    with driver_statements(gw.engine) as sent:
        body = await gw.graphql(
            "mutation($v: [MajorTaxViolationInput!]!) { submitMajorTaxViolations(violations: $v) { created } }",
            {"v": [tax_violation()]},
            key=key,
        )
    assert body["data"]["submitMajorTaxViolations"]["created"] == 1, body
    words = _first_words(sent)
    assert "BEGIN" in words and "COMMIT" in words, words


async def test_loader_sql_is_the_same_for_any_batch_size(seeded: GatewayHarness) -> None:
    """So asyncpg prepares each loader statement once, and SQLAlchemy compiles it once."""
    texts: list[set[str]] = []
    for n in (1, 3, 40):
        with count_statements(seeded.engine) as counter:
            body = await seeded.graphql(PROFILES, {"c": _codes(n)})
        assert "errors" not in body, body
        texts.append(set(counter.statements))
    assert texts[0] == texts[1] == texts[2]
    assert all(" IN (?" not in text and "IN (__[POSTCOMPILE" not in text for text in texts[0])


async def test_page_order_indexes_replace_the_old_ones(database_url: str | None) -> None:
    async with GatewayHarness.start(database_url=database_url) as gw:

        def indexes(connection: sa.Connection) -> dict[str, list[str]]:
            return {i["name"]: i["column_names"] for i in sa.inspect(connection).get_indexes("credit_record")}

        async with gw.engine.connect() as conn:
            found = await conn.run_sync(indexes)
        assert found["ix_credit_record_page"] == ["domain", "category", "status", "decision_date", "id"]
        assert found["ix_credit_record_subject_id_domain"] == ["subject_id", "domain"]
        assert "ix_credit_record_domain_category" not in found and "ix_credit_record_subject_id" not in found

        # One revision down restores the indexes it replaced; up again, the new ones.
        async with gw.engine.begin() as conn:
            await conn.run_sync(migrate._run, migrate.CORE_SOURCE, "core_0008", False)
        async with gw.engine.connect() as conn:
            before = await conn.run_sync(indexes)
        assert before["ix_credit_record_domain_category"] == ["domain", "category"]
        assert before["ix_credit_record_subject_id"] == ["subject_id"]
        assert "ix_credit_record_page" not in before and "ix_credit_record_subject_id_domain" not in before
        await migrate.upgrade(gw.engine, gw.graph.composition.migrations)
        async with gw.engine.connect() as conn:
            assert await conn.run_sync(indexes) == found


async def test_sqlite_reads_a_list_page_in_index_order() -> None:
    """The list query walks ix_credit_record_page: no sort of every listing (SQLite's plan says so
    in words; PostgreSQL's choice depends on its statistics, see BENCHMARKS.md)."""
    async with GatewayHarness.start() as gw:
        with count_statements(gw.engine) as counter:
            body = await gw.graphql(
                "query($a: String) { majorTaxViolations(first: 5, after: $a) { edges { cursor } } }",
                {"a": encode_cursor("2025-01-01", 10)},
            )
        assert "errors" not in body, body
        [statement] = counter.statements
        async with gw.engine.connect() as conn:
            plan = (await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", _params(statement))).all()
    details = " | ".join(row[-1] for row in plan)
    assert "ix_credit_record_page" in details, details
    assert "TEMP B-TREE" not in details, details  # no sort: the page comes in index order


def _params(statement: str) -> tuple[Any, ...]:
    # The plan does not depend on the values: any of the right count will do.
    return (None,) * statement.count("?")


@pytest.mark.postgres
async def test_postgres_read_sessions_plan_each_statement_once(postgres_url: str) -> None:
    """A batch of one key would otherwise be planned afresh at every execution (see planner_settings)."""
    from gateway.server.read_connection import open_read_connection

    async with GatewayHarness.start(database_url=postgres_url) as gw:
        connection = await open_read_connection(gw.engine)
        try:
            with count_statements(gw.engine) as counter:
                mode = (await connection.exec_driver_sql("SHOW plan_cache_mode")).scalar_one()
            assert mode == "force_generic_plan"
            assert counter.count == 1  # set when the connection opened: no statement of the request's
        finally:
            await connection.close()


@pytest.mark.postgres
@pytest.mark.parametrize(("configured", "expected"), [(None, "1.1"), (4.0, "4")])
async def test_postgres_sessions_price_random_reads_as_configured(
    postgres_url: str, configured: float | None, expected: str
) -> None:
    """Generic plans cost an array parameter as ten keys; at the server's default random_page_cost a
    profile of one subject hash-joined whole detail tables (see gateway.db.engine)."""
    from gateway.server.read_connection import open_read_connection

    settings = {} if configured is None else {"db_random_page_cost": configured}
    async with GatewayHarness.start(database_url=postgres_url, **settings) as gw:
        connection = await open_read_connection(gw.engine)
        try:
            with count_statements(gw.engine) as counter:
                cost = (await connection.exec_driver_sql("SHOW random_page_cost")).scalar_one()
            assert cost == expected
            assert counter.count == 1  # set when the connection opened, by no statement of its own
        finally:
            await connection.close()


@pytest.mark.postgres
async def test_postgres_command_line_sessions_keep_postgresqls_plan_choice(postgres_url: str) -> None:
    """A command's statements run once, with values a custom plan can use: only serving forces generic plans."""
    engine = create_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            mode = (await connection.exec_driver_sql("SHOW plan_cache_mode")).scalar_one()
            cost = (await connection.exec_driver_sql("SHOW random_page_cost")).scalar_one()
        assert (mode, cost) == ("auto", "1.1")
    finally:
        await engine.dispose()
