"""The query record's hash chain: canonical row hashes, appending under one lock, verifying.

Each row's ``row_hash`` is an HMAC-SHA256, keyed by a key derived from the gateway's secret key,
over a canonical serialisation of its fields and ``prev_hash``, the ``row_hash`` of the row before it
(64 zeros for the first). Ids are assigned here, last id + 1, inside the appending transaction, so the
ids of an intact table run 1, 2, 3 … without gaps.

What it proves: an edited, deleted or re-ordered row (but the newest) is found by :func:`verify`, even
when whoever edited it recomputed every later hash: without the key (which is not in the database) they
cannot. Deleting the newest rows is not found; anchoring the latest ``row_hash`` elsewhere (a daily
report, another system) closes that.

Each row names the format its hash was made in (``hash_format``). Format 1 (rows appended before the
outcome was recorded, migration core_0008) covers the fields of an access; such rows are views, and
:func:`verify` refuses one with any other outcome. Format 2 adds the outcome (``VIEWED`` or ``DENIED``)
and the reason of a denial. Format 3 (migration core_0011) adds the subgraphs a federated request called
(``subgraphs``, empty for a request to the gateway's own graph) and allows a row about no subject (remote
fields about nobody in particular, ``subject_id`` null). A row of format 1 or 2 names no subgraphs and is
about a subject, since its hash covers neither; :func:`verify` refuses one that claims otherwise. The
format's name is part of the hashed payload, so changing a row's ``hash_format`` (to pass a changed field
off as an old row) breaks its hash too.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.db.tables import query_record

GENESIS = "0" * 64
# Part of every hash, so that one format cannot be confused with another.
FORMATS = {1: "query_record/1", 2: "query_record/2", 3: "query_record/3"}
CURRENT_FORMAT = 3
VIEWED = "VIEWED"  # the subject was handed out (perhaps with some fields refused)
DENIED = "DENIED"  # a partner asked and was refused the subject; denial_reason says why
# Key of the PostgreSQL advisory lock that makes concurrent appends take turns (one chain, no forks).
ADVISORY_LOCK_KEY = 0x43475152  # "CGQR"
VERIFY_CHUNK = 1_000


@dataclass(frozen=True, slots=True)
class Access:
    """One subject accessed by one operation (or, ``subject_id`` None, the remote fields it was handed about
    no subject): what a row records besides its time, id and hashes."""

    client_id: int | None
    client_name: str
    role: str
    subject_id: int | None
    field_groups: str
    purpose: str
    request_id: str
    operation_hash: str
    outcome: str = VIEWED
    denial_reason: str = ""  # e.g. NOT_GRANTED (gateway.features.partners.access); empty when viewed
    subgraphs: str = ""  # comma-separated, sorted: the subgraphs a federated request called; empty otherwise


def canonical_time(value: datetime) -> str:
    """UTC with microseconds; a naive value (SQLite hands them back) is UTC already."""
    value = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_key(secret_key: str) -> bytes:
    """The chain's own key, derived from the gateway secret (a key used for one purpose only)."""
    return hmac.new(secret_key.encode(), b"credit-gateway query record chain", hashlib.sha256).digest()


def row_hash(row: Mapping[str, Any], prev_hash: str, key: bytes) -> str:
    """The row's HMAC in the format it names; ``KeyError`` for a format this code does not know."""
    hash_format = int(row["hash_format"])
    subject_id = row["subject_id"]
    payload = [
        FORMATS[hash_format],
        int(row["id"]),
        canonical_time(row["recorded_at"]),
        row["client_id"],
        row["client_name"],
        row["role"],
        None if subject_id is None else int(subject_id),
        row["field_groups"],
        row["purpose"],
        row["request_id"],
        row["operation_hash"],
    ]
    if hash_format >= 2:
        payload += [row["outcome"], row["denial_reason"]]
    if hash_format >= 3:
        payload.append(row["subgraphs"])
    payload.append(prev_hash)
    return hmac.new(key, orjson.dumps(payload), hashlib.sha256).hexdigest()


async def _lock_chain(conn: AsyncConnection) -> None:
    """Serialise appenders, so that reading the last hash and inserting after it is one step."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK_KEY)))
    elif dialect == "sqlite":
        # The driver would begin lazily at the INSERT, after our read; take the write lock now instead.
        await conn.exec_driver_sql("BEGIN IMMEDIATE")
    # Elsewhere the primary key still refuses a fork: two appenders after the same row collide on its id.


async def append(engine: AsyncEngine, accesses: Sequence[Access], key: bytes) -> list[int]:
    """Append one row per access in one transaction and one INSERT; returns their ids."""
    if not accesses:
        return []
    async with engine.begin() as conn:
        await _lock_chain(conn)
        last = (
            await conn.execute(
                sa.select(query_record.c.id, query_record.c.row_hash).order_by(query_record.c.id.desc()).limit(1)
            )
        ).first()
        next_id, prev = (last.id + 1, last.row_hash) if last is not None else (1, GENESIS)
        recorded_at = datetime.now(UTC)  # taken under the lock, so time never runs backwards along the chain
        rows: list[dict[str, Any]] = []
        for offset, access in enumerate(accesses):
            row: dict[str, Any] = {
                "id": next_id + offset,
                "recorded_at": recorded_at,
                "client_id": access.client_id,
                "client_name": access.client_name,
                "role": access.role,
                "subject_id": access.subject_id,
                "field_groups": access.field_groups,
                "purpose": access.purpose,
                "request_id": access.request_id,
                "operation_hash": access.operation_hash,
                "outcome": access.outcome,
                "denial_reason": access.denial_reason,
                "subgraphs": access.subgraphs,
                "hash_format": CURRENT_FORMAT,
                "prev_hash": prev,
            }
            row["row_hash"] = prev = row_hash(row, row["prev_hash"], key)
            rows.append(row)
        await conn.execute(query_record.insert(), rows)
    return [row["id"] for row in rows]


@dataclass(frozen=True, slots=True)
class Verification:
    records: int  # rows checked (all of them when intact; up to the broken one otherwise)
    broken_id: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_id is None


async def _rows_in_order(conn: AsyncConnection, chunk: int) -> AsyncIterator[Any]:
    """Every row by id, ``chunk`` at a time (keyset pages: memory stays flat whatever the table size)."""
    last_id = 0
    while True:
        page = (
            await conn.execute(
                sa.select(query_record).where(query_record.c.id > last_id).order_by(query_record.c.id).limit(chunk)
            )
        ).all()
        for row in page:
            yield row
        if len(page) < chunk:
            return
        last_id = page[-1].id


async def verify(engine: AsyncEngine, key: bytes, *, chunk: int = VERIFY_CHUNK) -> Verification:
    """Walk the chain from the first row; stop at the first row that does not hold."""
    expected_id, expected_prev, checked = 1, GENESIS, 0
    async with engine.connect() as conn:
        async for row in _rows_in_order(conn, chunk):
            m = row._mapping
            if row.id != expected_id:
                missing = str(expected_id) if row.id == expected_id + 1 else f"{expected_id}-{row.id - 1}"
                return Verification(checked, row.id, f"deleted row gap: record(s) {missing} missing before it")
            if m["hash_format"] not in FORMATS:
                return Verification(checked, row.id, f"row changed: unknown hash format {m['hash_format']!r}")
            # A format-1 hash does not cover the outcome: such a row can only have been a view.
            if m["hash_format"] == 1 and (m["outcome"], m["denial_reason"]) != (VIEWED, ""):
                return Verification(checked, row.id, "row changed: a format-1 row records views only")
            # Nor do format-1 and -2 hashes cover the subgraphs, and those rows were all about a subject.
            if m["hash_format"] < 3 and (m["subgraphs"] != "" or m["subject_id"] is None):
                return Verification(
                    checked, row.id, f"row changed: a format-{m['hash_format']} row names no subgraphs and a subject"
                )
            if not hmac.compare_digest(row_hash(m, m["prev_hash"], key), m["row_hash"]):
                return Verification(checked, row.id, "row changed: its fields do not match its row_hash")
            if m["prev_hash"] != expected_prev:
                return Verification(
                    checked, row.id, "chain broken: its prev_hash is not the row_hash of the record before it"
                )
            checked += 1
            expected_id, expected_prev = row.id + 1, m["row_hash"]
    return Verification(checked)
