"""Read resolvers: ``CreditSubject.culture``, the measures catalogue and the paged red/black list."""

from collections.abc import Sequence
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
    batch_resolver,
    credit_record,
    format_record,
    list_category,
    published_page,
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
_list_entry = _list_type.table
# Only the list-entry part of the shared formats: a list joins no penalty or licence table (two joins
# fewer for the planner, whose join search was most of this statement's cost).
_LIST_ENTRY_COLUMNS = tuple(c for c in FORMAT_COLUMNS if c.name.startswith("list_"))
# The list-entry table again, for the "no longer on the list" test of the page query.
_entry = _list_entry.alias("off_list")


async def culture_profiles(roots: Sequence[Any], info: Info) -> list[CultureProfile | None]:
    """The batch form: every subject of a level with one call of the records loader."""
    found = await info.context.loaders.load_all(RECORDS, [root.id for root in roots])
    return [culture_profile(records, root.id) for records, root in zip(found, roots, strict=True)]


@batch_resolver(culture_profiles)
async def resolve_culture(root: Any, info: Info) -> CultureProfile | None:
    # The loader CreditSubject.records uses too: `{ culture records }` costs one statement.
    return culture_profile(await info.context.loaders.load(RECORDS, root.id), root.id)  # newest decision first


def culture_profile(records: Sequence[Any], subject_id: int) -> CultureProfile:
    entries = [r for r in records if isinstance(r, CreditListEntry)]
    return CultureProfile(
        subject_id=subject_id,
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
    page = await published_page(
        info,
        ("culture.red_black_list", list_type),  # the list type is the one thing _listed varies on
        lambda: _listed(list_type),
        first=first,
        after=after,
        node=lambda row: row,  # rows become nodes here and edges below: the edge also names the subject
        params={"listed_on": clock_today()},  # a parameter: the statement is kept for the day
        # Every listing has its entry (written in one transaction); a row without one is not on the list.
        keep=lambda row: row.list_list_type is not None,
    )
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


def _listed(list_type: ListType) -> sa.Select[Any]:
    """Entries on one list, with their subjects' names; ``:listed_on`` is the day."""
    return (
        sa.select(
            credit_record.c.record_type,
            *ENVELOPE_COLUMNS,
            *_LIST_ENTRY_COLUMNS,
            subject.c.name.label("subject_name"),
            subject.c.display_code.label("subject_display_code"),
        )
        .select_from(
            credit_record.join(subject, subject.c.id == credit_record.c.subject_id).outerjoin(
                _list_entry, _list_entry.c.record_id == credit_record.c.id
            )
        )
        .where(
            # domain and category, and the status published_page adds, then the page order: the columns
            # of ix_credit_record_page, which the planner walks from the cursor, stopping after the page.
            credit_record.c.domain == rules.DOMAIN,
            credit_record.c.category == list_category(list_type),  # the category is the list type's
            # Removed entries (and any of the other list type) are left out by an anti-join, not by a filter
            # on the outer-joined entry: such a filter makes the join inner, and the planner, which cannot
            # know that the category implies an entry, then expects a handful of rows and reads and sorts
            # every listing instead of the page.
            ~sa.exists().where(
                _entry.c.record_id == credit_record.c.id,
                sa.or_(
                    _entry.c.list_type != list_type.value,
                    _entry.c.removal_date <= sa.bindparam("listed_on", type_=sa.Date),
                ),
            ),
        )
    )
