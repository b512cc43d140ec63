"""Complaints (投诉举报): anyone files one against a subject, naming a domain; that domain's departments
investigate and conclude; the complainant follows it with a tracking token.

Filing is open to everyone, the anonymous public included, so it is bounded: the text has ceilings,
one complaint per request, and the public rate limit applies. Filing says nothing about whether the
gateway knows the subject (any valid code is accepted), so it cannot be used to probe who is held.

A substantiated complaint links to the record the department then submits, with
``linkComplaintRecord`` (or ``recordId`` at conclusion, if the record came first): the record must be
in the complaint's domain and about the subject complained of.
"""

import dataclasses
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.auth.principal import Principal
from gateway.features.lifecycle import complaint_store as store
from gateway.features.lifecycle.common import WorkflowView, count_call, int_id, known_domain, require, text
from gateway.features.lifecycle.complaint_types import (
    HANDLERS,
    Complaint,
    ComplaintConclusion,
    ComplaintState,
    ComplaintTracking,
    FileComplaintInput,
    FiledComplaint,
    stage_days,
)
from gateway.features.lifecycle.transitions import Actor
from gateway.graph.pagination import Connection, newest_first_page
from gateway.kernel.identifiers import lookup_hash, parse_subject_code
from gateway.kernel.limits import MAX_CONTACT
from gateway.kernel.settings import Settings

COMPLAINTS_PER_REQUEST = 1  # a complainant files one at a time; aliases cannot file a hundred
TRACKING_PER_REQUEST = 5
COMPLAINANT = "complainant"  # the actor name of every filing


def _tracking(info: Info, row: Any) -> ComplaintTracking:
    return ComplaintTracking.from_row(row, WorkflowView.of(info), stage_days(info.context.settings.complaints))


def _handled(info: Info, row: Any) -> Complaint:
    return Complaint.from_row(row, WorkflowView.of(info), stage_days(info.context.settings.complaints))


async def file_complaint(info: Info, input: FileComplaintInput) -> FiledComplaint | None:
    # Nullable: when a second alias in one request is refused, the first one's token must still reach
    # its complainant (a non-null error would null the whole response, and the filed complaint with it).
    count_call(info, "fileComplaint", COMPLAINTS_PER_REQUEST)
    settings: Settings = info.context.settings
    code = parse_subject_code(input.subject_code, uscc_allow_list=settings.uscc_allow_list)
    new = store.NewComplaint(
        domain=known_domain(info, input.domain),
        subject_code=code,
        subject_lookup_hash=lookup_hash(code, settings.secret_key),
        matter=text(input.matter, "matter"),
        contact=text(input.contact, "contact", MAX_CONTACT, required=False),
    )
    # Logged under the filer's role and client id (the admin can trace abuse in the database), never its
    # name: departments learn who complains only from the contact the complainant chose to give.
    actor = dataclasses.replace(Actor.of(info.context.principal), name=COMPLAINANT)
    async with info.context.engine.begin() as conn:
        row, token = await store.file_complaint(conn, new, actor=actor, at=info.context.graph.clock.now())
    return FiledComplaint(tracking_token=token, complaint=_tracking(info, row))


async def complaint(info: Info, tracking_token: str) -> ComplaintTracking | None:
    count_call(info, "complaint", TRACKING_PER_REQUEST)
    async with info.context.engine.connect() as conn:
        row = await store.find_by_token(conn, tracking_token)
    return _tracking(info, row) if row is not None else None


async def complaints(
    info: Info,
    state: ComplaintState | None = None,
    domain: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[Complaint]:
    principal: Principal = info.context.principal
    require(principal, HANDLERS, "complaints")
    query = store.list_query(principal, domain=domain, state=state.value if state else None)
    view, days = WorkflowView.of(info), stage_days(info.context.settings.complaints)
    return await newest_first_page(
        info, query, store.complaint.c.id, first, after, lambda row: Complaint.from_row(row, view, days)
    )


async def investigate_complaint(info: Info, id: strawberry.ID, note: str | None = None) -> Complaint:
    principal: Principal = info.context.principal
    require(principal, HANDLERS, "investigateComplaint")
    complaint_id = int_id(id, "id")
    checked_note = text(note, "note", required=False)
    async with info.context.engine.begin() as conn:
        await store.investigate(conn, complaint_id, principal, at=info.context.graph.clock.now(), note=checked_note)
        return _handled(info, await store.detail(conn, complaint_id))


async def conclude_complaint(
    info: Info,
    id: strawberry.ID,
    conclusion: ComplaintConclusion,
    feedback: str,
    record_id: strawberry.ID | None = None,
    note: str | None = None,
) -> Complaint:
    principal: Principal = info.context.principal
    require(principal, HANDLERS, "concludeComplaint")
    complaint_id = int_id(id, "id")
    checked_feedback = text(feedback, "feedback")
    checked_note = text(note, "note", required=False)
    record = int_id(record_id, "recordId") if record_id is not None else None
    async with info.context.engine.begin() as conn:
        await store.conclude(
            conn,
            complaint_id,
            principal,
            at=info.context.graph.clock.now(),
            conclusion=conclusion.value,
            feedback=checked_feedback,
            record_id=record,
            note=checked_note,
        )
        return _handled(info, await store.detail(conn, complaint_id))


async def link_complaint_record(info: Info, id: strawberry.ID, record_id: strawberry.ID) -> Complaint:
    principal: Principal = info.context.principal
    require(principal, HANDLERS, "linkComplaintRecord")
    complaint_id = int_id(id, "id")
    record = int_id(record_id, "recordId")
    async with info.context.engine.begin() as conn:
        await store.link_record(conn, complaint_id, principal, record_id=record, at=info.context.graph.clock.now())
        return _handled(info, await store.detail(conn, complaint_id))


QUERY_FIELDS: dict[str, Any] = {
    "complaint": strawberry.field(
        resolver=complaint,
        description="A complaint by the tracking token given when it was filed; null for an unknown token.",
    ),
    "complaints": strawberry.field(
        resolver=complaints,
        description="Department: your domain's complaints; admin: all (optionally of one domain). Newest first.",
    ),
}

MUTATION_FIELDS: dict[str, Any] = {
    "file_complaint": strawberry.mutation(
        resolver=file_complaint,
        description="Anyone: file a complaint against a subject with a domain's departments; returns a tracking "
        "token, shown only this once.",
    ),
    "investigate_complaint": strawberry.mutation(
        resolver=investigate_complaint,
        description="Department of the complaint's domain, or admin: start investigating (RECEIVED → INVESTIGATING).",
    ),
    "conclude_complaint": strawberry.mutation(
        resolver=conclude_complaint,
        description="Department of the complaint's domain, or admin: conclude with feedback for the complainant; "
        "recordId links a substantiated complaint to a record already submitted.",
    ),
    "link_complaint_record": strawberry.mutation(
        resolver=link_complaint_record,
        description="Department of the complaint's domain, or admin: link a substantiated complaint to the record "
        "submitted for it (same domain, same subject).",
    ),
}

POLICIES: dict[str, str] = {
    "Query.complaint": "public",
    "ComplaintTracking": "public",
    "FiledComplaint": "public",
    "Mutation.fileComplaint": "public",
    "Query.complaints": "department",
    "Complaint": "department",
    "ComplaintConnection": "department",
    "ComplaintEdge": "department",
    "Mutation.investigateComplaint": "department",
    "Mutation.concludeComplaint": "department",
    "Mutation.linkComplaintRecord": "department",
    # Shared with commitments (and open to disputes and repairs): a subject reads its own items' history.
    "WorkflowTransition": "subject,department",
}
