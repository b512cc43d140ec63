"""Reading and writing extracts: numbers, the registry row, and looking one up by number."""

from __future__ import annotations

import re
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.db.tables import subject
from gateway.features.extracts.tables import credit_extract, extract_signing_key

# Crockford's base32 without I, L, O, U: read aloud and typed from paper without confusion.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_CHARACTERS = 12  # 60 random bits: numbers cannot be enumerated to find who asked for extracts
NUMBER_SHAPE = re.compile(r"^XY\d{8}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")

EXTRACT_COLUMNS = (
    credit_extract,
    subject.c.name.label("subject_name"),
    subject.c.display_code.label("subject_code"),
    subject.c.code_type.label("subject_code_type"),
    subject.c.lookup_hash.label("subject_lookup_hash"),
    extract_signing_key.c.public_key,
)


def new_number(issued_on: Any) -> str:
    """``XY20261130-7K3M-Q9PD-2HXA``: the issue date and twelve random characters."""
    tail = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARACTERS))
    return f"XY{issued_on:%Y%m%d}-{tail[0:4]}-{tail[4:8]}-{tail[8:12]}"


def well_formed(number: str) -> bool:
    return bool(NUMBER_SHAPE.match(number))


def _extracts() -> sa.Select[Any]:
    return (
        sa.select(*EXTRACT_COLUMNS)
        .join(subject, subject.c.id == credit_extract.c.subject_id)
        .outerjoin(extract_signing_key, extract_signing_key.c.key_id == credit_extract.c.key_id)
    )


async def by_number(conn: AsyncConnection, number: str) -> Any:
    """The extract with its subject's name and shown code and its key's public key; None when unknown."""
    if not well_formed(number):
        return None
    return (await conn.execute(_extracts().where(credit_extract.c.number == number))).one_or_none()


async def by_request(conn: AsyncConnection, requester: str, request_id: str) -> Any:
    query = sa.select(credit_extract.c.id).where(
        credit_extract.c.requester == requester, credit_extract.c.request_id == request_id
    )
    return (await conn.execute(query)).first()


async def revoke(conn: AsyncConnection, number: str, at: Any) -> bool:
    """Revoke the extract; False when no extract in force has this number."""
    if not well_formed(number):
        return False
    result = await conn.execute(
        sa.update(credit_extract)
        .where(credit_extract.c.number == number, credit_extract.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return result.rowcount == 1
