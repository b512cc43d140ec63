"""GraphQL types of the public lists: one listing of any domain's red or black list, and whom it lists.

No postponed annotations here: strawberry reads these annotations at class creation.
"""

from datetime import date
from typing import Any

import strawberry

from gateway.formats.graphql import ListTypeEnum


@strawberry.type(description="Whom a list entry lists, as far as a published list shows it.")
class ListedSubject:
    name: str = strawberry.field(description="The subject's registered name.")
    code: str = strawberry.field(
        description="The unified social credit code of an organisation; "
        "a person's ID number masked (110105********002X)."
    )


@strawberry.type(description="An entry on a domain's red or black list (红黑名单), as the list publishes it.")
class CreditListing:
    id: strawberry.ID = strawberry.field(description="The record's id (CreditRecord.id).")
    subject: ListedSubject
    domain: str = strawberry.field(description="The domain whose list it is, e.g. culture.")
    list_type: ListTypeEnum
    list_name: str = strawberry.field(description="The list's own name, e.g. 福州市2026年第一季度门前三包红榜.")
    reason: str = strawberry.field(description="Why the subject is listed.")
    decision_date: date = strawberry.field(description="The listing (decision) date.")
    document_number: str | None = strawberry.field(description="The listing decision's document number (文书号).")
    deciding_authority: str
    measures: list[str] = strawberry.field(
        description="Codes of the joint reward or punishment measures the listing triggers (the domain's catalogue)."
    )
    removal_date: date | None = strawberry.field(description="When the entry leaves the list; null: not yet set.")
    division_code: str | None = strawberry.field(
        description="The administrative division (GB/T 2260 code) the listing belongs to; null when unknown."
    )
    disputed: bool = strawberry.field(description="A dispute (异议) about it is open; it stays listed meanwhile.")

    @classmethod
    def from_row(cls, row: Any) -> "CreditListing":
        return cls(
            id=strawberry.ID(str(row.id)),
            subject=ListedSubject(name=row.subject_name, code=row.subject_display_code),
            domain=row.domain,
            list_type=ListTypeEnum(row.list_type),
            list_name=row.list_name,
            reason=row.reason,
            decision_date=row.decision_date,
            document_number=row.document_number,
            deciding_authority=row.deciding_authority,
            measures=[m for m in (row.measures or "").split(",") if m],
            removal_date=row.removal_date,
            division_code=row.division_code,
            disputed=bool(row.disputed),
        )
