"""GraphQL types of the credit report registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from gateway.features.reports.store import ReportStatus, status_of
from gateway.graph.arguments import utc

CreditReportStatus = strawberry.enum(
    ReportStatus,
    name="CreditReportStatus",
    description="VALID: registered and within its year; EXPIRED: past its year; REVOKED: withdrawn by its agency "
    "(or the credit centre); NOT_FOUND (verification only): no report has this number.",
)


@strawberry.type(description="A credit report (信用报告) a credit service agency issued and registered.")
class CreditReport:
    number: str = strawberry.field(description="The report's number, as printed on it (letters upper-cased).")
    agency_name: str = strawberry.field(description="The credit service agency that issued it.")
    subject_code: str = strawberry.field(description="The subject's code as it may be shown (masked for persons).")
    subject_name: str
    grade: str = strawberry.field(description="The credit grade the report gives (AAA, A …, the agency's scale).")
    risk_notes: str = strawberry.field(description="The report's risk notes (风险提示); empty when it notes none.")
    issued_on: dt.date
    valid_until: dt.date = strawberry.field(description="The last day it is valid: a year after issuedOn.")
    status: CreditReportStatus  # type: ignore[valid-type]
    registered_at: dt.datetime
    revoked_at: dt.datetime | None
    revocation_reason: str | None
    subject_id: strawberry.Private[int]  # whose query record notes the report handed out

    @classmethod
    def from_row(cls, row: Any, today: dt.date) -> CreditReport:
        return cls(
            number=row.number,
            agency_name=row.agency_name,
            subject_code=row.subject_code,
            subject_name=row.subject_name,
            grade=row.grade,
            risk_notes=row.risk_notes,
            issued_on=row.issued_on,
            valid_until=row.valid_until,
            status=status_of(row, today),
            registered_at=utc(row.registered_at),  # type: ignore[arg-type]
            revoked_at=utc(row.revoked_at),
            revocation_reason=row.revocation_reason,
            subject_id=row.subject_id,
        )


@strawberry.type(
    description="The answer to a verification by number: the report's status today, and the report itself when "
    "one has this number (null with NOT_FOUND)."
)
class CreditReportVerification:
    number: str = strawberry.field(description="The number asked, normalised.")
    status: CreditReportStatus  # type: ignore[valid-type]
    report: CreditReport | None


@strawberry.input(description="A credit report an agency registers, for a subject that authorised it.")
class RegisterCreditReportInput:
    request_id: str = strawberry.field(
        description="Your id for this request (a UUID): a retry with the same id and content returns the same "
        "report; the same id with other content is CONFLICT."
    )
    number: str = strawberry.field(description="The report's number (unique across agencies).")
    subject_code: str
    grade: str = strawberry.field(description="The credit grade the report gives, e.g. AAA.")
    issued_on: dt.date = strawberry.field(description="The day the report was issued: not in the future.")
    risk_notes: str | None = strawberry.field(default=None, description="The report's risk notes (风险提示).")
