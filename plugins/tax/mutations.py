"""Submission mutations. The core admits only the admin and the tax department to them."""

from strawberry.types import Info

from gateway.api import SubmissionPolicy, SubmissionResult, check_batch_size
from plugins.tax.submissions import RATINGS, VIOLATIONS
from plugins.tax.types import MajorTaxViolationInput, TaxCreditRatingInput


async def submit_tax_credit_ratings(info: Info, ratings: list[TaxCreditRatingInput]) -> SubmissionResult:
    settings = info.context.settings
    check_batch_size(len(ratings), settings.max_submission_items)
    results = await RATINGS.submit(info.context.engine, ratings, SubmissionPolicy.from_settings(settings))
    return SubmissionResult.from_items(results)


async def submit_major_tax_violations(info: Info, violations: list[MajorTaxViolationInput]) -> SubmissionResult:
    settings = info.context.settings
    check_batch_size(len(violations), settings.max_submission_items)
    results = await VIOLATIONS.submit(info.context.engine, violations, SubmissionPolicy.from_settings(settings))
    return SubmissionResult.from_items(results)
