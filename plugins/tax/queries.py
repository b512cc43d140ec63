"""Read resolvers: ``CreditSubject.tax`` and the tax black list ``Query.majorTaxViolations``."""

from typing import Any

import sqlalchemy as sa
from strawberry.types import Info

from gateway.api import (
    ENVELOPE_COLUMNS,
    Connection,
    connection_from_rows,
    credit_record,
    decision_cursor,
    newest_decisions_first,
    page_size,
    published_clause,
)
from plugins.tax import rules
from plugins.tax.loaders import RECORDS, VIOLATION_COLUMNS, violation_from_row
from plugins.tax.tables import tax_major_violation
from plugins.tax.types import MajorTaxViolation, TaxCreditRating, TaxProfile


async def resolve_tax(root: Any, info: Info) -> TaxProfile | None:
    # Through the same loader as CreditSubject.records, so `{ tax records }` costs one statement.
    records = await info.context.loaders.load(RECORDS, root.id)
    ratings = [r for r in records if isinstance(r, TaxCreditRating)]
    ratings.sort(key=lambda r: r.year, reverse=True)
    violations = [r for r in records if isinstance(r, MajorTaxViolation)]  # newest decision first already
    return TaxProfile(ratings=ratings, major_violations=violations)


async def resolve_major_tax_violations(
    info: Info, first: int | None = None, after: str | None = None
) -> Connection[MajorTaxViolation]:
    """The listings in force (neither repaired nor revoked), newest decision first, keyset-paged."""
    settings = info.context.settings
    size = page_size(first, default=settings.default_page_size, maximum=settings.max_page_size)
    query = (
        sa.select(*ENVELOPE_COLUMNS, *VIOLATION_COLUMNS)
        .select_from(credit_record.join(tax_major_violation, tax_major_violation.c.record_id == credit_record.c.id))
        # domain and category first: they let the envelope index find the listings without a scan.
        .where(
            credit_record.c.domain == rules.DOMAIN,
            credit_record.c.category == rules.VIOLATION_CATEGORY,
            published_clause(),
        )
    )
    query = newest_decisions_first(query, after, size)
    async with info.context.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return connection_from_rows(rows, size, violation_from_row, decision_cursor)
