"""What the query record's tests share (test_audit.py: what is recorded and who reads it;
test_audit_chain.py: the hash chain, its verification and the migrations under it)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.db import migrate
from gateway.db.tables import query_record
from gateway.features.audit.chain import chain_key
from gateway.host.demo import demo_subjects, seed_subjects
from gateway.testing import GatewayHarness

SHOWCASE = "91350100M000100Y43"
PROFILE = "query($c: [String!]!) { subjects(codes: $c) { name tax { isMajorViolator } ...R } } "
PROFILE += "fragment R on CreditSubject { records { id } }"
PARTNER_BATCH = "query($c: [String!]!) { subjects(codes: $c) { name } }"
LOAN = {"X-Purpose": "loan application"}
DEMO_SUBJECTS = 140


def KEY(gw: GatewayHarness) -> bytes:
    return chain_key(gw.settings.secret_key)


async def seed(gw: GatewayHarness) -> GatewayHarness:
    await seed_subjects(gw.engine, demo_subjects(DEMO_SUBJECTS), gw.settings.secret_key)
    return gw


def org_codes(count: int) -> list[str]:
    """Codes of organisations: natural persons are not shown to portal keys, so not recorded for them."""
    found = [s.code.value for s in demo_subjects(DEMO_SUBJECTS) if not s.code.is_natural_person]
    assert found[0] == SHOWCASE
    return found[:count]


async def ask(gw: GatewayHarness, query: str, variables: dict[str, Any] | None = None, **headers: Any) -> Any:
    response = await gw.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    return response.json()


def bearer(key: str, **extra: Any) -> dict[str, Any]:
    return {"Authorization": f"Bearer {key}", **extra}


async def all_rows(gw: GatewayHarness) -> list[Any]:
    async with gw.engine.connect() as conn:
        return (await conn.execute(sa.select(query_record).order_by(query_record.c.id))).all()


@asynccontextmanager
async def as_attacker(gw: GatewayHarness) -> AsyncIterator[sa.ext.asyncio.AsyncConnection]:
    """A connection with the append-only triggers out of the way, as someone with DB access would do."""
    postgres = gw.engine.dialect.name == "postgresql"
    async with gw.engine.begin() as conn:
        if postgres:
            await conn.execute(sa.text("ALTER TABLE query_record DISABLE TRIGGER query_record_append_only"))
        else:
            await conn.execute(sa.text("DROP TRIGGER IF EXISTS query_record_no_update"))
            await conn.execute(sa.text("DROP TRIGGER IF EXISTS query_record_no_delete"))
        yield conn
        if postgres:  # the PostgreSQL database is shared by the session's tests
            await conn.execute(sa.text("ALTER TABLE query_record ENABLE TRIGGER query_record_append_only"))


async def refuses_updates_and_deletes(gw: GatewayHarness) -> None:
    key = await gw.create_key("portal")
    await ask(gw, PROFILE, {"c": org_codes(1)}, **bearer(key))
    for statement in ("UPDATE query_record SET outcome = 'DENIED'", "DELETE FROM query_record"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            async with gw.engine.begin() as conn:
                await conn.execute(sa.text(statement))
    assert len(await all_rows(gw)) == 1


async def partner_viewed_one_and_was_refused_one(gw: GatewayHarness) -> str:
    """A partner authorised by the first organisation asks for the first two; returns its key."""
    partner = await gw.create_key("partner", name="Bank of Fuzhou")
    await gw.authorize(org_codes(1)[0], partner, groups=[])
    body = await ask(gw, PARTNER_BATCH, {"c": org_codes(2)}, **bearer(partner, **LOAN))
    assert body["data"]["subjects"][0] is not None and body["data"]["subjects"][1] is None
    return partner


async def core_down_to(gw: GatewayHarness, revision: str) -> None:
    """Downgrade the core's migrations (only) to ``revision``; the test upgrades again."""
    async with gw.engine.begin() as conn:
        await conn.run_sync(migrate._run, migrate.CORE_SOURCE, revision, False)


def _cli_verify(gw: GatewayHarness) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", "audit", "verify", "--database-url", gw.settings.database_url],
        capture_output=True,
        text=True,
        timeout=120,
    )


async def cli_verify(gw: GatewayHarness) -> subprocess.CompletedProcess[str]:
    """``credit-gateway audit verify`` on the harness's database, in a process of its own."""
    return await asyncio.to_thread(_cli_verify, gw)
