"""``Query.constructionBlackList``: the construction market black list (建筑市场主体“黑名单”) as published
today, paged: the listings in force (published, not yet due for removal), newest listing first."""

from typing import Any

import sqlalchemy as sa
from strawberry.types import Info

from gateway.api import ENVELOPE_COLUMNS, credit_record, published_page, subject
from gateway.api import today as clock_today
from plugins.construction import rules
from plugins.construction.loaders import BLACKLIST_COLUMNS, blacklist_from_row
from plugins.construction.tables import construction_blacklist
from plugins.construction.types import ConstructionBlackListConnection, ConstructionBlackListEdge

# The listing table again, for the "due for removal" test.
_due = construction_blacklist.alias("due_listing")


async def resolve_construction_black_list(
    info: Info, first: int | None = None, after: str | None = None
) -> ConstructionBlackListConnection:
    """One statement with the listed subjects' names."""
    page = await published_page(
        info,
        "construction.black_list",
        _listed,
        first=first,
        after=after,
        node=lambda row: row,  # rows become nodes here and edges below: the edge also names the subject
        params={"listed_on": clock_today()},  # a parameter: the statement is kept for the day
        keep=lambda row: row.criterion is not None,  # a listing without its detail row is not listed
    )
    edges = [
        ConstructionBlackListEdge(
            cursor=edge.cursor,
            node=blacklist_from_row(edge.node),
            subject_name=edge.node.subject_name,
            subject_code=edge.node.subject_display_code,
        )
        for edge in page.edges
    ]
    return ConstructionBlackListConnection(edges=edges, page_info=page.page_info)


def _listed() -> sa.Select[Any]:
    """The listings with their subjects' names; ``:listed_on`` is the day."""
    return (
        sa.select(
            *ENVELOPE_COLUMNS,
            *BLACKLIST_COLUMNS,
            subject.c.name.label("subject_name"),
            subject.c.display_code.label("subject_display_code"),
        )
        .select_from(
            credit_record.join(subject, subject.c.id == credit_record.c.subject_id).outerjoin(
                construction_blacklist, construction_blacklist.c.record_id == credit_record.c.id
            )
        )
        .where(
            # The columns of ix_credit_record_page (status comes with the publication filter), then the page
            # order: the planner walks the index from the cursor and stops after the page.
            credit_record.c.domain == rules.DOMAIN,
            credit_record.c.category == rules.BLACKLIST_CATEGORY,
            # Due listings are left out by an anti-join, not by a filter on the outer-joined detail: that would
            # make the join inner, and the planner would then read and sort every listing (see plugins.culture).
            ~sa.exists().where(
                _due.c.record_id == credit_record.c.id,
                _due.c.removal_due <= sa.bindparam("listed_on", type_=sa.Date),
            ),
        )
    )
