"""GraphQL types of credit verifications (信用核查) and their query opinions, read from the stored rows.

An opinion's items are read from its snapshot (``content``), never from today's records: a number reads
the same for as long as it is kept. No postponed annotations here: strawberry reads these annotations at
class creation.
"""

import datetime as dt
import enum
from collections.abc import Collection
from typing import Any, Optional

import strawberry

from gateway.features.lifecycle.common import WorkflowView
from gateway.features.measures.catalogue import Matter, MeasureKind
from gateway.graph.arguments import utc

PENDING, ANSWERED = "PENDING", "ANSWERED"


@strawberry.enum(
    description="Where a verification stands: ANSWERED at once, or PENDING until the credit centre answers."
)
class VerificationState(enum.StrEnum):
    PENDING = PENDING
    ANSWERED = ANSWERED


@strawberry.enum(description="What the opinion concludes about one subject.")
class VerificationConclusion(enum.StrEnum):
    NOT_FOUND = "NOT_FOUND"  # no subject with the code is on file
    NO_ADVERSE_INFORMATION = "NO_ADVERSE_INFORMATION"
    ADVERSE_INFORMATION = "ADVERSE_INFORMATION"  # dishonesty information, a black list, or a punishment


def _day(value: str | None) -> Optional[dt.date]:  # noqa: UP045
    return dt.date.fromisoformat(value) if value else None


def _id(value: Any) -> Optional[strawberry.ID]:  # noqa: UP045
    return strawberry.ID(str(value)) if value is not None else None


@strawberry.type(description="Dishonesty information (失信信息) in the opinion: a negative record in force.")
class VerifiedRecord:
    record_id: strawberry.ID = strawberry.field(description="The record (CreditRecord.id).")
    domain: str
    category: str
    severity: Optional[str]  # noqa: UP045
    decision_date: dt.date
    document_number: Optional[str]  # noqa: UP045
    deciding_authority: str
    published_until: Optional[dt.date]  # noqa: UP045

    @classmethod
    def of(cls, held: dict[str, Any]) -> "VerifiedRecord":
        return cls(
            record_id=strawberry.ID(str(held["recordId"])),
            domain=held["domain"],
            category=held["category"],
            severity=held.get("severity"),
            decision_date=dt.date.fromisoformat(held["decisionDate"]),
            document_number=held.get("documentNumber"),
            deciding_authority=held["decidingAuthority"],
            published_until=_day(held.get("publishedUntil")),
        )


@strawberry.type(description="A red or black list the subject is on, in force when the opinion was issued.")
class VerifiedListing:
    record_id: strawberry.ID
    domain: str
    list_type: str = strawberry.field(description="RED or BLACK.")
    list_name: str
    decision_date: dt.date
    removal_date: Optional[dt.date]  # noqa: UP045

    @classmethod
    def of(cls, held: dict[str, Any]) -> "VerifiedListing":
        return cls(
            record_id=strawberry.ID(str(held["recordId"])),
            domain=held["domain"],
            list_type=held["listType"],
            list_name=held["listName"],
            decision_date=dt.date.fromisoformat(held["decisionDate"]),
            removal_date=_day(held.get("removalDate")),
        )


@strawberry.type(description="A fact that triggered a measure in the opinion.")
class VerifiedFact:
    kind: str
    record_id: Optional[strawberry.ID]  # noqa: UP045
    description: str
    since: Optional[dt.date]  # noqa: UP045


@strawberry.type(description="A joint reward or punishment (联合奖惩) in force for the matter, and why.")
class VerifiedMeasure:
    id: str = strawberry.field(description="The measure's id in the catalogue the opinion was issued under.")
    name: str
    kind: MeasureKind
    effect: str
    legal_basis: str
    matters: list[Matter]
    facts: list[VerifiedFact]

    @classmethod
    def of(cls, held: dict[str, Any]) -> "VerifiedMeasure":
        return cls(
            id=held["id"],
            name=held["name"],
            kind=MeasureKind(held["kind"]),
            effect=held["effect"],
            legal_basis=held["legalBasis"],
            matters=[Matter(m) for m in held["matters"] if m in Matter.__members__],
            facts=[
                VerifiedFact(
                    kind=f["kind"],
                    record_id=_id(f.get("recordId")),
                    description=f["description"],
                    since=_day(f.get("since")),
                )
                for f in held["facts"]
            ],
        )


@strawberry.type(description="A credit commitment (信用承诺) in force that bears on the matter.")
class VerifiedCommitment:
    id: strawberry.ID = strawberry.field(description="The commitment (Commitment.id).")
    domain: str
    commitment_type: str
    content: str
    valid_from: dt.date
    valid_until: dt.date
    disclosure: str

    @classmethod
    def of(cls, held: dict[str, Any]) -> "VerifiedCommitment":
        return cls(
            id=strawberry.ID(str(held["id"])),
            domain=held["domain"],
            commitment_type=held["commitmentType"],
            content=held["content"],
            valid_from=dt.date.fromisoformat(held["validFrom"]),
            valid_until=dt.date.fromisoformat(held["validUntil"]),
            disclosure=held["disclosure"],
        )


@strawberry.type(description="What the opinion says about one subject, as issued.")
class VerificationItem:
    code: str = strawberry.field(description="The subject's code (a person's masked).")
    name: Optional[str]  # noqa: UP045
    found: bool = strawberry.field(description="Whether a subject with the code is on file.")
    conclusion: VerificationConclusion
    dishonesty: list[VerifiedRecord] = strawberry.field(
        description="Dishonesty information in force, decided within the five years before the request."
    )
    lists: list[VerifiedListing]
    measures: list[VerifiedMeasure] = strawberry.field(description="The measures in force for the matter.")
    commitments: list[VerifiedCommitment] = strawberry.field(description="Commitments in force bearing on the matter.")
    catalogue_version: Optional[str] = strawberry.field(  # noqa: UP045
        description="The measures catalogue the opinion was issued under."
    )

    @classmethod
    def of(cls, held: dict[str, Any]) -> "VerificationItem":
        dishonesty = [VerifiedRecord.of(r) for r in held.get("dishonesty", [])]
        lists = [VerifiedListing.of(r) for r in held.get("lists", [])]
        measures = [VerifiedMeasure.of(m) for m in held.get("measures", [])]
        adverse = (
            dishonesty
            or any(entry.list_type == "BLACK" for entry in lists)
            or any(m.kind is MeasureKind.PUNISHMENT for m in measures)
        )
        if not held["found"]:
            conclusion = VerificationConclusion.NOT_FOUND
        else:
            conclusion = (
                VerificationConclusion.ADVERSE_INFORMATION if adverse else VerificationConclusion.NO_ADVERSE_INFORMATION
            )
        return cls(
            code=held["code"],
            name=held.get("name"),
            found=held["found"],
            conclusion=conclusion,
            dishonesty=dishonesty,
            lists=lists,
            measures=measures,
            commitments=[VerifiedCommitment.of(c) for c in held.get("commitments", [])],
            catalogue_version=held.get("catalogueVersion"),
        )


@strawberry.type(description="Why a person must look before the opinion is issued.")
class VerificationReview:
    subject_code: str
    record_id: strawberry.ID
    reason: str = strawberry.field(
        description="DISPUTED (a dispute about the record is open) or REPAIR_APPLIED (a repair awaits its decision)."
    )


@strawberry.type(description="A credit verification (信用核查) and its query opinion (信用信息查询意见).")
class CreditVerification:
    number: str = strawberry.field(description="The opinion's number, XYHC-<day>-<sequence>.")
    state: VerificationState
    matter: Optional[Matter]  # noqa: UP045
    purpose: Optional[str]  # noqa: UP045
    requested_by: str = strawberry.field(description="The client that asked.")
    requester_role: str = strawberry.field(description="department, admin or subject.")
    requester_domain: Optional[str]  # noqa: UP045
    requesting_department: Optional[str] = strawberry.field(  # noqa: UP045
        description="When a subject asked for itself: the department that asked it to."
    )
    requested_at: dt.datetime
    due_on: Optional[dt.date] = strawberry.field(  # noqa: UP045
        description="A pending one's deadline: 5 working days after the request."
    )
    overdue: bool = strawberry.field(description="Pending past its deadline.")
    answered_at: Optional[dt.datetime]  # noqa: UP045
    note: Optional[str] = strawberry.field(description="The credit centre's note, when it answered.")  # noqa: UP045
    subject_codes: list[str] = strawberry.field(description="The subjects checked, as asked (a person's code masked).")
    items: Optional[list[VerificationItem]] = strawberry.field(  # noqa: UP045
        description="The opinion, one item per subject as asked (a subject reads its own); null while pending."
    )
    review: list[VerificationReview] = strawberry.field(description="What made it pending, if anything.")

    @classmethod
    def of(cls, row: Any, view: WorkflowView, shown: Collection[int] | None = None) -> "CreditVerification":
        """``shown``: the subject ids whose items the reader sees (None: all of them)."""
        asked = row.subjects
        codes = {entry["subjectId"]: entry["code"] for entry in asked if entry["subjectId"] is not None}
        items = None
        if row.content is not None:
            items = [
                VerificationItem.of(held)
                for held in row.content["items"]
                if shown is None or held.get("subjectId") in shown
            ]
        return cls(
            number=row.number,
            state=VerificationState(row.state),
            matter=Matter(row.matter) if row.matter in Matter.__members__ else None,
            purpose=row.purpose,
            requested_by=row.requested_by,
            requester_role=row.requester_role,
            requester_domain=row.requester_domain,
            requesting_department=row.requesting_department,
            requested_at=utc(row.requested_at),
            due_on=row.due_on,
            overdue=row.state == PENDING and view.overdue(row.due_on),
            answered_at=utc(row.answered_at),
            note=row.note,
            subject_codes=[e["code"] for e in asked if shown is None or e["subjectId"] in shown],
            items=items,
            review=[
                VerificationReview(
                    subject_code=codes.get(r["subjectId"], ""),
                    record_id=strawberry.ID(str(r["recordId"])),
                    reason=r["reason"],
                )
                for r in row.review
                if shown is None or r["subjectId"] in shown
            ],
        )
