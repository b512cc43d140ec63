"""Submission mutations. The core admits only the admin and the tax department to them."""

from strawberry.types import Info

from gateway.api import SubmissionResult, check_batch_size, submit
from plugins.tax.submissions import (
    Policy,
    build_ratings,
    build_violations,
    find_existing_ratings,
    find_existing_violations,
    write_rating_details,
    write_violation_details,
)
from plugins.tax.types import MajorTaxViolationInput, TaxCreditRatingInput


def _policy(info: Info) -> Policy:
    settings = info.context.settings
    return Policy(secret_key=settings.secret_key, uscc_allow_list=settings.uscc_allow_list)


async def submit_tax_credit_ratings(info: Info, ratings: list[TaxCreditRatingInput]) -> SubmissionResult:
    check_batch_size(len(ratings), info.context.settings.max_submission_items)
    items = build_ratings(ratings, _policy(info))
    results = await submit(
        info.context.engine,
        items,
        secret_key=info.context.settings.secret_key,
        find_existing=find_existing_ratings,
        write_details=write_rating_details,
    )
    return SubmissionResult.from_items(results)


async def submit_major_tax_violations(info: Info, violations: list[MajorTaxViolationInput]) -> SubmissionResult:
    check_batch_size(len(violations), info.context.settings.max_submission_items)
    items = build_violations(violations, _policy(info))
    results = await submit(
        info.context.engine,
        items,
        secret_key=info.context.settings.secret_key,
        find_existing=find_existing_violations,
        write_details=write_violation_details,
    )
    return SubmissionResult.from_items(results)
