"""GraphQL result types every domain's submission mutations share."""

import strawberry

from gateway.submissions import ItemStatus, SubmittedItem

ItemStatusEnum = strawberry.enum(ItemStatus, name="SubmissionItemStatus")


@strawberry.type(name="SubmittedRecord", description="What became of one submitted item.")
class SubmittedRecordType:
    index: int = strawberry.field(description="Position of the item in the submitted list.")
    status: ItemStatusEnum
    record_id: strawberry.ID


@strawberry.type(description="The outcome of an accepted submission (a rejected one is an error).")
class SubmissionResult:
    created: int
    unchanged: int
    records: list[SubmittedRecordType]

    @classmethod
    def from_items(cls, items: list[SubmittedItem]) -> "SubmissionResult":
        return cls(
            created=sum(1 for i in items if i.status is ItemStatus.CREATED),
            unchanged=sum(1 for i in items if i.status is ItemStatus.UNCHANGED),
            records=[
                SubmittedRecordType(index=i.index, status=i.status, record_id=strawberry.ID(str(i.record_id)))
                for i in items
            ],
        )
