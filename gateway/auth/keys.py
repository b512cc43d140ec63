"""API keys: created once and shown once, stored as a sha256 digest, revocable.

A key reads ``cg_<prefix>_<secret>``: the prefix finds the row and names the key in listings,
the whole key is compared by digest in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.auth.principal import Principal, Role
from gateway.db.tables import api_client
from gateway.kernel.limits import MAX_KEY_LENGTH

KEY_SCHEME = "cg"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ClientInfo:
    id: int
    name: str
    role: Role
    domain: str | None
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None
    contract_groups: str = ""  # partners: comma-separated field groups
    division_code: str | None = None  # departments: the division bound to (None: the whole platform)


async def create_client(
    engine: AsyncEngine,
    *,
    name: str,
    role: Role,
    domain: str | None = None,
    subject_lookup_hash: str | None = None,
    division_code: str | None = None,
) -> tuple[ClientInfo, str]:
    """Store a new client and return it with its key, which is never retrievable again.
    ``division_code`` must be checked by the caller (:func:`gateway.kernel.divisions.check_division`)."""
    prefix = secrets.token_hex(4)
    key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                api_client.insert()
                .values(
                    name=name,
                    role=role.value,
                    domain=domain,
                    subject_lookup_hash=subject_lookup_hash,
                    division_code=division_code,
                    key_prefix=prefix,
                    key_hash=_digest(key),
                    created_at=datetime.now(UTC),
                )
                .returning(api_client)
            )
        ).one()
    return _info(row), key


def _info(row: sa.Row) -> ClientInfo:
    m = row._mapping
    return ClientInfo(
        m["id"],
        m["name"],
        Role(m["role"]),
        m["domain"],
        m["key_prefix"],
        m["created_at"],
        m["revoked_at"],
        m["contract_groups"] or "",
        m["division_code"],
    )


async def list_clients(engine: AsyncEngine) -> list[ClientInfo]:
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(api_client).order_by(api_client.c.id))).all()
    return [_info(r) for r in rows]


async def revoke_client(engine: AsyncEngine, client_id: int) -> bool:
    """Revoke a client's key; returns False when there is no such active client."""
    async with engine.begin() as conn:
        result = await conn.execute(
            api_client.update()
            .where(api_client.c.id == client_id, api_client.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
    return result.rowcount == 1


async def bind_division(engine: AsyncEngine, client_id: int, division_code: str | None) -> ClientInfo | None:
    """Bind an active department key to a division (None: the whole platform again), effective from its
    next request. Returns the updated client, or None when there is no such active department client.
    ``division_code`` must be checked by the caller."""
    async with engine.begin() as conn:
        row = (
            await conn.execute(
                api_client.update()
                .where(
                    api_client.c.id == client_id,
                    api_client.c.revoked_at.is_(None),
                    api_client.c.role == Role.DEPARTMENT.value,
                )
                .values(division_code=division_code)
                .returning(api_client)
            )
        ).first()
    return _info(row) if row is not None else None


class InvalidKey(Exception):
    """The presented key is malformed, unknown or revoked."""


async def authenticate(engine: AsyncEngine, key: str) -> Principal:
    """The principal of a presented key, or :class:`InvalidKey`. One indexed statement."""
    parts = key.split("_", 2)
    if len(key) > MAX_KEY_LENGTH or len(parts) != 3 or parts[0] != KEY_SCHEME:
        raise InvalidKey("Malformed API key")
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(api_client).where(api_client.c.key_prefix == parts[1]))).first()
    if row is None or not hmac.compare_digest(row.key_hash, _digest(key)):
        raise InvalidKey("Unknown API key")
    if row.revoked_at is not None:
        raise InvalidKey("Revoked API key")
    return Principal(
        role=Role(row.role),
        client_id=row.id,
        name=row.name,
        domain=row.domain,
        subject_lookup_hash=row.subject_lookup_hash,
        authenticated_by="api_key",
        contract_groups=frozenset(group for group in (row.contract_groups or "").split(",") if group),
        division_code=row.division_code,
    )
