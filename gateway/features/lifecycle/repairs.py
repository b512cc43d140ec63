"""Credit repair (信用修复): after a record's minimum publicity, its subject applies with a repair
commitment; the record's department approves or rejects with a reason. Approved, the record is
REPAIRED: no longer published, shared with partners or counted in lists and measures, though the
admin (and its department and subject) still see it: repair is never deletion. A broken repair
commitment republishes the record for the maximum window of its severity, from that day.

An application awaiting the decision shows its deadline (``dueOn``, ``decision_days`` working days after it
was filed, 15 by default) and whether it is ``overdue``; ``allowedActions`` are the steps the asking
principal may take (a department's or the admin's, never the subject's).
"""

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa
import strawberry
from strawberry.types import Info

from gateway.auth.principal import Principal, Role
from gateway.db.queries import with_subject
from gateway.db.tables import credit_record, repair_application
from gateway.features.lifecycle.common import (
    WorkflowTransition,
    WorkflowView,
    int_id,
    require,
    state_since,
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
)
from gateway.features.lifecycle.transitions import Actor, advance, create, load
from gateway.features.lifecycle.workflow import REPAIR
from gateway.graph.pagination import Connection, newest_first_page
from gateway.kernel.errors import CONFLICT, BadUserInput, GatewayError
from gateway.records.enums import Polarity, RecordStatus
from gateway.records.publicity import window_for

REPAIR_NOT_ELIGIBLE = "REPAIR_NOT_ELIGIBLE"
DECIDERS = (Role.DEPARTMENT, Role.ADMIN)  # the record's department (its domain's), or the admin
TAKERS = {"APPROVE": DECIDERS, "REJECT": DECIDERS, "BREACH": DECIDERS}


def _deadlines(info: Info) -> dict[str, int]:
    """Only the decision has a deadline: a breach is reported when it happens."""
    return {"APPLIED": info.context.settings.repairs.decision_days}


@strawberry.type(description="An application for credit repair (信用修复) of one record.")
class RepairApplication:
    id: strawberry.ID
    record_id: strawberry.ID
    domain: str
    subject_code: str
    subject_name: str
    state: str = strawberry.field(description="APPLIED, APPROVED, REJECTED or BREACHED.")
    commitment: str = strawberry.field(description="The repair commitment (信用修复承诺).")
    obligations: str | None = strawberry.field(description="How the obligations were met.")
    applied_at: dt.datetime
    decision_reason: str | None
    due_on: dt.date | None = strawberry.field(
        description="The deadline of the department's decision (working days); null once decided."
    )
    overdue: bool
    allowed_actions: list[str] = strawberry.field(description="The actions you may take on it now.")

    @strawberry.field(description="Every step, with who and when, oldest first.")
    async def transitions(self, info: Info) -> list[WorkflowTransition]:
        return await transitions_of(info, REPAIR, int(self.id))

    @classmethod
    def from_row(cls, row: Any, view: WorkflowView, deadlines: dict[str, int]) -> "RepairApplication":
        stage = view.stage(REPAIR, row.state, row.state_since, deadlines, TAKERS)
        return cls(
            id=strawberry.ID(str(row.id)),
            record_id=strawberry.ID(str(row.record_id)),
            domain=row.domain,
            subject_code=row.subject_code,
            subject_name=row.subject_name,
            state=row.state,
            commitment=row.commitment,
            obligations=row.obligations,
            applied_at=utc(row.applied_at),  # type: ignore[arg-type]
            decision_reason=row.decision_reason,
            due_on=stage.due_on,
            overdue=stage.overdue,
            allowed_actions=stage.allowed_actions,
        )


@strawberry.input(description="Apply for the repair of one of your records.")
class RepairInput:
    record_id: strawberry.ID
    commitment: str = strawberry.field(description="Your repair commitment.")
    obligations: str | None = strawberry.field(default=None, description="How you met the obligations.")


def _detail_query() -> sa.Select:
    return with_subject(repair_application, state_since(repair_application, REPAIR))


async def _detail(info: Info, item_id: int) -> RepairApplication:
    async with info.context.engine.connect() as conn:
        row = (await conn.execute(_detail_query().where(repair_application.c.id == item_id))).one()
    return RepairApplication.from_row(row, WorkflowView.of(info), _deadlines(info))


def _not_eligible(message: str, **extensions: Any) -> GatewayError:
    return GatewayError(message, REPAIR_NOT_ELIGIBLE, **extensions)


def _check_eligible(info: Info, record: Any) -> None:
    today = info.context.graph.clock.today()
    if record.polarity != Polarity.NEGATIVE.value:
        raise _not_eligible("Only negative records are repaired.")
    if record.status != RecordStatus.ACTIVE.value:
        raise _not_eligible(f"The record is {record.status}, not ACTIVE.")
    if record.category in info.context.settings.repair_excluded_categories:
        raise _not_eligible(f"Records of category {record.category} cannot be repaired.", category=record.category)
    if record.repair_from is None:
        raise _not_eligible("This record has no repair window.")
    if today < record.repair_from:
        raise _not_eligible(
            f"Repair may be applied for from {record.repair_from.isoformat()}, after the minimum publicity.",
            eligibleFrom=record.repair_from.isoformat(),
        )


async def apply_for_repair(info: Info, input: RepairInput) -> RepairApplication:
    principal: Principal = info.context.principal
    require(principal, (Role.SUBJECT,), "applyForRepair")
    commitment = text(input.commitment, "commitment")
    obligations = text(input.obligations, "obligations", required=False)
    record_id = int_id(input.record_id, "recordId")
    clock = info.context.graph.clock
    async with info.context.engine.begin() as conn:
        record = await record_row(conn, record_id)
        await check_subject_owns(info, record)
        _check_eligible(info, record)
        pending = (
            await conn.execute(
                sa.select(repair_application.c.id).where(
                    repair_application.c.record_id == record_id, repair_application.c.state == "APPLIED"
                )
            )
        ).first()
        if pending is not None:
            raise GatewayError(f"Repair application {pending.id} for this record awaits a decision.", CONFLICT)
        row = await create(
            conn,
            repair_application,
            REPAIR,
            {
                "record_id": record_id,
                "subject_id": record.subject_id,
                "domain": record.domain,
                "commitment": commitment,
                "obligations": obligations,
                "applied_at": clock.now(),
            },
            actor=Actor.of(principal),
            at=clock.now(),
            action="APPLY",
        )
    return await _detail(info, row.id)


async def _act(info: Info, item: strawberry.ID, action: str, reason: str | None) -> RepairApplication:
    principal: Principal = info.context.principal
    require(principal, TAKERS[action], f"{action.lower()} a repair application")
    clock = info.context.graph.clock
    item_id = int_id(item, "id")
    async with info.context.engine.begin() as conn:
        row = await load(conn, repair_application, item_id, "repair application")
        REPAIR.next_state(row.state, action)  # refuse an illegal action before anything is written
        check_domain(principal, row.domain, "repair application")
        await check_jurisdiction(conn, principal, row.record_id, "repair application")
        record_values: dict[str, Any] = {}
        if action == "APPROVE":
            record_values = {"status": RecordStatus.REPAIRED.value}
        elif action == "BREACH":
            record = await record_row(conn, row.record_id)
            window = window_for(record.polarity, record.severity, info.context.settings.publicity)
            assert window is not None  # only negative records are repaired
            record_values = {
                "status": RecordStatus.ACTIVE.value,
                "published_until": window.published_until(clock.today()),
            }
        await advance(
            conn,
            repair_application,
            REPAIR,
            row,
            action,
            actor=Actor.of(principal),
            at=clock.now(),
            values={"decision_reason": reason} if action in ("APPROVE", "REJECT") else None,
            note=reason,
        )
        if record_values:
            await conn.execute(
                credit_record.update().where(credit_record.c.id == row.record_id).values(**record_values)
            )
    return await _detail(info, item_id)


async def decide_repair(info: Info, id: strawberry.ID, approve: bool, reason: str) -> RepairApplication:
    return await _act(info, id, "APPROVE" if approve else "REJECT", text(reason, "reason"))


async def report_repair_breach(info: Info, id: strawberry.ID, note: str) -> RepairApplication:
    return await _act(info, id, "BREACH", text(note, "note"))


async def repair_applications(
    info: Info,
    state: Optional[str] = None,  # noqa: UP045 (runtime type)
    first: int | None = None,
    after: Optional[str] = None,  # noqa: UP045
) -> Connection[RepairApplication]:
    require(info.context.principal, (Role.SUBJECT, Role.DEPARTMENT, Role.ADMIN), "repairApplications")
    query = await scoped(info, _detail_query(), repair_application)
    if state is not None:
        if state not in REPAIR.states:
            raise BadUserInput(f"unknown state; one of {', '.join(sorted(REPAIR.states))}", argument="state")
        query = query.where(repair_application.c.state == state)
    view, deadlines = WorkflowView.of(info), _deadlines(info)
    return await newest_first_page(
        info, query, repair_application.c.id, first, after, lambda row: RepairApplication.from_row(row, view, deadlines)
    )


QUERY_FIELDS: dict[str, Any] = {
    "repair_applications": strawberry.field(
        resolver=repair_applications,
        description="Repair applications, newest first: a subject's own, a department's domain's, or all.",
    ),
}
MUTATION_FIELDS: dict[str, Any] = {
    "apply_for_repair": strawberry.mutation(
        resolver=apply_for_repair, description="Apply for the repair of one of your records, with a commitment."
    ),
    "decide_repair": strawberry.mutation(
        resolver=decide_repair, description="The record's department: approve (→ REPAIRED) or reject, with a reason."
    ),
    "report_repair_breach": strawberry.mutation(
        resolver=report_repair_breach,
        description="The record's department: the repair commitment was broken; the record is republished.",
    ),
}
POLICIES: dict[str, str] = {
    "Query.repairApplications": "subject,department",
    "RepairApplication": "subject,department",
    "RepairApplicationConnection": "subject,department",
    "RepairApplicationEdge": "subject,department",
    "Mutation.applyForRepair": "subject",
    "Mutation.decideRepair": "department",
    "Mutation.reportRepairBreach": "department",
}
