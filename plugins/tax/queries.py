"""Read resolvers: ``CreditSubject.tax`` and the tax black list ``Query.majorTaxViolations``."""

from datetime import date
from typing import Any

import sqlalchemy as sa
from strawberry.types import Info

from gateway.api import (
    ENVELOPE_COLUMNS,
    BadUserInput,
    Connection,
    RecordStatus,
    connection_from_rows,
    credit_record,
    decode_cursor,
    page_size,
)
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


def _after_key(after: str) -> tuple[date, int]:
    last_date, last_id = decode_cursor(after, 2)
    try:
        return date.fromisoformat(str(last_date)), int(last_id)
    except (TypeError, ValueError) as exc:
        raise BadUserInput("after is not a cursor this API issued", argument="after") from exc


async def resolve_major_tax_violations(
    info: Info, first: int | None = None, after: str | None = None
) -> Connection[MajorTaxViolation]:
    """The listings in force (neither repaired nor revoked), newest decision first, keyset-paged."""
    settings = info.context.settings
    size = page_size(first, default=settings.default_page_size, maximum=settings.max_page_size)
    query = (
        sa.select(*ENVELOPE_COLUMNS, *VIOLATION_COLUMNS)
        .select_from(credit_record.join(tax_major_violation, tax_major_violation.c.record_id == credit_record.c.id))
        .where(credit_record.c.status == RecordStatus.ACTIVE.value)
    )
    if after is not None:
        last_date, last_id = _after_key(after)
        query = query.where(
            sa.or_(
                credit_record.c.decision_date < last_date,
                sa.and_(credit_record.c.decision_date == last_date, credit_record.c.id < last_id),
            )
        )
    query = query.order_by(credit_record.c.decision_date.desc(), credit_record.c.id.desc()).limit(size + 1)
    async with info.context.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return connection_from_rows(rows, size, violation_from_row, lambda row: (row.decision_date.isoformat(), row.id))
