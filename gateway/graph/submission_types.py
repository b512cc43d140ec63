"""GraphQL result types every domain's submission mutations share."""

import inspect
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.hooks.contributions import MutationField
from gateway.write.submissions import ItemStatus, RecordKind, SubmissionPolicy, SubmittedItem, check_batch_size

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


def submission_mutation(
    name: str, kind: RecordKind, argument: str, input_type: type, description: str
) -> MutationField:
    """The usual submission mutation of a record kind: ``name(argument: [InputType!]!): SubmissionResult!``,
    bounded by ``max_submission_items``, all or nothing, idempotent (see :meth:`RecordKind.submit`)."""

    async def resolve(info: Info, **arguments: Any) -> SubmissionResult:
        inputs = arguments[argument]
        settings = info.context.settings
        check_batch_size(len(inputs), settings.max_submission_items)
        results = await kind.submit(info.context.engine, inputs, SubmissionPolicy.from_settings(settings))
        return SubmissionResult.from_items(results)

    # strawberry reads the GraphQL arguments off the signature; give it the real one.
    parameters = [
        inspect.Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Info),
        inspect.Parameter(argument, inspect.Parameter.KEYWORD_ONLY, annotation=list[input_type]),  # type: ignore[valid-type]
    ]
    resolve.__signature__ = inspect.Signature(parameters, return_annotation=SubmissionResult)  # type: ignore[attr-defined]
    resolve.__annotations__ = {"info": Info, argument: list[input_type], "return": SubmissionResult}  # type: ignore[valid-type]
    resolve.__name__ = resolve.__qualname__ = name
    return MutationField(name, resolve, description)
