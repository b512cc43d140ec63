"""Issuing an extract: who may ask, for which subject, idempotently on the client's request id.

Who: the subject itself (its own extract); a partner bank or a credit service agency the subject
authorised, for the purpose in its ``X-Purpose`` header (the gateway's partner access decides, exactly as
for ``subject(code:)``: an unauthorised one gets ``AUTHORIZATION_REQUIRED`` and the refusal goes to the
query record); a department (it holds the records; an agency of government may need the extract for a
procedure); the admin. An extract handed out is in the query record like any subject served.

One request: the subject's row, the authorisation (partners), one statement per section, the signing key,
then the idempotent insert. The PDF is drawn in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.db.idempotency import insert_once
from gateway.db.tables import subject
from gateway.features.audit.recorder import request_purpose
from gateway.features.extracts import document, store
from gateway.features.extracts.sections import load_sections, sections_of, sections_sha256
from gateway.features.extracts.signing import b64, canonical, current_key, fingerprint, sign
from gateway.features.extracts.tables import credit_extract
from gateway.features.merchants.links import base_url
from gateway.features.partners.store import normalise_purpose
from gateway.graph.arguments import require
from gateway.graph.subject_access import admit_subjects, note_served
from gateway.kernel.errors import FORBIDDEN, NOT_FOUND, BadUserInput, GatewayError
from gateway.kernel.identifiers import CodeType, lookup_hash, parse_subject_code
from gateway.kernel.limits import MAX_EXTRACT_PURPOSE, MAX_REQUEST_ID
from gateway.policy.access import subject_visible

ISSUERS = (Role.SUBJECT, Role.PARTNER, Role.AGENCY, Role.DEPARTMENT, Role.ADMIN)
PAYLOAD_VERSION = 1
VERIFY_PATH = "/verify/{number}"
DOWNLOAD_PATH = "/extracts/{number}.pdf"
_AUTHORISED = (Role.PARTNER, Role.AGENCY)


@dataclass(frozen=True, slots=True)
class ExtractRequest:
    subject_code: str
    request_id: str
    purpose: str


def requester_of(principal: Principal) -> str:
    """Who asked, as the idempotency key and the download check compare it: the API client, or a token's
    issuer and subject (never a display name, which two people may share)."""
    return principal.requester


def requester_label(principal: Principal) -> str:
    """Who asked, as printed on the extract."""
    if principal.role is Role.SUBJECT:
        return "信用主体本人"
    if principal.role in _AUTHORISED:
        return f"{principal.name}（经信用主体授权）"
    if principal.role is Role.DEPARTMENT:
        return f"{principal.name}（主管部门）"
    return "公共信用信息服务平台"


def _checked(request: ExtractRequest, principal: Principal, header_purpose: str) -> ExtractRequest:
    request_id = request.request_id.strip()
    if not 1 <= len(request_id) <= MAX_REQUEST_ID:
        raise BadUserInput(f"requestId must have 1 to {MAX_REQUEST_ID} characters", argument="requestId")
    purpose = " ".join(request.purpose.split())
    if not 1 <= len(purpose) <= MAX_EXTRACT_PURPOSE:
        raise BadUserInput(f"purpose must have 1 to {MAX_EXTRACT_PURPOSE} characters", argument="purpose")
    if principal.role in _AUTHORISED and normalise_purpose(purpose) != normalise_purpose(header_purpose):
        # The authorisation is judged on X-Purpose: the extract must not print another purpose.
        raise BadUserInput("purpose must be the purpose stated in the X-Purpose header", argument="purpose")
    return ExtractRequest(request.subject_code, request_id, purpose)


async def _subject_row(info: Info, request: ExtractRequest) -> Any:
    """The subject's row once this principal may have its extract; errors with a code otherwise."""
    context = info.context
    principal: Principal = context.principal
    settings = context.settings
    code = parse_subject_code(request.subject_code, uscc_allow_list=settings.uscc_allow_list)
    query = sa.select(subject).where(subject.c.lookup_hash == lookup_hash(code, settings.secret_key))
    async with context.connection() as conn:
        row = (await conn.execute(query)).one_or_none()
    if row is not None and not subject_visible(principal, row):
        row = None
    if principal.role is Role.SUBJECT and (row is None or row.lookup_hash != principal.subject_lookup_hash):
        raise GatewayError("A subject may ask only for its own extract", FORBIDDEN, argument="subjectCode")
    (row,) = await admit_subjects(info, [code], [row])  # partner access: authorised or refused
    if isinstance(row, Exception):
        raise row
    if row is None:
        raise GatewayError("No subject with this code is on file", NOT_FOUND, argument="subjectCode")
    note_served(info, [row.id], ("extract",))  # the query record notes the subject served
    return row


async def issue(info: Info, request: ExtractRequest) -> Any:
    """The extract stored for this request (issued now if it is new): the registry row."""
    context = info.context
    principal: Principal = context.principal
    require(principal, ISSUERS, "issueCreditExtract")
    request = _checked(request, principal, request_purpose(context.request))
    row = await _subject_row(info, request)
    requester = requester_of(principal)
    key = {"requester": requester, "request_id": request.request_id}
    content = {"subject_id": row.id, "purpose": request.purpose}
    async with context.engine.connect() as conn:
        known = await store.by_request(conn, requester, request.request_id)
    if known is None:
        extra = await _new_extract(info, row, request, principal)
    else:
        extra = None  # a retry: insert_once returns the stored extract (or CONFLICT for other content)
    stored = await insert_once(context.engine, credit_extract, key, content, extra)
    return stored


async def _new_extract(info: Info, row: Any, request: ExtractRequest, principal: Principal) -> dict[str, Any]:
    context = info.context
    graph = context.graph
    settings = context.settings
    today = graph.clock.today()
    now = graph.clock.now()
    valid_until = today + dt.timedelta(days=settings.extract_validity_days - 1)
    number = store.new_number(today)
    sections = sections_of(graph.composition)
    async with context.engine.begin() as conn:
        loaded = await load_sections(conn, sections, row.id, today, principal)
        key = await current_key(conn, settings, now)
    payload = {
        "v": PAYLOAD_VERSION,
        "type": "credit-extract",
        "number": number,
        "subject": {"name": row.name, "code": row.display_code, "codeType": row.code_type},
        "issuedOn": today.isoformat(),
        "validUntil": valid_until.isoformat(),
        "keyId": key.key_id,
        "sections": [section["id"] for section in loaded],
        "sectionsSha256": sections_sha256(loaded),
    }
    signed = canonical(payload)
    signature = sign(key, signed)
    content = document.ExtractContent(
        number=number,
        subject_name=row.name,
        subject_code=row.display_code,
        subject_is_person=row.code_type == CodeType.RESIDENT_ID.value,
        issued_on=today,
        valid_until=valid_until,
        purpose=request.purpose,
        requester=requester_label(principal),
        sections=loaded,
        verify_url=verify_url(info, number),
        key_id=key.key_id,
        key_fingerprint=fingerprint(key.public_hex),
        keywords=f"{document.KEYWORDS_PREFIX}{b64(signed)}.{signature}",
    )
    pdf = await asyncio.to_thread(document.render, content, document.font_path(settings.extract_font))
    return {
        "number": number,
        "issued_at": now,
        "issued_on": today,
        "valid_until": valid_until,
        "key_id": key.key_id,
        "payload": signed.decode("utf-8"),
        "signature": signature,
        "sections": loaded,
        "pdf": pdf,
        "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
    }


def public_base(info: Info) -> str:
    return base_url(info.context.settings.public_url, info.context.request)


def verify_url(info: Info, number: str) -> str:
    return public_base(info) + VERIFY_PATH.format(number=number)


def download_url(info: Info, number: str) -> str:
    return public_base(info) + DOWNLOAD_PATH.format(number=number)
