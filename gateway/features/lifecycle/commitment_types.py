"""GraphQL types of credit commitments (信用承诺).

One ``Commitment`` type serves every audience: which *rows* a principal reads is decided in SQL
(:mod:`gateway.features.lifecycle.commitment_store`), and the one field that is not for every reader of a
public commitment, its history with the names of those who acted, is null for outsiders.
"""

import datetime as dt
import enum
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.features.lifecycle import commitment_store as store
from gateway.features.lifecycle.common import WorkflowTransition, transitions_of, utc
from gateway.features.lifecycle.workflow import COMMITMENT, FULFILMENT_LEVELS


@strawberry.enum(description="The kinds of credit commitment (信用承诺).")
class CommitmentType(enum.StrEnum):
    IN_PLACE_OF_APPROVAL = "IN_PLACE_OF_APPROVAL"  # 审批替代型
    MISSING_DOCUMENTS = "MISSING_DOCUMENTS"  # 容缺受理型
    IN_PLACE_OF_CERTIFICATE = "IN_PLACE_OF_CERTIFICATE"  # 证明替代型
    CREDIT_REPAIR = "CREDIT_REPAIR"  # 信用修复型
    INDUSTRY_SELF_REGULATION = "INDUSTRY_SELF_REGULATION"  # 行业自律型
    VOLUNTARY = "VOLUNTARY"  # 主动型


@strawberry.enum(
    description="Who may read a commitment: PUBLIC (everyone, for organisations), RESTRICTED and NOT_DISCLOSABLE "
    "(the subject, departments of its domain, the admin)."
)
class CommitmentDisclosure(enum.StrEnum):
    PUBLIC = "PUBLIC"
    RESTRICTED = "RESTRICTED"
    NOT_DISCLOSABLE = "NOT_DISCLOSABLE"


@strawberry.enum(description="How far a commitment was kept.")
class FulfilmentLevel(enum.StrEnum):
    FULL = "FULL"
    PARTIAL = "PARTIAL"
    NONE = "NONE"


@strawberry.enum(description="Where a commitment stands: ACTIVE until fulfilled, breached or expired.")
class CommitmentState(enum.StrEnum):
    ACTIVE = "ACTIVE"
    FULFILLED = "FULFILLED"
    BREACHED = "BREACHED"
    EXPIRED = "EXPIRED"


# The enums are the store's and the workflow's own names: a change there must show here.
assert tuple(t.value for t in CommitmentType) == store.COMMITMENT_TYPES
assert tuple(d.value for d in CommitmentDisclosure) == store.DISCLOSURES
assert tuple(f.value for f in FulfilmentLevel) == FULFILMENT_LEVELS
assert {s.value for s in CommitmentState} == COMMITMENT.states


@strawberry.type(description="A credit commitment (信用承诺) a subject made to a domain.")
class Commitment:
    id: strawberry.ID
    subject_code: str = strawberry.field(description="The subject's code (an ID number masked).")
    subject_name: str
    domain: str = strawberry.field(description="The domain (plugin) it was made to, whose departments assess it.")
    commitment_type: CommitmentType
    content: str = strawberry.field(description="What the subject undertakes.")
    liability: str = strawberry.field(description="The liability it accepts if it breaks the commitment.")
    valid_from: dt.date
    valid_until: dt.date
    disclosure: CommitmentDisclosure
    state: CommitmentState
    fulfilment: FulfilmentLevel | None = strawberry.field(description="Null until a department assessed it.")
    is_expired: bool = strawberry.field(
        description="Expired: taken out of force (EXPIRED), or still ACTIVE after validUntil, awaiting assessment."
    )
    made_by: str = strawberry.field(description="subject (made it itself), department or admin (recorded it).")
    made_at: dt.datetime
    breach_record_id: strawberry.ID | None = strawberry.field(
        description="The negative record its breach created, in the same domain."
    )
    insider: strawberry.Private[bool]
    item_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any, *, today: dt.date, insider: bool) -> "Commitment":
        return cls(
            id=strawberry.ID(str(row.id)),
            item_id=row.id,
            insider=insider,
            subject_code=row.subject_code,
            subject_name=row.subject_name,
            domain=row.domain,
            commitment_type=CommitmentType(row.commitment_type),
            content=row.content,
            liability=row.liability,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            disclosure=CommitmentDisclosure(row.disclosure),
            state=CommitmentState(row.state),
            fulfilment=FulfilmentLevel(row.fulfilment) if row.fulfilment else None,
            is_expired=row.state == "EXPIRED" or (row.state == "ACTIVE" and today > row.valid_until),
            made_by=row.made_by,
            made_at=utc(row.made_at),  # type: ignore[arg-type]
            breach_record_id=strawberry.ID(str(row.breach_record_id)) if row.breach_record_id is not None else None,
        )

    @strawberry.field(
        description="Every step, oldest first; null unless you are its subject, a department of its domain or "
        "the admin."
    )
    async def transitions(self, info: Info) -> list[WorkflowTransition] | None:
        if not self.insider:
            return None
        return await transitions_of(info, COMMITMENT, self.item_id)


@strawberry.input(description="A commitment: made by the subject itself, or recorded by a department or the admin.")
class MakeCommitmentInput:
    commitment_type: CommitmentType
    content: str = strawberry.field(description="What the subject undertakes; at most 2,000 characters.")
    liability: str = strawberry.field(description="The liability for breach; at most 2,000 characters.")
    valid_until: dt.date
    disclosure: CommitmentDisclosure
    domain: str | None = strawberry.field(
        default=None, description="The domain it is made to; a department's own domain if omitted."
    )
    subject_code: str | None = strawberry.field(
        default=None, description="Departments and the admin: whose commitment; a subject's key makes its own."
    )
    valid_from: dt.date | None = strawberry.field(default=None, description="Default: today.")
