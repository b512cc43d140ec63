"""Demo data is deterministic and seeding twice changes nothing."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from gateway.demo import ANCHOR_SUBJECTS, demo_subjects, seed
from gateway.testing import GatewayHarness


async def _snapshot(gw: GatewayHarness) -> dict[str, str]:
    tables = ["subject", "credit_record", *(o.item.name for o in gw.graph.composition.tables)]
    digest: dict[str, str] = {}
    async with gw.engine.connect() as conn:
        for table in tables:
            rows = (await conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1"))).all()
            stable = [tuple(v for v in row if not hasattr(v, "tzinfo")) for row in rows]  # drop timestamps
            digest[table] = f"{len(rows)}:{hashlib.sha256(repr(stable).encode()).hexdigest()[:16]}"
    return digest


def test_demo_subjects_are_deterministic_and_valid() -> None:
    first, second = demo_subjects(300), demo_subjects(300)
    assert [(s.code, s.name) for s in first] == [(s.code, s.name) for s in second]
    assert len({s.code.value for s in first}) == 300
    assert [s.code.value for s in first[: len(ANCHOR_SUBJECTS)]] == [c for c, _, _ in ANCHOR_SUBJECTS]
    kinds = {s.kind for s in first}
    assert {"LEGAL_PERSON", "NATURAL_PERSON", "INDIVIDUAL_BUSINESS"} <= {k.value for k in kinds}


async def test_seeding_twice_changes_nothing(database_url: str | None) -> None:
    async with GatewayHarness.start(database_url=database_url) as gw:
        if database_url:
            await gw.truncate()
        manager = gw.graph.composition.manager
        added = await seed(gw.engine, manager, secret_key=gw.settings.secret_key, subjects=120)
        once = await _snapshot(gw)
        again = await seed(gw.engine, manager, secret_key=gw.settings.secret_key, subjects=120)
        assert added == 120 and again == 0
        assert await _snapshot(gw) == once
        assert int(once["credit_record"].split(":")[0]) > 0
