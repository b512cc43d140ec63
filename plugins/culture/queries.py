"""Read resolvers: ``CreditSubject.culture``, the measures catalogue and the paged red/black list."""

from typing import Any

import sqlalchemy as sa
from strawberry.types import Info

from gateway.api import (
    ENVELOPE_COLUMNS,
    FORMAT_COLUMNS,
    AdministrativeLicense,
    AdministrativePenalty,
    CreditListEntry,
    ListType,
    connection_from_rows,
    credit_record,
    decision_cursor,
    format_record,
    join_formats,
    list_category,
    newest_decisions_first,
    page_size,
    published_clause,
    subject,
)
from gateway.api import today as clock_today
from plugins.culture import rules
from plugins.culture.types import (
    CultureMeasure,
    CultureProfile,
    CultureRedBlackListConnection,
    CultureRedBlackListEdge,
)

RECORDS = f"{rules.DOMAIN}.records"
# The list-entry columns among the shared format columns (labelled list_<column>), for filtering.
_format_columns = {c.name: c.element for c in FORMAT_COLUMNS}
_list_type = _format_columns["list_list_type"]
_removal_date = _format_columns["list_removal_date"]


async def resolve_culture(root: Any, info: Info) -> CultureProfile | None:
    # The loader CreditSubject.records uses too: `{ culture records }` costs one statement.
    records = await info.context.loaders.load(RECORDS, root.id)  # newest decision first
    entries = [r for r in records if isinstance(r, CreditListEntry)]
    return CultureProfile(
        penalties=[r for r in records if isinstance(r, AdministrativePenalty)],
        licenses=[r for r in records if isinstance(r, AdministrativeLicense)],
        red_list=[e for e in entries if e.list_type is ListType.RED],
        black_list=[e for e in entries if e.list_type is ListType.BLACK],
    )


def resolve_culture_measures() -> list[CultureMeasure]:
    """The catalogue, red-list incentives first; no database access."""
    return [CultureMeasure.of(m) for m in rules.MEASURES.values()]


async def resolve_culture_red_black_list(
    info: Info, list_type: ListType, first: int | None = None, after: str | None = None
) -> CultureRedBlackListConnection:
    """Entries on the list today (not removed, neither revoked nor repaired), newest listing first,
    keyset-paged; one statement with the listed subjects' names."""
    settings = info.context.settings
    size = page_size(first, default=settings.default_page_size, maximum=settings.max_page_size)
    today = clock_today()
    query = (
        sa.select(
            credit_record.c.record_type,
            *ENVELOPE_COLUMNS,
            *FORMAT_COLUMNS,
            subject.c.name.label("subject_name"),
            subject.c.display_code.label("subject_display_code"),
        )
        .select_from(join_formats(credit_record.join(subject, subject.c.id == credit_record.c.subject_id)))
        .where(
            credit_record.c.domain == rules.DOMAIN,
            credit_record.c.category == list_category(list_type),  # what the envelope index covers
            published_clause(),
            _list_type == list_type.value,
            sa.or_(_removal_date.is_(None), _removal_date > today),
        )
    )
    query = newest_decisions_first(query, after, size)
    async with info.context.engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    # Rows become nodes here and edges below: the edge also names the listed subject.
    page = connection_from_rows(rows, size, lambda row: row, decision_cursor)
    edges = [
        CultureRedBlackListEdge(
            cursor=edge.cursor,
            node=format_record(edge.node),
            subject_name=edge.node.subject_name,
            subject_code=edge.node.subject_display_code,
        )
        for edge in page.edges
    ]
    return CultureRedBlackListConnection(edges=edges, page_info=page.page_info)
