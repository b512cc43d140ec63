"""Submission mutations. The core admits only the admin and the construction department to them."""

from strawberry.types import Info

from gateway.api import SubmissionPolicy, SubmissionResult, check_batch_size
from plugins.construction.submissions import BLACKLIST_ENTRIES, CONDUCT_RECORDS, QUALIFICATIONS, REGISTRATIONS
from plugins.construction.types import (
    ConstructionBlacklistEntryInput,
    ConstructionConductRecordInput,
    ConstructionQualificationInput,
    RegisteredPractitionerInput,
)


async def submit_construction_qualifications(
    info: Info, qualifications: list[ConstructionQualificationInput]
) -> SubmissionResult:
    settings = info.context.settings
    check_batch_size(len(qualifications), settings.max_submission_items)
    results = await QUALIFICATIONS.submit(info.context.engine, qualifications, SubmissionPolicy.from_settings(settings))
    return SubmissionResult.from_items(results)


async def submit_construction_conduct_records(
    info: Info, records: list[ConstructionConductRecordInput]
) -> SubmissionResult:
    settings = info.context.settings
    check_batch_size(len(records), settings.max_submission_items)
    results = await CONDUCT_RECORDS.submit(info.context.engine, records, SubmissionPolicy.from_settings(settings))
    return SubmissionResult.from_items(results)


async def submit_construction_blacklist_entries(
    info: Info, entries: list[ConstructionBlacklistEntryInput]
) -> SubmissionResult:
    settings = info.context.settings
    check_batch_size(len(entries), settings.max_submission_items)
    results = await BLACKLIST_ENTRIES.submit(info.context.engine, entries, SubmissionPolicy.from_settings(settings))
    return SubmissionResult.from_items(results)


async def submit_registered_practitioners(
    info: Info, practitioners: list[RegisteredPractitionerInput]
) -> SubmissionResult:
    settings = info.context.settings
    check_batch_size(len(practitioners), settings.max_submission_items)
    results = await REGISTRATIONS.submit(info.context.engine, practitioners, SubmissionPolicy.from_settings(settings))
    return SubmissionResult.from_items(results)
