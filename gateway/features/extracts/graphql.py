"""``issueCreditExtract`` (the subject, partners and agencies it authorised, departments, the admin) and
``verifyCreditDocument`` (public): the GraphQL side of credit extracts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.auth.principal import Role
from gateway.features.extracts import checking, issuing, store
from gateway.graph.arguments import require
from gateway.kernel.errors import NOT_FOUND, BadUserInput, GatewayError
from gateway.kernel.identifiers import CodeType

Status = strawberry.enum(
    checking.Status,
    name="CreditDocumentStatus",
    description="VALID: issued by the platform, unchanged, in force. EXPIRED: genuine, past its last valid day. "
    "REVOKED: withdrawn by the platform. NOT_FOUND: no extract has this number. ALTERED: the file (its SHA-256) "
    "or the registry's copy differs from what was signed. FORGED: an uploaded file's signature is not the "
    "platform's over its payload.",
)


@strawberry.input(description="An extract to issue (信用信息摘要).")
class IssueCreditExtractInput:
    subject_code: str = strawberry.field(description="The subject's USCC or resident ID number.")
    request_id: str = strawberry.field(
        description="The client's id for this request (a UUID): a retry with the same id gets the same extract."
    )
    purpose: str = strawberry.field(
        description="What the extract is for (用途), printed on it. A partner or agency states the purpose of its "
        "X-Purpose header, under which the subject authorised it."
    )


@strawberry.type(description="A credit extract issued: its number, dates, and where to download the PDF.")
class CreditExtract:
    number: str = strawberry.field(description="The extract's number, printed on it and checked by verification.")
    issued_on: dt.date
    valid_until: dt.date = strawberry.field(description="Its last valid day (China time), inclusive.")
    download_url: str = strawberry.field(
        description="The PDF: GET it with the same credentials (Authorization: Bearer) that issued it."
    )
    verify_url: str = strawberry.field(description="The public verification page its QR code opens.")
    sha256: str = strawberry.field(description="SHA-256 of the PDF, hex.")


@strawberry.type(description="What the registry says about an extract (信用信息摘要核验).")
class CreditDocumentVerification:
    status: Status
    message: str = strawberry.field(description="The verdict in Chinese, for a person.")
    number: str
    subject_name: str | None = strawberry.field(description="As signed; null when NOT_FOUND.")
    subject_code: str | None = strawberry.field(description="As signed: a person's ID number masked.")
    issued_on: dt.date | None
    valid_until: dt.date | None
    key_id: str | None = strawberry.field(description="The signing key's id (/.well-known/credit-gateway-keys.json).")
    checked_on: dt.date = strawberry.field(description="The day of the check (China time).")


def verification_of(verdict: checking.Verdict, today: dt.date) -> CreditDocumentVerification:
    row = verdict.row
    return CreditDocumentVerification(
        status=verdict.status,  # type: ignore[arg-type]
        message=verdict.message,
        number=verdict.number,
        subject_name=row.subject_name if row is not None else None,
        subject_code=row.subject_code if row is not None else None,
        issued_on=row.issued_on if row is not None else None,
        valid_until=row.valid_until if row is not None else None,
        key_id=row.key_id if row is not None else None,
        checked_on=today,
    )


def is_person(row: Any) -> bool:
    return row.subject_code_type == CodeType.RESIDENT_ID.value


async def issue_credit_extract(info: Info, input: IssueCreditExtractInput) -> CreditExtract:
    request = issuing.ExtractRequest(input.subject_code, input.request_id, input.purpose)
    row = await issuing.issue(info, request)
    return CreditExtract(
        number=row.number,
        issued_on=row.issued_on,
        valid_until=row.valid_until,
        download_url=issuing.download_url(info, row.number),
        verify_url=issuing.verify_url(info, row.number),
        sha256=row.pdf_sha256,
    )


_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


async def verify_credit_document(info: Info, number: str, sha256: str | None = None) -> CreditDocumentVerification:
    number = number.strip().upper()
    if len(number) > 64:
        raise BadUserInput("number is not an extract's number", argument="number")
    if sha256 is not None and not _SHA256.fullmatch(sha256.strip()):
        raise BadUserInput("sha256 must be 64 hexadecimal digits", argument="sha256")
    today = info.context.graph.clock.today()
    async with info.context.connection() as conn:
        verdict = await checking.check_number(conn, number, sha256, today)
    return verification_of(verdict, today)


async def revoke_credit_extract(info: Info, number: str) -> CreditDocumentVerification:
    require(info.context.principal, (Role.ADMIN,), "revokeCreditExtract")
    graph = info.context.graph
    async with info.context.engine.begin() as conn:
        if not await store.revoke(conn, number.strip().upper(), graph.clock.now()):
            raise GatewayError("No extract with this number is in force", NOT_FOUND, argument="number")
        verdict = await checking.check_number(conn, number.strip().upper(), None, graph.clock.today())
    return verification_of(verdict, graph.clock.today())


QUERY_FIELDS: dict[str, Any] = {
    "verify_credit_document": strawberry.field(
        resolver=verify_credit_document,
        description="Anyone: check a credit extract by its number (and the SHA-256 of a file, when given): VALID, "
        "EXPIRED, REVOKED, NOT_FOUND or ALTERED, with the facts signed, to compare with the paper.",
    ),
}

MUTATION_FIELDS: dict[str, Any] = {
    "issue_credit_extract": strawberry.mutation(
        resolver=issue_credit_extract,
        description="The subject itself, a partner or agency it authorised (for the X-Purpose stated), a "
        "department or the admin: issue the subject's signed credit extract (信用信息摘要, PDF). Idempotent on "
        "requestId.",
    ),
    "revoke_credit_extract": strawberry.mutation(
        resolver=revoke_credit_extract,
        description="Admin: withdraw an extract (issued in error, or about records found wrong); verification then "
        "answers REVOKED.",
    ),
}

POLICIES: dict[str, str] = {
    "Query.verifyCreditDocument": "public",
    "CreditDocumentVerification": "public",
    "Mutation.issueCreditExtract": "subject,partner,agency,department",
    "Mutation.revokeCreditExtract": "admin",
    "CreditExtract": "subject,partner,agency,department",
}
