"""``Query.urbanManagementRedBlackList``: the 门前三包 red or black list as published today, paged."""

from typing import Any

import sqlalchemy as sa
from strawberry.types import Info

from gateway.api import (
    ENVELOPE_COLUMNS,
    FORMAT_COLUMNS,
    ListType,
    credit_record,
    format_record,
    list_category,
    published_page,
    subject,
)
from gateway.api import today as clock_today
from plugins.urban_management import rules
from plugins.urban_management.types import UrbanRedBlackListConnection, UrbanRedBlackListEdge

# Only the list-entry part of the shared formats (labelled list_<column>): a list joins no penalty or licence.
_LIST_ENTRY_COLUMNS = tuple(c for c in FORMAT_COLUMNS if c.name.startswith("list_"))
_list_entry = {c.name: c.element for c in _LIST_ENTRY_COLUMNS}["list_list_type"].table
# The list-entry table again, for the "no longer on the list" test.
_removed = _list_entry.alias("removed_entry")


async def resolve_urban_red_black_list(
    info: Info, list_type: ListType, first: int | None = None, after: str | None = None
) -> UrbanRedBlackListConnection:
    """Entries on the list today (published, not removed), newest listing first, keyset-paged; one
    statement with the listed subjects' names."""
    page = await published_page(
        info,
        ("urban_management.red_black_list", list_type),  # the list type is the one thing _listed varies on
        lambda: _listed(list_type),
        first=first,
        after=after,
        node=lambda row: row,  # rows become nodes here and edges below: the edge also names the subject
        params={"listed_on": clock_today()},
        # Every listing has its entry (written in one transaction); a row without one is not on the list.
        keep=lambda row: row.list_list_type is not None,
    )
    edges = [
        UrbanRedBlackListEdge(
            cursor=edge.cursor,
            node=format_record(edge.node),
            subject_name=edge.node.subject_name,
            subject_code=edge.node.subject_display_code,
        )
        for edge in page.edges
    ]
    return UrbanRedBlackListConnection(edges=edges, page_info=page.page_info)


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
            # The columns of ix_credit_record_page (status comes with the publication filter), then the page
            # order: the planner walks the index from the cursor and stops after the page.
            credit_record.c.domain == rules.DOMAIN,
            credit_record.c.category == list_category(list_type),
            # An anti-join, not a filter on the outer-joined entry: that would make the join inner, and the
            # planner, not knowing that the category implies an entry, would read and sort the whole list.
            ~sa.exists().where(
                _removed.c.record_id == credit_record.c.id,
                _removed.c.removal_date <= sa.bindparam("listed_on", type_=sa.Date),
            ),
        )
    )
