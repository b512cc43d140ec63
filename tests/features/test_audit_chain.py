"""The query record's hash chain: ``audit verify`` finds an edited, re-hashed or deleted row, and the
migrations under the table (core_0008's outcomes, core_0011's subgraphs and rows about no subject) keep
every row verifying, there and back. What is recorded: test_audit.py."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from gateway.db import migrate
from gateway.db.tables import query_record
from gateway.features.audit.chain import GENESIS, canonical_time, chain_key, verify
from gateway.testing import GatewayHarness
from tests.features.audit_support import (
    KEY,
    PROFILE,
    all_rows,
    as_attacker,
    ask,
    bearer,
    cli_verify,
    core_down_to,
    org_codes,
    partner_viewed_one_and_was_refused_one,
    refuses_updates_and_deletes,
    seed,
)


@pytest.fixture
async def seeded(gw: GatewayHarness) -> GatewayHarness:
    return await seed(gw)


async def test_verify_finds_an_edited_row(seeded: GatewayHarness) -> None:
    key = await seeded.create_key("portal")
    await ask(seeded, PROFILE, {"c": org_codes(5)}, **bearer(key))
    assert (await verify(seeded.engine, KEY(seeded))).intact
    assert (await verify(seeded.engine, KEY(seeded))).records == 5
    async with as_attacker(seeded) as conn:
        await conn.execute(sa.text("UPDATE query_record SET client_name = 'nobody' WHERE id = 3"))
    result = await verify(seeded.engine, KEY(seeded), chunk=2)
    assert (result.broken_id, result.records) == (3, 2)
    assert result.reason.startswith("row changed")


async def test_verify_finds_a_rewritten_hash_and_a_deleted_row(seeded: GatewayHarness) -> None:
    key = await seeded.create_key("portal")
    await ask(seeded, PROFILE, {"c": org_codes(6)}, **bearer(key))
    rows = await all_rows(seeded)
    from gateway.features.audit.chain import row_hash

    # Edit row 2 and give it a matching hash: the next row's link no longer holds.
    forged = {**rows[1]._mapping, "purpose": "forged"}
    async with as_attacker(seeded) as conn:
        await conn.execute(
            sa.update(query_record)
            .where(query_record.c.id == 2)
            .values(purpose="forged", row_hash=row_hash(forged, forged["prev_hash"], KEY(seeded)))
        )
    result = await verify(seeded.engine, KEY(seeded))
    assert result.broken_id == 3 and result.reason.startswith("chain broken")
    async with as_attacker(seeded) as conn:
        await conn.execute(sa.delete(query_record).where(query_record.c.id.in_([2, 3])))
    result = await verify(seeded.engine, KEY(seeded))
    assert result.broken_id == 4 and result.reason.startswith("deleted row gap") and "2-3" in result.reason


async def test_a_chain_recomputed_without_the_key_is_found(seeded: GatewayHarness) -> None:
    """Whoever can write to the database but lacks the gateway's secret cannot re-hash the chain."""
    from gateway.features.audit.chain import row_hash

    key = await seeded.create_key("portal")
    await ask(seeded, PROFILE, {"c": org_codes(4)}, **bearer(key))
    rows = await all_rows(seeded)
    guessed = chain_key("a key the attacker guessed")
    prev = rows[0].prev_hash
    async with as_attacker(seeded) as conn:
        for row in rows:  # edit row 1, then re-link every row after it with the guessed key
            values = {**row._mapping, "purpose": "forged" if row.id == 1 else row.purpose, "prev_hash": prev}
            prev = row_hash(values, prev, guessed)
            await conn.execute(
                sa.update(query_record)
                .where(query_record.c.id == row.id)
                .values(purpose=values["purpose"], prev_hash=values["prev_hash"], row_hash=prev)
            )
    result = await verify(seeded.engine, KEY(seeded))
    assert result.broken_id == 1 and result.reason.startswith("row changed")


async def test_audit_verify_command(seeded: GatewayHarness) -> None:
    key = await seeded.create_key("portal")
    await ask(seeded, PROFILE, {"c": org_codes(4)}, **bearer(key))
    done = await cli_verify(seeded)
    assert done.returncode == 0 and "chain intact (4 records)" in done.stdout, done.stderr
    async with as_attacker(seeded) as conn:
        await conn.execute(sa.text("UPDATE query_record SET field_groups = 'name' WHERE id = 2"))
    done = await cli_verify(seeded)
    assert done.returncode == 1
    assert "record 2: row changed" in " ".join(done.stderr.split()), done.stderr


@pytest.mark.parametrize(
    ("outcome", "edit"),
    [
        ("DENIED", "outcome = 'VIEWED', denial_reason = ''"),  # pass a refusal off as a view
        ("VIEWED", "outcome = 'DENIED', denial_reason = 'NOT_GRANTED'"),  # or a view as a refusal
        ("DENIED", "denial_reason = 'PURPOSE_MISMATCH'"),
        ("DENIED", "outcome = 'VIEWED', denial_reason = '', hash_format = 1"),  # as if it predated outcomes
        ("VIEWED", "hash_format = 1"),
        ("VIEWED", "hash_format = 2"),  # as if it predated subgraphs
        ("VIEWED", "hash_format = 4"),
        ("VIEWED", "subgraphs = 'loans'"),  # claim a federated request
        ("VIEWED", "subject_id = NULL"),  # or remote fields about no subject
    ],
)
async def test_verify_finds_an_edited_outcome(seeded: GatewayHarness, outcome: str, edit: str) -> None:
    await partner_viewed_one_and_was_refused_one(seeded)
    assert (await verify(seeded.engine, KEY(seeded))).intact
    [row_id] = [row.id for row in await all_rows(seeded) if row.outcome == outcome]
    async with as_attacker(seeded) as conn:
        await conn.execute(sa.text(f"UPDATE query_record SET {edit} WHERE id = {row_id}"))
    result = await verify(seeded.engine, KEY(seeded))
    assert (result.broken_id, result.records) == (row_id, row_id - 1)
    assert result.reason.startswith("row changed")


def _hash_before_outcomes(row: dict[str, Any], prev_hash: str, key: bytes) -> str:
    """gateway.features.audit.chain.row_hash as it was before migration core_0008, written out again."""
    payload = [
        "query_record/1",
        row["id"],
        canonical_time(row["recorded_at"]),
        row["client_id"],
        row["client_name"],
        row["role"],
        row["subject_id"],
        row["field_groups"],
        row["purpose"],
        row["request_id"],
        row["operation_hash"],
        prev_hash,
    ]
    return hmac.new(key, orjson.dumps(payload), hashlib.sha256).hexdigest()


async def test_rows_from_before_outcomes_keep_verifying_after_the_migration(seeded: GatewayHarness) -> None:
    async with seeded.engine.connect() as conn:
        subject_ids = (await conn.execute(sa.text("SELECT id FROM subject ORDER BY id LIMIT 3"))).scalars().all()
    await core_down_to(seeded, "core_0007")
    try:
        prev = GENESIS
        async with seeded.engine.begin() as conn:  # rows as the gateway appended them before core_0008
            for row_id, subject_id in enumerate(subject_ids, start=1):
                row = {
                    "id": row_id,
                    "recorded_at": datetime(2026, 1, row_id, 9, 30, tzinfo=UTC),
                    "client_id": None,
                    "client_name": "old portal",
                    "role": "portal",
                    "subject_id": subject_id,
                    "field_groups": "name",
                    "purpose": "",
                    "request_id": f"old-{row_id}",
                    "operation_hash": "a" * 64,
                    "prev_hash": prev,
                }
                row["row_hash"] = prev = _hash_before_outcomes(row, prev, KEY(seeded))
                await conn.execute(
                    sa.text(
                        "INSERT INTO query_record (id, recorded_at, client_id, client_name, role, subject_id, "
                        "field_groups, purpose, request_id, operation_hash, prev_hash, row_hash) VALUES (:id, "
                        ":recorded_at, :client_id, :client_name, :role, :subject_id, :field_groups, :purpose, "
                        ":request_id, :operation_hash, :prev_hash, :row_hash)"
                    ),
                    row,
                )
    finally:
        await migrate.upgrade(seeded.engine, seeded.graph.composition.migrations)
    old = await all_rows(seeded)
    assert {(r.outcome, r.denial_reason, r.hash_format) for r in old} == {("VIEWED", "", 1)}
    await partner_viewed_one_and_was_refused_one(seeded)  # new rows chain on from the old ones
    result = await verify(seeded.engine, KEY(seeded))
    assert result.intact and result.records == 5, result
    assert [r.hash_format for r in await all_rows(seeded)] == [1, 1, 1, 3, 3]
    # The old rows' hashes do not cover an outcome: one that says anything but a view is refused.
    async with as_attacker(seeded) as conn:
        await conn.execute(sa.text("UPDATE query_record SET outcome = 'DENIED', denial_reason = 'X' WHERE id = 2"))
    result = await verify(seeded.engine, KEY(seeded))
    assert result.broken_id == 2 and result.reason.startswith("row changed")


@pytest.mark.parametrize("revision", ["core_0007", "core_0010"])  # SQLite rebuilds the table in core_0011
async def test_the_migrations_keep_the_table_append_only(seeded: GatewayHarness, revision: str) -> None:
    await core_down_to(seeded, revision)
    await migrate.upgrade(seeded.engine, seeded.graph.composition.migrations)
    await refuses_updates_and_deletes(seeded)


async def test_rows_from_before_subgraphs_keep_verifying_after_the_migration(seeded: GatewayHarness) -> None:
    """Rows hashed in format 2 (before core_0011) are copied as they are, by SQLite's table rebuild too,
    and keep verifying; the chain goes on in format 3. Their hashes cover neither the subgraphs nor a
    missing subject: an old row that claims either is refused."""
    from gateway.features.audit.chain import row_hash

    await partner_viewed_one_and_was_refused_one(seeded)
    rows = await all_rows(seeded)
    async with as_attacker(seeded) as conn:  # the two rows as the code before core_0011 hashed them
        prev = GENESIS
        for row in rows:
            values = {**row._mapping, "hash_format": 2, "prev_hash": prev}
            prev = row_hash(values, prev, KEY(seeded))
            await conn.execute(
                sa.update(query_record)
                .where(query_record.c.id == row.id)
                .values(hash_format=2, prev_hash=values["prev_hash"], row_hash=prev)
            )
    await core_down_to(seeded, "core_0010")  # and there and back
    await migrate.upgrade(seeded.engine, seeded.graph.composition.migrations)
    assert {(r.hash_format, r.subgraphs) for r in await all_rows(seeded)} == {(2, "")}
    key = await seeded.create_key("portal")
    await ask(seeded, PROFILE, {"c": org_codes(1)}, **bearer(key))
    result = await verify(seeded.engine, KEY(seeded))
    assert result.intact and result.records == 3, result
    assert [r.hash_format for r in await all_rows(seeded)] == [2, 2, 3]
    for edit in ("subgraphs = 'loans'", "subject_id = NULL"):
        async with as_attacker(seeded) as conn:
            await conn.execute(sa.text(f"UPDATE query_record SET {edit} WHERE id = 1"))
        result = await verify(seeded.engine, KEY(seeded))
        assert (result.broken_id, result.reason) == (1, "row changed: a format-2 row names no subgraphs and a subject")
        async with as_attacker(seeded) as conn:
            restore = sa.update(query_record).where(query_record.c.id == 1)
            await conn.execute(restore.values(subgraphs="", subject_id=rows[0].subject_id))
    assert (await verify(seeded.engine, KEY(seeded))).intact


async def test_core_0011_downgrade_keeps_a_row_about_no_subject(seeded: GatewayHarness) -> None:
    """The record is append-only: a row without a subject (remote fields of a federated request) is
    neither deleted nor given a subject by the downgrade, which then leaves subject_id nullable."""
    from gateway.features.audit.chain import Access, append

    about_nobody = Access(None, "auditor", "admin", None, "Loan.amountYuan@loans", "", "r-1", "a" * 64)
    await append(seeded.engine, [about_nobody], KEY(seeded))
    await core_down_to(seeded, "core_0010")
    try:
        async with seeded.engine.connect() as conn:
            kept = (await conn.execute(sa.text("SELECT id, subject_id, field_groups FROM query_record"))).all()
        assert [tuple(row) for row in kept] == [(1, None, "Loan.amountYuan@loans")]
    finally:
        await migrate.upgrade(seeded.engine, seeded.graph.composition.migrations)
    assert (await verify(seeded.engine, KEY(seeded))).intact  # its subgraphs were empty: nothing was lost


async def test_undoing_core_0011_and_redoing_it_keeps_every_row_verifying(seeded: GatewayHarness) -> None:
    """The downgrade keeps ``query_record.subgraphs``: format-3 rows are hashed over it, and an upgrade that
    added it back empty would break the chain from the first federated row on, for good. Meanwhile the code
    before core_0011 appends format-2 rows without naming the column (its default fills it in); after the
    upgrade the chain goes on in format 3, and ``audit verify`` finds it intact."""
    from gateway.features.audit.chain import Access, append, row_hash

    key = await seeded.create_key("portal")
    await ask(seeded, PROFILE, {"c": org_codes(1)}, **bearer(key))  # a row of this gateway's own graph
    [local] = await all_rows(seeded)
    federated = Access(
        client_id=None,
        client_name="auditor",
        role="admin",
        subject_id=local.subject_id,
        field_groups="name,exposures@exposures",
        purpose="",
        request_id="r-federated",
        operation_hash="b" * 64,
        subgraphs="credit-gateway,exposures",
    )
    await append(seeded.engine, [federated], KEY(seeded))
    await core_down_to(seeded, "core_0010")
    try:
        async with seeded.engine.connect() as conn:
            kept = (await conn.execute(sa.text("SELECT subgraphs FROM query_record ORDER BY id"))).scalars().all()
        assert kept == ["", "credit-gateway,exposures"]
        last = (await all_rows(seeded))[-1]
        old = {  # appended as the code before core_0011 appends: format 2, the subgraphs left to the default
            "id": last.id + 1,
            "recorded_at": datetime.now(UTC),
            "client_id": None,
            "client_name": "old portal",
            "role": "portal",
            "subject_id": local.subject_id,
            "field_groups": "name",
            "purpose": "",
            "request_id": "r-old",
            "operation_hash": "c" * 64,
            "outcome": "VIEWED",
            "denial_reason": "",
            "hash_format": 2,
            "prev_hash": last.row_hash,
        }
        old["row_hash"] = row_hash(old, old["prev_hash"], KEY(seeded))
        async with seeded.engine.begin() as conn:
            await conn.execute(
                sa.text(
                    f"INSERT INTO query_record ({', '.join(old)}) VALUES ({', '.join(f':{name}' for name in old)})"
                ),
                old,
            )
    finally:
        await migrate.upgrade(seeded.engine, seeded.graph.composition.migrations)
    await ask(seeded, PROFILE, {"c": org_codes(1)}, **bearer(key))
    found = [(r.hash_format, r.subgraphs) for r in await all_rows(seeded)]
    assert found == [(3, ""), (3, "credit-gateway,exposures"), (2, ""), (3, "")]
    done = await cli_verify(seeded)
    assert done.returncode == 0 and "chain intact (4 records)" in done.stdout, (done.stdout, done.stderr)
    # And the rebuild kept the table append-only (SQLite makes its triggers again).
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        async with seeded.engine.begin() as conn:
            await conn.execute(sa.text("UPDATE query_record SET subgraphs = ''"))
