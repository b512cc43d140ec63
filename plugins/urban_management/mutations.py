"""Submission mutations. The core admits only the admin and urban management departments to them."""

from collections.abc import Sequence
from typing import Any

from strawberry.types import Info

from gateway.api import (
    AdministrativeLicenseInput,
    AdministrativePenaltyInput,
    CreditListEntryInput,
    RecordKind,
    SubmissionPolicy,
    SubmissionResult,
    check_batch_size,
)
from plugins.urban_management.submissions import INSPECTIONS, LICENSES, LIST_ENTRIES, PENALTIES
from plugins.urban_management.types import UrbanInspectionInput


async def _submit(info: Info, kind: RecordKind, inputs: Sequence[Any]) -> SubmissionResult:
    settings = info.context.settings
    check_batch_size(len(inputs), settings.max_submission_items)
    results = await kind.submit(info.context.engine, inputs, SubmissionPolicy.from_settings(settings))
    return SubmissionResult.from_items(results)


async def submit_urban_management_penalties(
    info: Info, penalties: list[AdministrativePenaltyInput]
) -> SubmissionResult:
    return await _submit(info, PENALTIES, penalties)


async def submit_urban_management_licenses(info: Info, licenses: list[AdministrativeLicenseInput]) -> SubmissionResult:
    return await _submit(info, LICENSES, licenses)


async def submit_urban_management_list_entries(info: Info, entries: list[CreditListEntryInput]) -> SubmissionResult:
    return await _submit(info, LIST_ENTRIES, entries)


async def submit_urban_inspections(info: Info, inspections: list[UrbanInspectionInput]) -> SubmissionResult:
    return await _submit(info, INSPECTIONS, inspections)
