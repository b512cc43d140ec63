"""Read resolvers: ``CreditSubject.tax`` and the tax black list ``Query.majorTaxViolations``."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from strawberry.types import Info

from gateway.api import ENVELOPE_COLUMNS, Connection, batch_resolver, credit_record, published_page
from plugins.tax import rules
from plugins.tax.loaders import RECORDS, VIOLATION_COLUMNS, violation_from_row
from plugins.tax.tables import tax_major_violation
from plugins.tax.types import MajorTaxViolation, TaxCreditRating, TaxProfile


async def tax_profiles(roots: Sequence[Any], info: Info) -> list[TaxProfile | None]:
    """The batch form: every subject of a level with one call of the records loader."""
    found = await info.context.loaders.load_all(RECORDS, [root.id for root in roots])
    return [tax_profile(records) for records in found]


@batch_resolver(tax_profiles)
async def resolve_tax(root: Any, info: Info) -> TaxProfile | None:
    # Through the same loader as CreditSubject.records, so `{ tax records }` costs one statement.
    return tax_profile(await info.context.loaders.load(RECORDS, root.id))


def tax_profile(records: Sequence[Any]) -> TaxProfile:
    ratings = [r for r in records if isinstance(r, TaxCreditRating)]
    ratings.sort(key=lambda r: r.year, reverse=True)
    violations = [r for r in records if isinstance(r, MajorTaxViolation)]  # newest decision first already
    return TaxProfile(ratings=ratings, major_violations=violations)


async def resolve_major_tax_violations(
    info: Info, first: int | None = None, after: str | None = None
) -> Connection[MajorTaxViolation]:
    """The listings in force (neither repaired nor revoked), newest decision first, keyset-paged."""
    return await published_page(
        info,
        "tax.major_violations",
        _violations_listed,
        first=first,
        after=after,
        node=violation_from_row,
        keep=lambda row: row.violation_type is not None,  # a listing without its detail is not listed
        with_subjects=True,  # the type shows subjectName and subjectCode: read in the page's statement
    )


def _violations_listed() -> sa.Select[Any]:
    return (
        sa.select(*ENVELOPE_COLUMNS, *VIOLATION_COLUMNS)
        # An outer join, though every listing has its detail row (written in one transaction): the planner
        # then expects as many rows as listings, so it walks the page-order index (ix_credit_record_page)
        # and stops after the page. With an inner join it guesses a handful of rows (it cannot know that
        # the category implies the detail) and reads and sorts every listing instead.
        .select_from(
            credit_record.outerjoin(tax_major_violation, tax_major_violation.c.record_id == credit_record.c.id)
        )
        # domain and category, and the status published_page adds, then the page order: the index's columns.
        .where(credit_record.c.domain == rules.DOMAIN, credit_record.c.category == rules.VIOLATION_CATEGORY)
    )
