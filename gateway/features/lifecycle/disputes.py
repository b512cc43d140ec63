"""Disputes (异议): the subject objects to a record; the credit centre forwards the objection to the
provider within 3 working days, the provider's department verifies it within 15, and the applicant
is told within 2 (each configurable). The record stays published meanwhile, marked ``disputed``.

The outcome of verification: UPHELD (the record stands), CORRECTED (envelope fields change; the
previous version is kept in ``record_revision`` for the admin) or REVOKED (the record is withdrawn).
Each dispute shows the deadline of its current stage (``dueOn``) and whether it is ``overdue``.
"""

import datetime as dt
import enum
from types import SimpleNamespace
from typing import Any, Optional

import orjson
import sqlalchemy as sa
import strawberry
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.db.queries import with_subject
from gateway.db.tables import credit_record, dispute, record_revision
from gateway.features.lifecycle.common import (
    WorkflowTransition,
    WorkflowView,
    int_id,
    require,
    text,
    transitions_of,
    utc,
)
from gateway.features.lifecycle.record_access import (
    check_domain,
    check_jurisdiction,
    check_subject_owns,
    record_row,
    scoped,
    working_calendar,
)
from gateway.features.lifecycle.transitions import Actor, advance, create, load
from gateway.features.lifecycle.workflow import DISPUTE
from gateway.graph.pagination import Connection, newest_first_page
from gateway.kernel.errors import CONFLICT, BadUserInput, GatewayError
from gateway.kernel.limits import MAX_EVIDENCE
from gateway.records.enums import RecordStatus, Severity
from gateway.records.publicity import lifecycle_values

# Who may take each step (the roles each mutation requires): allowedActions offers a principal only its own.
TAKERS = {
    "FORWARD": (Role.ADMIN,),
    "VERIFY": (Role.DEPARTMENT, Role.ADMIN),
    "CLOSE": (Role.ADMIN,),
    "WITHDRAW": (Role.SUBJECT, Role.ADMIN),
}


@strawberry.enum(description="How verification ended a dispute.")
class DisputeOutcome(enum.StrEnum):
    UPHELD = "UPHELD"
    CORRECTED = "CORRECTED"
    REVOKED = "REVOKED"


@strawberry.type(description="An objection (异议) to a record, and where it stands.")
class Dispute:
    id: strawberry.ID
    record_id: strawberry.ID
    domain: str
    subject_code: str
    subject_name: str
    state: str = strawberry.field(description="FILED, FORWARDED, VERIFIED, CLOSED or WITHDRAWN.")
    outcome: DisputeOutcome | None
    reason: str
    evidence: str | None = strawberry.field(description="A reference to the applicant's evidence.")
    filed_by: str = strawberry.field(description="subject, or admin on the subject's behalf.")
    filed_at: dt.datetime
    due_on: dt.date | None = strawberry.field(description="The deadline of the current stage (working days).")
    overdue: bool
    finding: str | None = strawberry.field(description="The provider's verification.")
    corrected_revision: int | None
    allowed_actions: list[str] = strawberry.field(description="The actions you may take on it now.")

    @strawberry.field(description="Every step, with who and when, oldest first.")
    async def transitions(self, info: Info) -> list[WorkflowTransition]:
        return await transitions_of(info, DISPUTE, int(self.id))

    @classmethod
    def from_row(cls, row: Any, view: WorkflowView) -> "Dispute":
        return cls(
            id=strawberry.ID(str(row.id)),
            record_id=strawberry.ID(str(row.record_id)),
            domain=row.domain,
            subject_code=row.subject_code,
            subject_name=row.subject_name,
            state=row.state,
            outcome=DisputeOutcome(row.outcome) if row.outcome else None,
            reason=row.reason,
            evidence=row.evidence,
            filed_by=row.filed_by,
            filed_at=utc(row.filed_at),  # type: ignore[arg-type]
            due_on=row.due_on,
            overdue=view.overdue(row.due_on),
            finding=row.finding,
            corrected_revision=row.corrected_revision,
            allowed_actions=view.allowed_actions(DISPUTE, row.state, TAKERS),
        )


@strawberry.input(description="The subject objects to a record (the admin may file on its behalf).")
class FileDisputeInput:
    record_id: strawberry.ID
    reason: str
    evidence: str | None = None


@strawberry.input(description="Corrected envelope fields; only those given change.")
class RecordCorrection:
    severity: Severity | None = None
    decision_date: dt.date | None = None
    document_number: str | None = None
    deciding_authority: str | None = None


@strawberry.type(description="An earlier version of a record, kept when a dispute corrected it.")
class RecordRevision:
    revision: int
    replaced_at: dt.datetime
    dispute_id: strawberry.ID | None
    severity: str | None
    decision_date: dt.date
    document_number: str | None
    deciding_authority: str
    status: str


def _detail_query() -> sa.Select:
    return with_subject(dispute)


async def _detail(info: Info, dispute_id: int) -> Dispute:
    async with info.context.engine.connect() as conn:
        row = (await conn.execute(_detail_query().where(dispute.c.id == dispute_id))).one()
    return Dispute.from_row(row, WorkflowView.of(info))


def _due(info: Info, days: int) -> dt.date:
    return working_calendar(info).add_working_days(info.context.graph.clock.today(), days)


async def file_dispute(info: Info, input: FileDisputeInput) -> Dispute:
    principal: Principal = info.context.principal
    require(principal, (Role.SUBJECT, Role.ADMIN), "fileDispute")
    reason = text(input.reason, "reason")
    evidence = text(input.evidence, "evidence", MAX_EVIDENCE, required=False)
    clock = info.context.graph.clock
    record_id = int_id(input.record_id, "recordId")
    due = _due(info, info.context.settings.disputes.forward_days)
    async with info.context.engine.begin() as conn:
        record = await record_row(conn, record_id)
        await check_subject_owns(info, record)
        # One open dispute per record: the flag flips only if no other request flipped it first.
        flagged = await conn.execute(
            credit_record.update()
            .where(credit_record.c.id == record_id, credit_record.c.disputed.is_(False))
            .values(disputed=True)
        )
        if flagged.rowcount != 1:
            raise GatewayError(f"Record {record_id} already has an open dispute.", CONFLICT, argument="recordId")
        row = await create(
            conn,
            dispute,
            DISPUTE,
            {
                "record_id": record_id,
                "subject_id": record.subject_id,
                "domain": record.domain,
                "reason": reason,
                "evidence": evidence,
                "filed_by": principal.role.value,
                "filed_at": clock.now(),
                "due_on": due,
            },
            actor=Actor.of(principal),
            at=clock.now(),
            action="FILE",
        )
    return await _detail(info, row.id)


async def _act(info: Info, dispute_id: strawberry.ID, action: str, note: str | None, **values: Any) -> Dispute:
    principal: Principal = info.context.principal
    clock = info.context.graph.clock
    item_id = int_id(dispute_id, "id")
    async with info.context.engine.begin() as conn:
        row = await load(conn, dispute, item_id, "dispute")
        DISPUTE.next_state(row.state, action)  # refuse an illegal action before anything is written
        if principal.role is Role.SUBJECT:
            await check_subject_owns(info, await record_row(conn, row.record_id))
        check_domain(principal, row.domain, "dispute")
        await check_jurisdiction(conn, principal, row.record_id, "dispute")
        extra = await _effects(info, conn, row, action, values)
        await advance(
            conn, dispute, DISPUTE, row, action, actor=Actor.of(principal), at=clock.now(), values=extra, note=note
        )
    return await _detail(info, item_id)


async def _effects(info: Info, conn: Any, row: Any, action: str, given: dict[str, Any]) -> dict[str, Any]:
    """What an action changes besides the state: deadlines, and the record itself on VERIFY/CLOSE."""
    settings = info.context.settings
    if action == "FORWARD":
        return {"due_on": _due(info, settings.disputes.verify_days)}
    if action in ("CLOSE", "WITHDRAW"):
        await conn.execute(credit_record.update().where(credit_record.c.id == row.record_id).values(disputed=False))
        return {"due_on": None}
    if action != "VERIFY":
        return {}
    outcome: DisputeOutcome = given["outcome"]
    values: dict[str, Any] = {
        "outcome": outcome.value,
        "finding": given["finding"],
        "due_on": _due(info, settings.disputes.notify_days),
    }
    if outcome is DisputeOutcome.REVOKED:
        await conn.execute(
            credit_record.update().where(credit_record.c.id == row.record_id).values(status=RecordStatus.REVOKED.value)
        )
    if outcome is DisputeOutcome.CORRECTED:
        values["corrected_revision"] = await _correct(info, conn, row, given["correction"])
    return values


async def _correct(info: Info, conn: Any, row: Any, correction: RecordCorrection | None) -> int:
    changes = {
        name: getattr(correction, name).value
        if isinstance(getattr(correction, name), enum.Enum)
        else getattr(correction, name)
        for name in ("severity", "decision_date", "document_number", "deciding_authority")
        if correction is not None and getattr(correction, name) is not None
    }
    if not changes:
        raise BadUserInput("a CORRECTED outcome needs at least one corrected field", argument="correction")
    record = await record_row(conn, row.record_id)
    kept = {str(c.name): record._mapping[c.name] for c in credit_record.columns if c.name not in ("id", "created_at")}
    await conn.execute(
        record_revision.insert().values(
            record_id=record.id,
            revision=record.revision,
            envelope=orjson.dumps(kept, default=str).decode(),
            replaced_at=info.context.graph.clock.now(),
            dispute_id=row.id,
        )
    )
    updated = {**kept, **changes}
    corrected = SimpleNamespace(
        polarity=updated["polarity"], severity=updated["severity"], decision_date=updated["decision_date"]
    )
    window = lifecycle_values(corrected, info.context.settings.publicity)
    await conn.execute(
        credit_record.update()
        .where(credit_record.c.id == record.id)
        .values(**changes, **window, revision=record.revision + 1)
    )
    return record.revision + 1


async def forward_dispute(info: Info, id: strawberry.ID, note: str | None = None) -> Dispute:
    require(info.context.principal, (Role.ADMIN,), "forwardDispute")
    return await _act(info, id, "FORWARD", text(note, "note", required=False))


async def verify_dispute(
    info: Info,
    id: strawberry.ID,
    outcome: DisputeOutcome,
    finding: str,
    correction: RecordCorrection | None = None,
) -> Dispute:
    require(info.context.principal, (Role.DEPARTMENT, Role.ADMIN), "verifyDispute")
    return await _act(
        info, id, "VERIFY", None, outcome=outcome, finding=text(finding, "finding"), correction=correction
    )


async def close_dispute(info: Info, id: strawberry.ID, note: str | None = None) -> Dispute:
    require(info.context.principal, (Role.ADMIN,), "closeDispute")
    return await _act(info, id, "CLOSE", text(note, "note", required=False))


async def withdraw_dispute(info: Info, id: strawberry.ID) -> Dispute:
    require(info.context.principal, (Role.SUBJECT, Role.ADMIN), "withdrawDispute")
    return await _act(info, id, "WITHDRAW", None)


async def disputes(
    info: Info,
    state: Optional[str] = None,  # noqa: UP045 (runtime type)
    first: int | None = None,
    after: Optional[str] = None,  # noqa: UP045
) -> Connection[Dispute]:
    principal: Principal = info.context.principal
    require(principal, (Role.SUBJECT, Role.DEPARTMENT, Role.ADMIN), "disputes")
    query = await scoped(info, _detail_query(), dispute)
    if state is not None:
        if state not in DISPUTE.states:
            known = ", ".join(sorted(DISPUTE.states))
            raise BadUserInput(f"unknown state {state[:32]!r}; one of {known}", argument="state")
        query = query.where(dispute.c.state == state)
    view = WorkflowView.of(info)
    return await newest_first_page(info, query, dispute.c.id, first, after, lambda row: Dispute.from_row(row, view))


async def record_history(info: Info, record_id: strawberry.ID) -> list[RecordRevision]:
    require(info.context.principal, (Role.ADMIN,), "recordHistory")
    async with info.context.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(record_revision)
                .where(record_revision.c.record_id == int_id(record_id, "recordId"))
                .order_by(record_revision.c.revision)
            )
        ).all()
    revisions = []
    for row in rows:
        kept = orjson.loads(row.envelope)
        revisions.append(
            RecordRevision(
                revision=row.revision,
                replaced_at=utc(row.replaced_at),  # type: ignore[arg-type]
                dispute_id=strawberry.ID(str(row.dispute_id)) if row.dispute_id else None,
                severity=kept["severity"],
                decision_date=dt.date.fromisoformat(kept["decision_date"]),
                document_number=kept["document_number"],
                deciding_authority=kept["deciding_authority"],
                status=kept["status"],
            )
        )
    return revisions


QUERY_FIELDS: dict[str, Any] = {
    "disputes": strawberry.field(
        resolver=disputes, description="Disputes, newest first: a subject's own, a department's domain's, or all."
    ),
    "record_history": strawberry.field(
        resolver=record_history, description="Admin: the earlier versions of a record that corrections replaced."
    ),
}
MUTATION_FIELDS: dict[str, Any] = {
    "file_dispute": strawberry.mutation(resolver=file_dispute, description="Object to a record (异议)."),
    "forward_dispute": strawberry.mutation(resolver=forward_dispute, description="Admin: forward to the provider."),
    "verify_dispute": strawberry.mutation(
        resolver=verify_dispute,
        description="The record's department: UPHELD, CORRECTED (with the correction) or REVOKED.",
    ),
    "close_dispute": strawberry.mutation(resolver=close_dispute, description="Admin: the applicant has been told."),
    "withdraw_dispute": strawberry.mutation(
        resolver=withdraw_dispute, description="The subject withdraws its objection."
    ),
}
POLICIES: dict[str, str] = {
    "Query.disputes": "subject,department",
    "Query.recordHistory": "admin",
    "Dispute": "subject,department",
    "DisputeConnection": "subject,department",
    "DisputeEdge": "subject,department",
    "RecordRevision": "admin",
    "Mutation.fileDispute": "subject",
    "Mutation.forwardDispute": "admin",
    "Mutation.verifyDispute": "department",
    "Mutation.closeDispute": "admin",
    "Mutation.withdrawDispute": "subject",
}
