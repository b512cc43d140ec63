"""Resolvers of the credit report registry: ``registerCreditReport`` and ``revokeCreditReport`` (an agency),
``verifyCreditReport`` (departments, the admin; a subject or an agency for its own reports) and
``creditReports`` (a subject's own, an agency's own, the admin's all).

An agency registers a report only about a subject that authorised it: the subject is looked up and passed
through every plugin's ``SubjectAccess.admit``, exactly as the core's ``subject`` entry point does, so the
partner access feature decides (a current authorisation for the purpose in ``X-Purpose``) and a refusal is
``AUTHORIZATION_REQUIRED`` and noted in the subject's query record as ``DENIED``. Every report handed out
(registered, verified, listed) is noted in its subject's query record as viewed, for anyone but the public.
"""

from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa
import strawberry
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.features.reports.store import (
    ReportStatus,
    check_registration,
    checked_number,
    detail_query,
    register_report,
    revoke_report,
)
from gateway.features.reports.tables import credit_report
from gateway.features.reports.types import CreditReport, CreditReportVerification, RegisterCreditReportInput
from gateway.graph.arguments import require
from gateway.graph.pagination import Connection, newest_first_page
from gateway.graph.subject import SUBJECT_BY_HASH
from gateway.graph.subject_access import admit_subjects, note_served
from gateway.kernel.errors import FORBIDDEN, NOT_FOUND, GatewayError
from gateway.kernel.identifiers import lookup_hash, parse_subject_code
from gateway.kernel.settings import Settings
from gateway.policy.access import subject_visible

VERIFIERS = (Role.DEPARTMENT, Role.ADMIN, Role.SUBJECT, Role.AGENCY)
LISTERS = (Role.SUBJECT, Role.AGENCY, Role.ADMIN)
REVOKERS = (Role.AGENCY, Role.ADMIN)


async def _subject_row(info: Info, code: str) -> Any:
    """The subject row of ``code`` as this principal may be handed it: through every plugin's admit (an
    agency: only a subject that authorised it, else AUTHORIZATION_REQUIRED), NOT_FOUND when unknown."""
    settings: Settings = info.context.settings
    parsed = parse_subject_code(code, uscc_allow_list=settings.uscc_allow_list)
    row = await info.context.loaders.load(SUBJECT_BY_HASH, lookup_hash(parsed, settings.secret_key))
    if row is not None and not subject_visible(info.context.principal, row):
        row = None  # a subject this principal may not see reads as unknown
    (admitted,) = await admit_subjects(info, [parsed], [row])
    if isinstance(admitted, Exception):
        raise admitted
    if admitted is None:
        raise GatewayError("No subject with this code is known.", NOT_FOUND, argument="subjectCode")
    return admitted


def _served(info: Info, subject_ids: list[int], path: tuple[str, ...] = ()) -> None:
    """Each plugin's ``SubjectAccess.served``: the query record notes the subjects whose reports were handed out."""
    if subject_ids:
        note_served(info, subject_ids, path)


async def _own_subject_id(info: Info) -> int:
    own = await info.context.loaders.own_subject_id()
    if own is None:
        raise GatewayError("No record of your subject is held yet.", NOT_FOUND)
    return int(own)


async def _report(info: Info, report_id: int) -> CreditReport:
    async with info.context.engine.connect() as conn:
        row = (await conn.execute(detail_query().where(credit_report.c.id == report_id))).one()
    return CreditReport.from_row(row, info.context.graph.clock.today())


async def register_credit_report(info: Info, input: RegisterCreditReportInput) -> CreditReport:
    principal: Principal = info.context.principal
    require(principal, (Role.AGENCY,), "registerCreditReport")
    if principal.client_id is None:
        raise GatewayError("registerCreditReport needs an agency's API key (a token names no client).", FORBIDDEN)
    clock = info.context.graph.clock
    registration = check_registration(
        request_id=input.request_id,
        number=input.number,
        grade=input.grade,
        risk_notes=input.risk_notes,
        issued_on=input.issued_on,
        today=clock.today(),
    )
    row = await _subject_row(info, input.subject_code)
    stored = await register_report(
        info.context.engine,
        agency_id=principal.client_id,
        subject_id=row.id,
        registration=registration,
        now=clock.now(),
    )
    _served(info, [row.id])
    return await _report(info, stored.id)


async def revoke_credit_report(info: Info, number: str, reason: str) -> CreditReport:
    principal: Principal = info.context.principal
    require(principal, REVOKERS, "revokeCreditReport")
    report_id = await revoke_report(
        info.context.engine,
        number,
        agency_id=(principal.client_id or -1) if principal.role is Role.AGENCY else None,
        by=f"{principal.role.value}:{principal.name}",
        reason=reason,
        now=info.context.graph.clock.now(),
    )
    return await _report(info, report_id)


async def _scope(info: Info, query: sa.Select[Any]) -> sa.Select[Any]:
    """A subject sees its own reports, an agency those it registered, departments and the admin all."""
    principal: Principal = info.context.principal
    if principal.role is Role.SUBJECT:
        return query.where(credit_report.c.subject_id == await _own_subject_id(info))
    if principal.role is Role.AGENCY:
        return query.where(credit_report.c.client_id == (principal.client_id or -1))
    return query


async def verify_credit_report(info: Info, number: str) -> CreditReportVerification:
    require(info.context.principal, VERIFIERS, "verifyCreditReport")
    number = checked_number(number)
    query = await _scope(info, detail_query().where(credit_report.c.number == number))
    async with info.context.engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is None:  # unknown, or (a subject, an agency) not its own: the same answer
        return CreditReportVerification(number=number, status=ReportStatus.NOT_FOUND, report=None)
    report = CreditReport.from_row(row, info.context.graph.clock.today())
    _served(info, [row.subject_id], ("report",))
    return CreditReportVerification(number=number, status=report.status, report=report)


async def credit_reports(
    info: Info,
    subject_code: Optional[str] = None,  # noqa: UP045 (runtime type)
    first: Optional[int] = None,  # noqa: UP045
    after: Optional[str] = None,  # noqa: UP045
) -> Connection[CreditReport]:
    require(info.context.principal, LISTERS, "creditReports")
    query = await _scope(info, detail_query())
    if subject_code is not None:
        settings: Settings = info.context.settings
        parsed = parse_subject_code(subject_code, uscc_allow_list=settings.uscc_allow_list)
        row = await info.context.loaders.load(SUBJECT_BY_HASH, lookup_hash(parsed, settings.secret_key))
        query = query.where(credit_report.c.subject_id == (row.id if row is not None else -1))
    today = info.context.graph.clock.today()
    page = await newest_first_page(
        info, query, credit_report.c.id, first, after, lambda row: CreditReport.from_row(row, today)
    )
    _served(info, list(dict.fromkeys(edge.node.subject_id for edge in page.edges)), ("edges", "node"))
    return page


QUERY_FIELDS: dict[str, Any] = {
    "verify_credit_report": strawberry.field(
        resolver=verify_credit_report,
        description="Verify a credit report by its number: its status today (VALID, EXPIRED, REVOKED, or NOT_FOUND "
        "when no report has this number) and what it states. Departments and the admin: any report; a subject or "
        "an agency: its own.",
    ),
    "credit_reports": strawberry.field(
        resolver=credit_reports,
        description="Credit reports, newest first: a subject's own, those an agency registered, or (admin) all; "
        "`subjectCode` keeps one subject's.",
    ),
}

MUTATION_FIELDS: dict[str, Any] = {
    "register_credit_report": strawberry.mutation(
        resolver=register_credit_report,
        description="Agency: register a credit report you issued, about a subject that authorised you (for the "
        "purpose sent in X-Purpose). Valid a year from issuedOn; idempotent on requestId.",
    ),
    "revoke_credit_report": strawberry.mutation(
        resolver=revoke_credit_report,
        description="Agency (your own) or admin: revoke a credit report; verification says REVOKED from then on.",
    ),
}
