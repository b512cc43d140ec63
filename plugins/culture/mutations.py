"""Submission mutations. The core admits only the admin and the culture department to them."""

from strawberry.types import Info

from gateway.api import (
    AdministrativeLicenseInput,
    AdministrativePenaltyInput,
    CreditListEntryInput,
    SubmissionPolicy,
    SubmissionResult,
    check_batch_size,
)
from plugins.culture.rules import LICENSES, LIST_ENTRIES, PENALTIES


async def submit_culture_penalties(info: Info, penalties: list[AdministrativePenaltyInput]) -> SubmissionResult:
    settings = info.context.settings
    check_batch_size(len(penalties), settings.max_submission_items)
    results = await PENALTIES.submit(info.context.engine, penalties, SubmissionPolicy.from_settings(settings))
    return SubmissionResult.from_items(results)


async def submit_culture_licenses(info: Info, licenses: list[AdministrativeLicenseInput]) -> SubmissionResult:
    settings = info.context.settings
    check_batch_size(len(licenses), settings.max_submission_items)
    results = await LICENSES.submit(info.context.engine, licenses, SubmissionPolicy.from_settings(settings))
    return SubmissionResult.from_items(results)


async def submit_culture_list_entries(info: Info, entries: list[CreditListEntryInput]) -> SubmissionResult:
    settings = info.context.settings
    check_batch_size(len(entries), settings.max_submission_items)
    results = await LIST_ENTRIES.submit(info.context.engine, entries, SubmissionPolicy.from_settings(settings))
    return SubmissionResult.from_items(results)
