"""Migrations create exactly the tables the code declares, on SQLite and PostgreSQL, and undo cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gateway.db import migrate
from gateway.db.tables import metadata as core_metadata
from gateway.testing import GatewayHarness


def _diff(connection: sa.Connection, metadata: sa.MetaData, tables: set[str]) -> list[object]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "include_name": lambda name, kind, _p: kind != "table" or name in tables},
    )
    return compare_metadata(context, metadata)


async def test_every_components_tables_match_its_migrations(database_url: str | None) -> None:
    async with GatewayHarness.start(database_url=database_url) as gw:
        composition = gw.graph.composition
        groups: dict[int, tuple[sa.MetaData, set[str]]] = {
            id(core_metadata): (core_metadata, set(core_metadata.tables))
        }
        for owned in composition.tables:
            md = owned.item.metadata
            groups.setdefault(id(md), (md, set()))[1].add(owned.item.name)
        async with gw.engine.connect() as conn:
            for md, tables in groups.values():
                diff = await conn.run_sync(_diff, md, tables)
                assert diff == [], diff


async def test_upgrade_is_repeatable_and_downgrade_removes_everything(database_url: str | None) -> None:
    async with GatewayHarness.start(database_url=database_url) as gw:
        sources = gw.graph.composition.migrations
        await migrate.upgrade(gw.engine, sources)  # a second upgrade is a no-op
        status = await migrate.status(gw.engine, sources)
        assert all(state["up_to_date"] for state in status.values()), status
        await migrate.downgrade_to_base(gw.engine, sources)
        async with gw.engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
        assert names <= {s.version_table for s in [migrate.CORE_SOURCE, *sources]}
        await migrate.upgrade(gw.engine, sources)
