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


async def test_core_0010_places_existing_records_by_the_rule_and_leaves_keys_unbound(database_url: str | None) -> None:
    """Rows written before divisions: the deciding authority's area where its 18-character code is held,
    else the subject's registration area (a USCC's characters 3–8, a masked ID's first six digits); every
    existing key stays unbound (the whole platform)."""
    from datetime import UTC, date, datetime

    from gateway.db.tables import api_client, credit_record, subject

    async with GatewayHarness.start(database_url=database_url) as gw:
        if database_url is not None:  # the session's PostgreSQL database: other tests' rows (SQLite: a new file)
            await gw.truncate()
        async with gw.engine.begin() as conn:
            await conn.run_sync(migrate._run, migrate.CORE_SOURCE, "core_0009", False)
        async with gw.engine.connect() as conn:
            columns = await conn.run_sync(lambda c: {col["name"] for col in sa.inspect(c).get_columns("credit_record")})
        assert "division_code" not in columns
        subjects = [
            (1, "USCC", "91110108551385082Q"),  # 海淀
            (2, "RESIDENT_ID", "350102********123X"),  # a person of 鼓楼, masked as stored
        ]
        records = [  # (id, subject, deciding authority's code) → expected division
            (1, 1, "11350100MB0301234A", "350100"),  # a Fuzhou bureau decided about a Beijing company
            (2, 1, None, "110108"),
            (3, 2, None, "350102"),
            (4, 2, "11110108MB0000000L", "110108"),
        ]
        async with gw.engine.begin() as conn:
            for sid, code_type, display in subjects:
                await conn.execute(
                    subject.insert().values(
                        id=sid,
                        lookup_hash=f"h{sid}",
                        code_type=code_type,
                        display_code=display,
                        name="x",
                        kind="LEGAL_PERSON",
                    )
                )
            for rid, sid, authority, _expected in records:
                await conn.execute(
                    credit_record.insert().values(
                        id=rid, subject_id=sid, domain="tax", record_type="t", category="c", polarity="NEUTRAL",
                        decision_date=date(2024, 1, 1), document_number=f"d{rid}", deciding_authority="a",
                        deciding_authority_code=authority, source_unit="s", source_unit_code="11350100MB0301234A",
                    )
                )  # fmt: skip
            await conn.execute(
                api_client.insert().values(
                    name="tax",
                    role="department",
                    domain="tax",
                    key_prefix="p1",
                    key_hash="k1",
                    created_at=datetime.now(UTC),
                )
            )
        await migrate.upgrade(gw.engine, gw.graph.composition.migrations)
        async with gw.engine.connect() as conn:
            placed = dict((await conn.execute(sa.select(credit_record.c.id, credit_record.c.division_code))).all())
            keys = (await conn.execute(sa.select(api_client.c.division_code))).scalars().all()
        assert placed == {rid: expected for rid, _sid, _authority, expected in records}
        assert keys == [None]
