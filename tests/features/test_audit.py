"""The query record (查询记录): who looked at which subject, append-only and hash-chained."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

import gateway.features.audit.recorder
from gateway.db import migrate
from gateway.db.engine import count_statements
from gateway.db.tables import query_record
from gateway.features.audit.chain import GENESIS, canonical_time, chain_key, verify
from gateway.host.demo import demo_subjects, seed_subjects
from gateway.testing import GatewayHarness, error_codes

SHOWCASE = "91350100M000100Y43"
PROFILE = "query($c: [String!]!) { subjects(codes: $c) { name tax { isMajorViolator } ...R } } "
PROFILE += "fragment R on CreditSubject { records { id } }"
ME = "{ me { queryRecords { edges { node { clientName role recordedAt fieldGroups purpose } } } } }"


def KEY(gw: GatewayHarness) -> bytes:
    return chain_key(gw.settings.secret_key)


@pytest.fixture
async def seeded(gw: GatewayHarness) -> GatewayHarness:
    await seed_subjects(gw.engine, demo_subjects(140), gw.settings.secret_key)
    return gw


def _codes(count: int) -> list[str]:
    """Codes of organisations: natural persons are not shown to portal keys, so not recorded for them."""
    codes = [s.code.value for s in demo_subjects(140) if not s.code.is_natural_person]
    assert codes[0] == SHOWCASE
    return codes[:count]


async def _ask(gw: GatewayHarness, query: str, variables: dict[str, Any] | None = None, **headers: Any) -> Any:
    response = await gw.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    return response.json()


def _bearer(key: str, **extra: Any) -> dict[str, Any]:
    return {"Authorization": f"Bearer {key}", **extra}


async def _rows(gw: GatewayHarness) -> list[Any]:
    async with gw.engine.connect() as conn:
        return (await conn.execute(sa.select(query_record).order_by(query_record.c.id))).all()


@asynccontextmanager
async def _as_attacker(gw: GatewayHarness) -> AsyncIterator[sa.ext.asyncio.AsyncConnection]:
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


async def test_a_portal_query_of_three_subjects_appends_three_rows(seeded: GatewayHarness) -> None:
    key = await seeded.create_key("portal")
    purpose = "统一信用档案展示 / profile page".encode()
    body = await _ask(
        seeded, PROFILE, {"c": _codes(3)}, **_bearer(key, **{"X-Purpose": purpose, "X-Request-ID": "r-1"})
    )
    assert "errors" not in body, body
    rows = await _rows(seeded)
    assert [r.id for r in rows] == [1, 2, 3]
    assert {r.field_groups for r in rows} == {"name,tax,records"}
    assert {r.purpose for r in rows} == {"统一信用档案展示 / profile page"}
    assert {(r.role, r.client_name, r.request_id) for r in rows} == {("portal", "test portal", "r-1")}
    assert rows[0].prev_hash == GENESIS and rows[1].prev_hash == rows[0].row_hash
    assert len({r.subject_id for r in rows}) == 3 and len({r.operation_hash for r in rows}) == 1


async def test_a_public_query_appends_nothing(seeded: GatewayHarness) -> None:
    body = await seeded.graphql(PROFILE, {"c": _codes(3)})
    assert "errors" not in body
    body = await seeded.graphql('{ searchSubjects(name: "有限公司") { edges { node { name } } } }')
    assert body["data"]["searchSubjects"]["edges"]
    assert await _rows(seeded) == []


async def test_search_entities_and_aliases_are_recorded_once_per_subject(seeded: GatewayHarness) -> None:
    key = await seeded.create_key("department", domain="tax")
    body = await _ask(
        seeded,
        f'{{ a: subject(code: "{SHOWCASE}") {{ name }} b: subject(code: "{SHOWCASE}") {{ kind __typename }} }}',
        **_bearer(key),
    )
    assert "errors" not in body, body
    body = await _ask(
        seeded,
        "query($r: [_Any!]!) { _entities(representations: $r) { "
        "... on CreditSubject { code tax { isMajorViolator } } } }",
        {"r": [{"__typename": "CreditSubject", "code": c} for c in _codes(2)]},
        **_bearer(key),
    )
    assert "errors" not in body, body
    body = await _ask(
        seeded, '{ searchSubjects(name: "示范", first: 1) { edges { node { name region { name } } } } }', **_bearer(key)
    )
    assert body["data"]["searchSubjects"]["edges"], body
    rows = await _rows(seeded)
    assert [(r.role, r.field_groups) for r in rows] == [
        ("department", "name,kind"),
        ("department", "code,tax"),
        ("department", "code,tax"),
        ("department", "name,region"),
    ]


async def test_the_subject_reads_its_own_query_records_only(seeded: GatewayHarness) -> None:
    portal, other = await seeded.create_key("portal"), await seeded.create_key("subject", subject=_codes(2)[1])
    await _ask(seeded, PROFILE, {"c": _codes(3)}, **_bearer(portal, **{"X-Purpose": "loan check"}))
    await _ask(seeded, PROFILE, {"c": _codes(2)[1:]}, **_bearer(portal))
    me = await seeded.create_key("subject", subject=SHOWCASE)
    body = await _ask(seeded, ME, **_bearer(me))
    assert "errors" not in body, body
    [edge] = body["data"]["me"]["queryRecords"]["edges"]
    node = edge["node"]
    assert node["clientName"] == "test portal" and node["role"] == "portal"
    assert node["fieldGroups"] == ["name", "tax", "records"] and node["purpose"] == "loan check"
    assert node["recordedAt"].endswith("+08:00")  # China time, offset written out (gateway.graph.datetimes)
    hidden = await _ask(seeded, "{ me { queryRecords { edges { node { requestId } } } } }", **_bearer(me))
    assert error_codes(hidden) == ["GRAPHQL_VALIDATION_FAILED"]
    body = await _ask(seeded, ME, **_bearer(other))
    assert len(body["data"]["me"]["queryRecords"]["edges"]) == 2
    # Reading one's own profile through `me` is an access like any other.
    body = await _ask(seeded, "{ me { subject { code name } } }", **_bearer(me))
    assert body["data"]["me"]["subject"]["code"] == SHOWCASE
    assert (await _rows(seeded))[-1].role == "subject"


async def test_me_is_for_subject_keys_and_query_records_for_the_admin(seeded: GatewayHarness) -> None:
    """Other audiences do not even have the fields: their schemas leave them out."""
    portal, subject = await seeded.create_key("portal"), await seeded.create_key("subject", subject=SHOWCASE)
    absent = ["GRAPHQL_VALIDATION_FAILED"]
    assert error_codes(await seeded.graphql(ME)) == absent
    assert error_codes(await _ask(seeded, ME, **_bearer(portal))) == absent
    search = "{ queryRecords { edges { node { id } } } }"
    assert error_codes(await seeded.graphql(search)) == absent
    assert error_codes(await _ask(seeded, search, **_bearer(portal))) == absent
    assert error_codes(await _ask(seeded, search, **_bearer(subject))) == absent


async def test_the_admin_searches_query_records(seeded: GatewayHarness) -> None:
    portal, admin = await seeded.create_key("portal"), await seeded.create_key("admin")
    await _ask(seeded, PROFILE, {"c": _codes(3)}, **_bearer(portal))
    await _ask(seeded, PROFILE, {"c": _codes(1)}, **_bearer(portal))
    search = """query($s: String, $c: Int, $f: DateTime, $t: DateTime, $n: Int, $a: String) {
      queryRecords(subjectCode: $s, clientId: $c, from: $f, to: $t, first: $n, after: $a) {
        edges { node { id subjectCode subjectName clientId clientName role fieldGroups requestId operationHash
                       prevHash rowHash recordedAt } }
        pageInfo { hasNextPage endCursor } } }"""
    body = await _ask(seeded, search, {"s": SHOWCASE}, **_bearer(admin))
    nodes = [e["node"] for e in body["data"]["queryRecords"]["edges"]]
    assert [n["id"] for n in nodes] == ["4", "1"]  # newest first
    assert {n["subjectCode"] for n in nodes} == {SHOWCASE} and all(len(n["rowHash"]) == 64 for n in nodes)
    client_id = nodes[0]["clientId"]

    page = await _ask(seeded, search, {"c": client_id, "n": 3}, **_bearer(admin))
    assert [e["node"]["id"] for e in page["data"]["queryRecords"]["edges"]] == ["4", "3", "2"]
    cursor = page["data"]["queryRecords"]["pageInfo"]["endCursor"]
    rest = await _ask(seeded, search, {"c": client_id, "n": 3, "a": cursor}, **_bearer(admin))
    assert [e["node"]["id"] for e in rest["data"]["queryRecords"]["edges"]] == ["1"]
    assert rest["data"]["queryRecords"]["pageInfo"]["hasNextPage"] is False

    nobody = await _ask(seeded, search, {"c": client_id + 1000}, **_bearer(admin))
    assert nobody["data"]["queryRecords"]["edges"] == []
    at = nodes[0]["recordedAt"]
    since = await _ask(seeded, search, {"f": at}, **_bearer(admin))
    assert {e["node"]["id"] for e in since["data"]["queryRecords"]["edges"]} >= {"4"}
    before = await _ask(seeded, search, {"t": "2000-01-01T00:00:00Z"}, **_bearer(admin))
    assert before["data"]["queryRecords"]["edges"] == []
    too_many = await _ask(seeded, search, {"n": seeded.settings.max_page_size + 1}, **_bearer(admin))
    assert error_codes(too_many) == ["LIMIT_EXCEEDED"]
    assert error_codes(await _ask(seeded, search, {"a": "bm90LWEtY3Vyc29y"}, **_bearer(admin))) == ["BAD_USER_INPUT"]
    assert error_codes(await _ask(seeded, search, {"s": "not-a-code"}, **_bearer(admin))) == ["INVALID_SUBJECT_CODE"]


async def test_the_database_refuses_updates_and_deletes(seeded: GatewayHarness) -> None:
    await _refuses_updates_and_deletes(seeded)


async def _refuses_updates_and_deletes(gw: GatewayHarness) -> None:
    key = await gw.create_key("portal")
    await _ask(gw, PROFILE, {"c": _codes(1)}, **_bearer(key))
    for statement in ("UPDATE query_record SET outcome = 'DENIED'", "DELETE FROM query_record"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            async with gw.engine.begin() as conn:
                await conn.execute(sa.text(statement))
    assert len(await _rows(gw)) == 1


async def test_verify_finds_an_edited_row(seeded: GatewayHarness) -> None:
    key = await seeded.create_key("portal")
    await _ask(seeded, PROFILE, {"c": _codes(5)}, **_bearer(key))
    assert (await verify(seeded.engine, KEY(seeded))).intact
    assert (await verify(seeded.engine, KEY(seeded))).records == 5
    async with _as_attacker(seeded) as conn:
        await conn.execute(sa.text("UPDATE query_record SET client_name = 'nobody' WHERE id = 3"))
    result = await verify(seeded.engine, KEY(seeded), chunk=2)
    assert (result.broken_id, result.records) == (3, 2)
    assert result.reason.startswith("row changed")


async def test_verify_finds_a_rewritten_hash_and_a_deleted_row(seeded: GatewayHarness) -> None:
    key = await seeded.create_key("portal")
    await _ask(seeded, PROFILE, {"c": _codes(6)}, **_bearer(key))
    rows = await _rows(seeded)
    from gateway.features.audit.chain import row_hash

    # Edit row 2 and give it a matching hash: the next row's link no longer holds.
    forged = {**rows[1]._mapping, "purpose": "forged"}
    async with _as_attacker(seeded) as conn:
        await conn.execute(
            sa.update(query_record)
            .where(query_record.c.id == 2)
            .values(purpose="forged", row_hash=row_hash(forged, forged["prev_hash"], KEY(seeded)))
        )
    result = await verify(seeded.engine, KEY(seeded))
    assert result.broken_id == 3 and result.reason.startswith("chain broken")
    async with _as_attacker(seeded) as conn:
        await conn.execute(sa.delete(query_record).where(query_record.c.id.in_([2, 3])))
    result = await verify(seeded.engine, KEY(seeded))
    assert result.broken_id == 4 and result.reason.startswith("deleted row gap") and "2-3" in result.reason


async def test_a_chain_recomputed_without_the_key_is_found(seeded: GatewayHarness) -> None:
    """Whoever can write to the database but lacks the gateway's secret cannot re-hash the chain."""
    from gateway.features.audit.chain import chain_key, row_hash

    key = await seeded.create_key("portal")
    await _ask(seeded, PROFILE, {"c": _codes(4)}, **_bearer(key))
    rows = await _rows(seeded)
    guessed = chain_key("a key the attacker guessed")
    prev = rows[0].prev_hash
    async with _as_attacker(seeded) as conn:
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


async def test_a_batch_of_100_subjects_is_one_insert(seeded: GatewayHarness) -> None:
    key = await seeded.create_key("portal")
    with count_statements(seeded.engine) as counter:
        body = await _ask(
            seeded, "query($c: [String!]!) { subjects(codes: $c) { name } }", {"c": _codes(100)}, **_bearer(key)
        )
    assert "errors" not in body
    inserts = [s for s in counter.statements if s.lstrip().upper().startswith("INSERT INTO QUERY_RECORD")]
    assert len(inserts) == 1
    assert sum("query_record" in s for s in counter.statements) == 2  # the last hash, the insert
    assert len(await _rows(seeded)) == 100
    assert (await verify(seeded.engine, KEY(seeded))).records == 100


async def test_concurrent_appends_keep_one_chain(seeded: GatewayHarness) -> None:
    keys = [await seeded.create_key("portal") for _ in range(5)]
    codes = _codes(20)
    bodies = await asyncio.gather(
        *(_ask(seeded, PROFILE, {"c": codes[i * 4 : i * 4 + 4]}, **_bearer(k)) for i, k in enumerate(keys))
    )
    assert all("errors" not in b for b in bodies), bodies
    result = await verify(seeded.engine, KEY(seeded))
    assert result.intact and result.records == 20, result
    rows = await _rows(seeded)
    assert [r.id for r in rows] == list(range(1, 21))
    # Each request's rows are contiguous: one transaction each.
    assert len({r.request_id for r in rows}) == 5
    runs = [rows[i].request_id != rows[i - 1].request_id for i in range(1, 20)]
    assert sum(runs) == 4


async def test_a_failed_append_withholds_the_response(seeded: GatewayHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_: Any) -> None:
        # Not an outage (an unreachable database is a 503 SERVICE_UNAVAILABLE: tests/server/test_outage.py).
        raise RuntimeError("the append failed")

    monkeypatch.setattr(gateway.features.audit.recorder, "append", broken)
    key = await seeded.create_key("portal")
    body = await _ask(seeded, PROFILE, {"c": _codes(2)}, **_bearer(key))
    assert body.get("data") is None and error_codes(body) == ["AUDIT_UNAVAILABLE"]
    assert "requestId" in body["errors"][0]["extensions"]
    # The public is never recorded, so it is never refused for it.
    assert "errors" not in await seeded.graphql(PROFILE, {"c": _codes(2)})


def _cli_verify(gw: GatewayHarness) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", "audit", "verify", "--database-url", gw.settings.database_url],
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_audit_verify_command(seeded: GatewayHarness) -> None:
    key = await seeded.create_key("portal")
    await _ask(seeded, PROFILE, {"c": _codes(4)}, **_bearer(key))
    done = await asyncio.to_thread(_cli_verify, seeded)
    assert done.returncode == 0 and "chain intact (4 records)" in done.stdout, done.stderr
    async with _as_attacker(seeded) as conn:
        await conn.execute(sa.text("UPDATE query_record SET field_groups = 'name' WHERE id = 2"))
    done = await asyncio.to_thread(_cli_verify, seeded)
    assert done.returncode == 1
    assert "record 2: row changed" in " ".join(done.stderr.split()), done.stderr


# --- The outcome: a partner refused a subject is recorded as DENIED, and the chain covers it -------

PARTNER_BATCH = "query($c: [String!]!) { subjects(codes: $c) { name } }"
LOAN = {"X-Purpose": "loan application"}


async def _partner_viewed_one_and_was_refused_one(gw: GatewayHarness) -> str:
    """A partner authorised by the first organisation asks for the first two; returns its key."""
    partner = await gw.create_key("partner", name="Bank of Fuzhou")
    await gw.authorize(_codes(1)[0], partner, groups=[])
    body = await _ask(gw, PARTNER_BATCH, {"c": _codes(2)}, **_bearer(partner, **LOAN))
    assert body["data"]["subjects"][0] is not None and body["data"]["subjects"][1] is None
    return partner


async def test_a_refused_partner_is_recorded_as_denied_with_the_reason(seeded: GatewayHarness) -> None:
    await _partner_viewed_one_and_was_refused_one(seeded)
    admin = await seeded.create_key("admin")
    search = """{ queryRecords { edges { node { subjectCode role purpose outcome denialReason hashFormat
                                                subgraphs } } } }"""
    body = await _ask(seeded, search, **_bearer(admin))
    nodes = [e["node"] for e in body["data"]["queryRecords"]["edges"]]
    assert sorted(nodes, key=lambda node: node["outcome"]) == [
        {
            "subjectCode": _codes(2)[1],
            "role": "partner",
            "purpose": "loan application",
            "outcome": "DENIED",
            "denialReason": "NOT_GRANTED",
            "hashFormat": 3,
            "subgraphs": [],  # a request to the gateway's own graph, not through a supergraph
        },
        {
            "subjectCode": SHOWCASE,
            "role": "partner",
            "purpose": "loan application",
            "outcome": "VIEWED",
            "denialReason": None,
            "hashFormat": 3,
            "subgraphs": [],
        },
    ]
    refused = await seeded.create_key("subject", subject=_codes(2)[1])
    mine = await _ask(
        seeded, "{ me { queryRecords { edges { node { clientName outcome denialReason } } } } }", **_bearer(refused)
    )
    assert [e["node"] for e in mine["data"]["me"]["queryRecords"]["edges"]] == [
        {"clientName": "Bank of Fuzhou", "outcome": "DENIED", "denialReason": "NOT_GRANTED"}
    ]
    assert (await verify(seeded.engine, KEY(seeded))).records == 2


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
    await _partner_viewed_one_and_was_refused_one(seeded)
    assert (await verify(seeded.engine, KEY(seeded))).intact
    [row_id] = [row.id for row in await _rows(seeded) if row.outcome == outcome]
    async with _as_attacker(seeded) as conn:
        await conn.execute(sa.text(f"UPDATE query_record SET {edit} WHERE id = {row_id}"))
    result = await verify(seeded.engine, KEY(seeded))
    assert (result.broken_id, result.records) == (row_id, row_id - 1)
    assert result.reason.startswith("row changed")


async def _core_down_to(gw: GatewayHarness, revision: str) -> None:
    """Downgrade the core's migrations (only) to ``revision``; the test upgrades again."""
    async with gw.engine.begin() as conn:
        await conn.run_sync(migrate._run, migrate.CORE_SOURCE, revision, False)


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
    await _core_down_to(seeded, "core_0007")
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
    old = await _rows(seeded)
    assert {(r.outcome, r.denial_reason, r.hash_format) for r in old} == {("VIEWED", "", 1)}
    await _partner_viewed_one_and_was_refused_one(seeded)  # new rows chain on from the old ones
    result = await verify(seeded.engine, KEY(seeded))
    assert result.intact and result.records == 5, result
    assert [r.hash_format for r in await _rows(seeded)] == [1, 1, 1, 3, 3]
    # The old rows' hashes do not cover an outcome: one that says anything but a view is refused.
    async with _as_attacker(seeded) as conn:
        await conn.execute(sa.text("UPDATE query_record SET outcome = 'DENIED', denial_reason = 'X' WHERE id = 2"))
    result = await verify(seeded.engine, KEY(seeded))
    assert result.broken_id == 2 and result.reason.startswith("row changed")


@pytest.mark.parametrize("revision", ["core_0007", "core_0010"])  # SQLite rebuilds the table in core_0011
async def test_the_migrations_keep_the_table_append_only(seeded: GatewayHarness, revision: str) -> None:
    await _core_down_to(seeded, revision)
    await migrate.upgrade(seeded.engine, seeded.graph.composition.migrations)
    await _refuses_updates_and_deletes(seeded)


async def test_rows_from_before_subgraphs_keep_verifying_after_the_migration(seeded: GatewayHarness) -> None:
    """Rows hashed in format 2 (before core_0011) are copied as they are, by SQLite's table rebuild too,
    and keep verifying; the chain goes on in format 3. Their hashes cover neither the subgraphs nor a
    missing subject: an old row that claims either is refused."""
    from gateway.features.audit.chain import row_hash

    await _partner_viewed_one_and_was_refused_one(seeded)
    rows = await _rows(seeded)
    async with _as_attacker(seeded) as conn:  # the two rows as the code before core_0011 hashed them
        prev = GENESIS
        for row in rows:
            values = {**row._mapping, "hash_format": 2, "prev_hash": prev}
            prev = row_hash(values, prev, KEY(seeded))
            await conn.execute(
                sa.update(query_record)
                .where(query_record.c.id == row.id)
                .values(hash_format=2, prev_hash=values["prev_hash"], row_hash=prev)
            )
    await _core_down_to(seeded, "core_0010")  # and there and back
    await migrate.upgrade(seeded.engine, seeded.graph.composition.migrations)
    assert {(r.hash_format, r.subgraphs) for r in await _rows(seeded)} == {(2, "")}
    key = await seeded.create_key("portal")
    await _ask(seeded, PROFILE, {"c": _codes(1)}, **_bearer(key))
    result = await verify(seeded.engine, KEY(seeded))
    assert result.intact and result.records == 3, result
    assert [r.hash_format for r in await _rows(seeded)] == [2, 2, 3]
    for edit in ("subgraphs = 'loans'", "subject_id = NULL"):
        async with _as_attacker(seeded) as conn:
            await conn.execute(sa.text(f"UPDATE query_record SET {edit} WHERE id = 1"))
        result = await verify(seeded.engine, KEY(seeded))
        assert (result.broken_id, result.reason) == (1, "row changed: a format-2 row names no subgraphs and a subject")
        async with _as_attacker(seeded) as conn:
            restore = sa.update(query_record).where(query_record.c.id == 1)
            await conn.execute(restore.values(subgraphs="", subject_id=rows[0].subject_id))
    assert (await verify(seeded.engine, KEY(seeded))).intact


async def test_core_0011_downgrade_keeps_a_row_about_no_subject(seeded: GatewayHarness) -> None:
    """The record is append-only: a row without a subject (remote fields of a federated request) is
    neither deleted nor given a subject by the downgrade, which then leaves subject_id nullable."""
    from gateway.features.audit.chain import Access, append

    about_nobody = Access(None, "auditor", "admin", None, "Loan.amountYuan@loans", "", "r-1", "a" * 64)
    await append(seeded.engine, [about_nobody], KEY(seeded))
    await _core_down_to(seeded, "core_0010")
    try:
        async with seeded.engine.connect() as conn:
            kept = (await conn.execute(sa.text("SELECT id, subject_id, field_groups FROM query_record"))).all()
        assert [tuple(row) for row in kept] == [(1, None, "Loan.amountYuan@loans")]
    finally:
        await migrate.upgrade(seeded.engine, seeded.graph.composition.migrations)
    assert (await verify(seeded.engine, KEY(seeded))).intact  # its subgraphs were empty: nothing was lost


async def test_a_failed_append_of_refusals_only_leaves_the_refusals(
    seeded: GatewayHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused known subject (whose attempt is recorded) and a refused unknown code (nothing to record)
    get the same answer even when the query record cannot be written: refusals hand out nothing."""
    partner = await seeded.create_key("partner")

    async def broken(*_: Any) -> None:
        raise RuntimeError("the append failed")

    monkeypatch.setattr(gateway.features.audit.recorder, "append", broken)
    unknown = "91350100MA0000001P"  # valid, never seeded
    refused = await _ask(seeded, PARTNER_BATCH, {"c": [_codes(2)[1]]}, **_bearer(partner, **LOAN))
    nobody = await _ask(seeded, PARTNER_BATCH, {"c": [unknown]}, **_bearer(partner, **LOAN))
    assert refused["data"] == nobody["data"] == {"subjects": [None]}
    assert error_codes(refused) == error_codes(nobody) == ["AUTHORIZATION_REQUIRED"]
    # A response that hands a subject out is still withheld.
    await seeded.authorize(SHOWCASE, partner, groups=[])
    viewed = await _ask(seeded, PARTNER_BATCH, {"c": [SHOWCASE, _codes(2)[1]]}, **_bearer(partner, **LOAN))
    assert viewed.get("data") is None and error_codes(viewed) == ["AUDIT_UNAVAILABLE"]
