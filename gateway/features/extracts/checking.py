"""Checking an extract: by its number (and, optionally, the SHA-256 of a file), or an uploaded PDF.

By number: the registry's row, its stored signature checked again against its stored payload and the
published key (a row altered in the database no longer verifies: ``ALTERED``), a file's hash against the
stored PDF's (``ALTERED`` when it differs), then revoked, expired (after its last valid day) or valid.

An uploaded PDF: the payload and signature embedded in its Keywords; a signature that is not one of the
published keys' over that payload is ``FORGED`` (an edited payload, a key that is not the platform's), as
is a payload the registry did not issue under that number; a signed, registered payload in a file whose
bytes differ from the issued PDF is ``ALTERED`` (the visible text was edited); else as by number.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.features.extracts import store
from gateway.features.extracts.document import KEYWORDS_PREFIX
from gateway.features.extracts.signing import unb64, verifies
from gateway.features.extracts.tables import extract_signing_key

EMBEDDED = re.compile(
    rb"/Keywords \(" + re.escape(KEYWORDS_PREFIX.encode("ascii")) + rb"([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\)"
)


class Status(enum.StrEnum):
    VALID = "VALID"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    NOT_FOUND = "NOT_FOUND"
    ALTERED = "ALTERED"
    FORGED = "FORGED"


MESSAGES = {
    Status.VALID: "核验通过：本摘要由平台出具，内容未被改动，在有效期内。",
    Status.EXPIRED: "摘要真实，但已过有效期，请向平台重新申请。",
    Status.REVOKED: "摘要已被平台撤销，不再有效。",
    Status.NOT_FOUND: "平台未出具过此编号的摘要。",
    Status.ALTERED: "文件与平台出具的摘要不一致，内容可能已被改动，不能作为凭证。",
    Status.FORGED: "签名无效：此文件不是平台出具的摘要，或其签名信息被篡改。",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    number: str
    row: Any = None  # the registry's row, when the number is known and the facts may be shown

    @property
    def message(self) -> str:
        return MESSAGES[self.status]


def _in_force(row: Any, today: dt.date) -> Status:
    if row.revoked_at is not None:
        return Status.REVOKED
    return Status.EXPIRED if today > row.valid_until else Status.VALID


async def check_number(conn: AsyncConnection, number: str, sha256: str | None, today: dt.date) -> Verdict:
    row = await store.by_number(conn, number)
    if row is None:
        return Verdict(Status.NOT_FOUND, number)
    if not verifies(row.public_key, row.payload.encode("utf-8"), row.signature):
        return Verdict(Status.ALTERED, number, row)
    if sha256 is not None and sha256.strip().lower() != row.pdf_sha256:
        return Verdict(Status.ALTERED, number, row)
    return Verdict(_in_force(row, today), number, row)


def embedded(pdf: bytes) -> tuple[bytes, str] | None:
    """The signed payload and the signature a PDF carries, or None when it carries none."""
    found = EMBEDDED.search(pdf)
    if found is None:
        return None
    try:
        return unb64(found.group(1).decode("ascii")), found.group(2).decode("ascii")
    except ValueError:
        return None


async def check_file(conn: AsyncConnection, pdf: bytes, today: dt.date) -> Verdict:
    carried = embedded(pdf)
    if carried is None:
        return Verdict(Status.FORGED, "")
    payload, signature = carried
    try:
        facts = orjson.loads(payload)
        number, key_id = str(facts["number"]), str(facts["keyId"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return Verdict(Status.FORGED, "")
    query = sa.select(extract_signing_key.c.public_key).where(extract_signing_key.c.key_id == key_id)
    public_key = (await conn.execute(query)).scalar_one_or_none()
    if not verifies(public_key, payload, signature):
        return Verdict(Status.FORGED, number if store.well_formed(number) else "")
    row = await store.by_number(conn, number)
    if row is None:
        return Verdict(Status.NOT_FOUND, number)
    if row.payload.encode("utf-8") != payload or row.signature != signature:
        return Verdict(Status.FORGED, number)
    if hashlib.sha256(pdf).hexdigest() != row.pdf_sha256:
        return Verdict(Status.ALTERED, number, row)
    return Verdict(_in_force(row, today), number, row)
