"""Feedback on measures (奖惩反馈): what a department did with a measure for a subject in a matter.

``reportMeasureApplied`` (a department, or the admin) records it, idempotently on the reporter's own request
id: the same id with the same content returns the report stored first; with different content, CONFLICT.
``measureApplications`` lists reports newest first: the admin every report, a department its own domain's,
a subject those about itself.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Optional

import sqlalchemy as sa
import strawberry
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.db.idempotency import insert_once
from gateway.db.tables import subject
from gateway.features.measures.catalogue import Matter
from gateway.features.measures.tables import measure_application as reports
from gateway.features.measures.versions import catalogue_in_force
from gateway.graph.arguments import require, text, utc
from gateway.graph.pagination import Connection, newest_first_page
from gateway.kernel.errors import FORBIDDEN, NOT_FOUND, BadUserInput, GatewayError
from gateway.kernel.identifiers import lookup_hash, parse_subject_code
from gateway.kernel.limits import MAX_DOCUMENT_NUMBER, MAX_NOTE, MAX_REQUEST_ID, MAX_TEXT
from gateway.policy.access import subject_visible

REPORTERS = (Role.DEPARTMENT, Role.ADMIN)
READERS = (Role.SUBJECT, Role.DEPARTMENT, Role.ADMIN)


@strawberry.enum(description="What the department did with the measure.")
class MeasureAction(enum.StrEnum):
    APPLIED = "APPLIED"
    NOT_APPLIED = "NOT_APPLIED"


@strawberry.input(description="A department's report of what it did with a measure for a subject in a matter.")
class MeasureApplicationInput:
    request_id: str = strawberry.field(
        description="Your own id for this report (a UUID, say): sending it again returns the first report."
    )
    measure_id: str
    subject_code: str
    matter: Matter
    action: MeasureAction
    date: dt.date = strawberry.field(description="The day the department acted (not in the future).")
    document_number: str = strawberry.field(description="The number of the decision or document that records it.")
    reason: Optional[str] = strawberry.field(  # noqa: UP045
        default=None, description="Why not: required when the action is NOT_APPLIED."
    )
    note: Optional[str] = None  # noqa: UP045


@strawberry.type(description="A report of what a department did with a measure for a subject (奖惩反馈).")
class MeasureApplication:
    id: strawberry.ID
    request_id: str
    measure_id: str
    subject_code: str = strawberry.field(description="The subject's code as shown (an ID number masked).")
    subject_name: str
    matter: Matter
    action: MeasureAction
    reason: Optional[str]  # noqa: UP045
    date: dt.date
    document_number: str
    note: Optional[str]  # noqa: UP045
    domain: Optional[str] = strawberry.field(description="The reporting department's domain; null: the admin.")  # noqa: UP045
    catalogue_version: int = strawberry.field(description="The catalogue version (number) in force when reported.")
    reported_at: dt.datetime

    @classmethod
    def of(cls, row: Any) -> MeasureApplication:
        return cls(
            id=strawberry.ID(str(row.id)),
            request_id=row.request_id,
            measure_id=row.measure_id,
            subject_code=row.display_code,
            subject_name=row.name,
            matter=Matter(row.matter),
            action=MeasureAction(row.action),
            reason=row.reason,
            date=row.action_date,
            document_number=row.document_number,
            note=row.note,
            domain=row.domain,
            catalogue_version=row.catalogue_version,
            reported_at=utc(row.reported_at),  # type: ignore[arg-type]
        )


def _reporter(principal: Principal) -> str:
    return principal.requester  # the API client, or a token's issuer and subject


_SELECT = sa.select(reports, subject.c.display_code, subject.c.name).join(subject, subject.c.id == reports.c.subject_id)
_CONTENT = ("measure_id", "subject_id", "matter", "action", "reason", "action_date", "document_number", "note")


async def _subject_row(info: Info, conn: Any, code: str) -> Any:
    settings = info.context.settings
    parsed = parse_subject_code(code, uscc_allow_list=settings.uscc_allow_list)  # INVALID_SUBJECT_CODE
    query = sa.select(subject).where(subject.c.lookup_hash == lookup_hash(parsed, settings.secret_key))
    row = (await conn.execute(query)).first()
    if row is None or not subject_visible(info.context.principal, row):
        raise GatewayError("No subject with this code is on file", NOT_FOUND, argument="subjectCode")
    return row


async def report_measure_applied(info: Info, input: MeasureApplicationInput) -> MeasureApplication:
    principal: Principal = info.context.principal
    require(principal, REPORTERS, "reportMeasureApplied")
    request_id = text(input.request_id, "requestId", MAX_REQUEST_ID)
    document_number = text(input.document_number, "documentNumber", MAX_DOCUMENT_NUMBER)
    reason = text(input.reason, "reason", MAX_TEXT, required=input.action is MeasureAction.NOT_APPLIED)
    note = text(input.note, "note", MAX_NOTE, required=False)
    if input.date > info.context.graph.clock.today():
        raise BadUserInput("date must not be in the future", argument="date")
    in_force = await catalogue_in_force(info)
    measure = in_force.catalogue.get(input.measure_id)
    if measure is None:
        raise BadUserInput(f"The catalogue in force has no measure {input.measure_id[:64]!r}", argument="measureId")
    if input.matter not in measure.matters:
        raise BadUserInput(
            f"Measure {measure.id} does not bear on {input.matter.value}; it bears on "
            f"{', '.join(m.value for m in measure.matters)}",
            argument="matter",
        )
    async with info.context.engine.connect() as conn:
        row = await _subject_row(info, conn, input.subject_code)
    content = {
        "measure_id": measure.id,
        "subject_id": row.id,
        "matter": input.matter.value,
        "action": input.action.value,
        "reason": reason,
        "action_date": input.date,
        "document_number": document_number,
        "note": note,
    }
    reporter = _reporter(principal)
    first_only = {
        "domain": principal.domain if principal.role is Role.DEPARTMENT else None,
        "reported_by": f"{principal.role.value}:{principal.name}"[:200],
        "reported_at": info.context.graph.clock.now(),
        "catalogue_version": in_force.number,
    }
    key = {"reporter": reporter, "request_id": request_id}
    await insert_once(info.context.engine, reports, key, content, first_only)  # CONFLICT on other content
    existing = await _stored(info, reporter, request_id)
    return MeasureApplication.of(existing)


async def _stored(info: Info, reporter: str, request_id: str) -> Any:
    query = _SELECT.where(reports.c.reporter == reporter, reports.c.request_id == request_id)
    async with info.context.engine.connect() as conn:
        return (await conn.execute(query)).first()


async def measure_applications(
    info: Info,
    code: Optional[str] = None,  # noqa: UP045
    measure_id: Optional[str] = None,  # noqa: UP045
    matter: Optional[Matter] = None,  # noqa: UP045
    first: Optional[int] = None,  # noqa: UP045
    after: Optional[str] = None,  # noqa: UP045
) -> Connection[MeasureApplication]:
    principal: Principal = info.context.principal
    require(principal, READERS, "measureApplications")
    query = _SELECT
    if code is not None:
        async with info.context.connection() as conn:
            row = await _subject_row(info, conn, code)
        query = query.where(reports.c.subject_id == row.id)
    if principal.role is Role.SUBJECT:
        own = await info.context.loaders.own_subject_id()
        if own is None or (code is not None and row.id != own):
            raise GatewayError("A subject sees only the reports about itself", FORBIDDEN)
        query = query.where(reports.c.subject_id == own)
    elif principal.role is Role.DEPARTMENT:
        query = query.where(reports.c.domain == principal.domain)
    if measure_id is not None:
        query = query.where(reports.c.measure_id == measure_id[:64])
    if matter is not None:
        query = query.where(reports.c.matter == matter.value)
    return await newest_first_page(info, query, reports.c.id, first, after, MeasureApplication.of)


QUERY_FIELDS: dict[str, Any] = {
    "measure_applications": strawberry.field(
        resolver=measure_applications,
        description="Reports of what departments did with measures (奖惩反馈), newest first: the admin sees every "
        "report, a department its own domain's, a subject those about itself. first: at most the API's largest "
        "page.",
    ),
}

MUTATION_FIELDS: dict[str, Any] = {
    "report_measure_applied": strawberry.mutation(
        resolver=report_measure_applied,
        description="A department (or the admin): report what it did with a measure for a subject in a matter "
        "(奖惩反馈). Idempotent on input.requestId; the same id with other content is a CONFLICT.",
    ),
}
