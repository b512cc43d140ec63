"""GraphQL types of complaints: the complainant's view (by tracking token) and the department's.

The two views are separate types on purpose: ``ComplaintTracking`` is public and carries only what the
complainant needs to follow the complaint (never the subject, the matter or any contact detail), while
``Complaint`` is declared for departments and the admin, so no audience can reach a field it must not
see by a path the other view opens.

Both show the deadline of the current stage (``dueOn``) and whether it is ``overdue``, so the complainant
knows when to expect an answer; only the department's view has ``allowedActions``, the complainant has none.
"""

import datetime as dt
import enum
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.auth.principal import Role
from gateway.features.lifecycle.common import WorkflowTransition, WorkflowView, transitions_of, utc
from gateway.features.lifecycle.workflow import COMPLAINT, COMPLAINT_CONCLUSIONS
from gateway.kernel.rules import ComplaintRules

HANDLERS = (Role.DEPARTMENT, Role.ADMIN)  # departments of the complaint's domain, and the admin
TAKERS = {"INVESTIGATE": HANDLERS, "CONCLUDE": HANDLERS}


def stage_days(rules: ComplaintRules) -> dict[str, int]:
    """Working days of each open stage, counted from when the complaint entered it.

    Concluding is the feedback (the complainant reads it through the token at once), so the investigation's
    deadline includes the feedback days.
    """
    return {"RECEIVED": rules.intake_days, "INVESTIGATING": rules.investigation_days + rules.feedback_days}


@strawberry.enum(description="Where a complaint (投诉举报) stands.")
class ComplaintState(enum.StrEnum):
    RECEIVED = "RECEIVED"
    INVESTIGATING = "INVESTIGATING"
    CONCLUDED = "CONCLUDED"


@strawberry.enum(description="What the department's investigation found.")
class ComplaintConclusion(enum.StrEnum):
    SUBSTANTIATED = "SUBSTANTIATED"
    UNSUBSTANTIATED = "UNSUBSTANTIATED"


# The enums are the workflow's own names: a state added to the workflow must be added here too.
assert {s.value for s in ComplaintState} == COMPLAINT.states
assert tuple(c.value for c in ComplaintConclusion) == COMPLAINT_CONCLUSIONS


@strawberry.type(description="A complaint as its complainant follows it with the tracking token.")
class ComplaintTracking:
    domain: str = strawberry.field(description="The domain whose departments handle it.")
    state: ComplaintState
    conclusion: ComplaintConclusion | None = strawberry.field(description="Set when concluded.")
    feedback: str | None = strawberry.field(description="The department's answer to the complainant.")
    filed_at: dt.datetime
    updated_at: dt.datetime = strawberry.field(description="When it last changed.")
    concluded_at: dt.datetime | None
    due_on: dt.date | None = strawberry.field(
        description="When the current stage is due (working days): being taken up, then concluded with feedback; "
        "null once concluded."
    )
    overdue: bool

    @classmethod
    def from_row(cls, row: Any, view: WorkflowView, days: dict[str, int]) -> "ComplaintTracking":
        due_on = view.due_on(row.state_since, days.get(row.state))
        return cls(
            domain=row.domain,
            state=ComplaintState(row.state),
            conclusion=ComplaintConclusion(row.conclusion) if row.conclusion else None,
            feedback=row.feedback,
            filed_at=utc(row.filed_at),  # type: ignore[arg-type]
            updated_at=utc(row.updated_at),  # type: ignore[arg-type]
            concluded_at=utc(row.concluded_at),
            due_on=due_on,
            overdue=view.overdue(due_on),
        )


@strawberry.type(description="A complaint just filed: keep the tracking token, it is shown only this once.")
class FiledComplaint:
    tracking_token: str = strawberry.field(description="Follow the complaint with complaint(trackingToken:).")
    complaint: ComplaintTracking


@strawberry.type(description="A complaint as the departments of its domain and the admin handle it.")
class Complaint:
    id: strawberry.ID
    domain: str
    state: ComplaintState
    conclusion: ComplaintConclusion | None
    feedback: str | None
    subject_code: str = strawberry.field(description="The code complained of (an ID number masked).")
    subject_name: str | None = strawberry.field(description="Null when the gateway holds nothing on the subject.")
    matter: str = strawberry.field(description="What the complainant reports.")
    contact: str | None = strawberry.field(description="How to reach the complainant, if given.")
    filed_at: dt.datetime
    updated_at: dt.datetime
    concluded_at: dt.datetime | None
    record_id: strawberry.ID | None = strawberry.field(
        description="The record a substantiated complaint led to (linkComplaintRecord)."
    )
    due_on: dt.date | None = strawberry.field(
        description="The deadline of the current stage (working days): intake while RECEIVED, investigation and "
        "feedback while INVESTIGATING; null once concluded."
    )
    overdue: bool
    allowed_actions: list[str] = strawberry.field(description="The actions you may take on it now.")
    item_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any, view: WorkflowView, days: dict[str, int]) -> "Complaint":
        stage = view.stage(COMPLAINT, row.state, row.state_since, days, TAKERS)
        return cls(
            id=strawberry.ID(str(row.id)),
            item_id=row.id,
            domain=row.domain,
            state=ComplaintState(row.state),
            conclusion=ComplaintConclusion(row.conclusion) if row.conclusion else None,
            feedback=row.feedback,
            subject_code=row.subject_code,
            subject_name=row.subject_name,
            matter=row.matter,
            contact=row.contact,
            filed_at=utc(row.filed_at),  # type: ignore[arg-type]
            updated_at=utc(row.updated_at),  # type: ignore[arg-type]
            concluded_at=utc(row.concluded_at),
            record_id=strawberry.ID(str(row.record_id)) if row.record_id is not None else None,
            due_on=stage.due_on,
            overdue=stage.overdue,
            allowed_actions=stage.allowed_actions,
        )

    @strawberry.field(description="Every step, oldest first: who acted, when, with which note.")
    async def transitions(self, info: Info) -> list[WorkflowTransition]:
        return await transitions_of(info, COMPLAINT, self.item_id)


@strawberry.input(description="A complaint against a subject, to the departments of one domain.")
class FileComplaintInput:
    subject_code: str = strawberry.field(description="USCC or resident ID number of the subject complained of.")
    domain: str = strawberry.field(description="The domain (plugin name, e.g. urban_management) it concerns.")
    matter: str = strawberry.field(description="What happened; at most 2,000 characters.")
    contact: str | None = strawberry.field(
        default=None, description="Optional; at most 200 characters; read only by the domain's departments."
    )
