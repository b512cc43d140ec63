"""``Query.creditLists``: every domain's red and black lists in one connection, newest listing first.

A listing is a shared-format list entry (``credit_list_entry``) with its envelope (``credit_record``,
category ``RED_LIST`` or ``BLACK_LIST``). Only what a published list shows is listed: the record is
published today (gateway.records.publicity: active, inside its window, not withheld) and the entry
has not been removed from its list.

How a page is read: one statement. Each (domain, list type) asked for is one branch that walks
``ix_credit_record_page`` (domain, category, status, decision_date, id) backwards from the cursor and
stops after ``first + 1`` rows; the branches are merged (UNION ALL) and cut to the page. So a page
reads at most ``branches × (first + 1)`` index entries whatever the size of the lists, without an index
of its own for "every domain" or "one list type in every domain".
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
import strawberry
from strawberry.types import Info

from gateway.db.divisions import within_division
from gateway.db.tables import credit_list_entry, credit_record, subject
from gateway.features.lists.types import CreditListing
from gateway.formats.credit_lists import ListType, list_category
from gateway.graph.pagination import Connection, connection_from_rows, decode_cursor, page_size
from gateway.graph.records import decision_cursor
from gateway.kernel.clock import today
from gateway.kernel.divisions import significant_prefix
from gateway.kernel.errors import BadUserInput
from gateway.records.publicity import publication_key, published_clause

# The list-entry table again, for the "no longer on the list" anti-join.
_removed = credit_list_entry.alias("removed_entry")
_COLUMNS: tuple[sa.ColumnElement[Any], ...] = (
    credit_record.c.id,
    credit_record.c.domain,
    credit_record.c.decision_date,
    credit_record.c.document_number,
    credit_record.c.deciding_authority,
    credit_record.c.division_code,
    credit_record.c.disputed,
    credit_list_entry.c.list_type,
    credit_list_entry.c.list_name,
    credit_list_entry.c.reason,
    credit_list_entry.c.removal_date,
    credit_list_entry.c.measures,
    subject.c.name.label("subject_name"),
    subject.c.display_code.label("subject_display_code"),
)
_PAGE_ORDER = ("decision_date", "id")

_STATEMENTS: OrderedDict[Hashable, sa.Select[Any]] = OrderedDict()
_STATEMENTS_KEPT = 256  # shapes × divisions asked for × days: more than a process serves in a day


def known_domain(info: Info, domain: str) -> str:
    """A domain is a loaded domain plugin; anything else is refused with the list of those known."""
    known = info.context.graph.composition.plugin_names
    if domain not in known:
        raise BadUserInput(f"Unknown domain {domain[:64]!r}; known: {', '.join(known) or 'none'}", argument="domain")
    return domain


def _branch(domain: str, list_type: ListType, division: str | None, after: bool, since: bool, until: bool) -> Any:
    """One list of one domain, published, in page order, cut at ``:page_limit`` rows: a subquery, so that
    a UNION may merge several (SQLite takes no ORDER BY or LIMIT on a UNION's own members)."""
    conditions: list[sa.ColumnElement[bool]] = [
        # The columns of ix_credit_record_page in its order (status comes with the publication filter),
        # then the page order: the planner walks the index from the cursor and stops after the page.
        credit_record.c.domain == domain,
        credit_record.c.category == list_category(list_type),
        published_clause(),
        # Removed entries are left out by an anti-join rather than a filter on the outer-joined entry: such a
        # filter makes the join inner, and the planner, which cannot know that the category implies an entry,
        # then expects a handful of rows and reads and sorts the whole list instead of walking the index.
        ~sa.exists().where(
            _removed.c.record_id == credit_record.c.id,
            _removed.c.removal_date <= sa.bindparam("listed_on", type_=sa.Date),
        ),
    ]
    if division is not None:
        conditions.append(within_division(credit_record.c.division_code, division))
    if since:
        conditions.append(credit_record.c.decision_date >= sa.bindparam("decided_from", type_=sa.Date))
    if until:
        conditions.append(credit_record.c.decision_date <= sa.bindparam("decided_to", type_=sa.Date))
    if after:
        # A row comparison: the planner reads it as a bound of the index that follows the page order.
        bound = (sa.bindparam("after_date", type_=sa.Date), sa.bindparam("after_id", type_=sa.Integer))
        conditions.append(sa.tuple_(credit_record.c.decision_date, credit_record.c.id) < sa.tuple_(*bound))
    return (
        sa.select(*_COLUMNS)
        .select_from(
            credit_record.join(subject, subject.c.id == credit_record.c.subject_id).outerjoin(
                credit_list_entry, credit_list_entry.c.record_id == credit_record.c.id
            )
        )
        .where(*conditions)
        .order_by(credit_record.c.decision_date.desc(), credit_record.c.id.desc())
        .limit(sa.bindparam("page_limit", type_=sa.Integer))
    )


def page_statement(
    domains: Sequence[str], list_types: Sequence[ListType], division: str | None, after: bool, since: bool, until: bool
) -> sa.Select[Any]:
    """The page's one statement, built once per shape, division and publication day (building it and
    computing its cache key would cost more than running it); the division is part of the SQL text."""
    key = (tuple(domains), tuple(list_types), division, after, since, until, publication_key())
    found = _STATEMENTS.get(key)
    if found is not None:
        _STATEMENTS.move_to_end(key)  # the least recently used goes first
        return found
    branches = [_branch(d, t, division, after, since, until) for d in domains for t in list_types]
    if len(branches) == 1:
        statement = branches[0]
    else:
        merged = sa.union_all(*(sa.select(b.subquery()) for b in branches)).subquery("listing")
        statement = (
            sa.select(merged)
            .order_by(*(merged.c[name].desc() for name in _PAGE_ORDER))
            .limit(sa.bindparam("page_limit", type_=sa.Integer))
        )
    _STATEMENTS[key] = statement
    while len(_STATEMENTS) > _STATEMENTS_KEPT:
        _STATEMENTS.popitem(last=False)
    return statement


def _cursor_params(after: str) -> dict[str, Any]:
    last_date, last_id = decode_cursor(after, 2)
    try:
        return {"after_date": date.fromisoformat(str(last_date)), "after_id": int(last_id)}
    except (TypeError, ValueError) as exc:
        raise BadUserInput("after is not a cursor this API issued", argument="after") from exc


async def resolve_credit_lists(
    info: Info,
    domain: Annotated[
        str | None, strawberry.argument(description="Only this domain's lists (e.g. culture); all domains if null.")
    ] = None,
    list_type: Annotated[
        ListType | None, strawberry.argument(description="Only red (RED) or black (BLACK) lists; both if null.")
    ] = None,
    division: Annotated[
        str | None,
        strawberry.argument(
            description="Only listings of this administrative division and those below it "
            "(GB/T 2260, e.g. 350100 福州市, or a 9-digit town code)."
        ),
    ] = None,
    decided_from: Annotated[date | None, strawberry.argument(description="Listed on or after this day.")] = None,
    decided_to: Annotated[date | None, strawberry.argument(description="Listed on or before this day.")] = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection[CreditListing]:
    settings = info.context.settings
    size = page_size(first, default=settings.default_page_size, maximum=settings.max_page_size)
    every_domain = sorted(info.context.graph.composition.plugin_names)
    domains = [known_domain(info, domain)] if domain is not None else every_domain
    list_types = [list_type] if list_type is not None else list(ListType)
    if division is not None:
        significant_prefix(division)  # INVALID_DIVISION for anything but a 6- or 9-digit code
    if decided_from is not None and decided_to is not None and decided_from > decided_to:
        raise BadUserInput("decidedFrom is after decidedTo", argument="decidedFrom")
    params: dict[str, Any] = {"page_limit": size + 1, "listed_on": today()}
    if after is not None:
        params.update(_cursor_params(after))
    if decided_from is not None:
        params["decided_from"] = decided_from
    if decided_to is not None:
        params["decided_to"] = decided_to
    if not domains:
        return connection_from_rows([], size, CreditListing.from_row, decision_cursor)  # type: ignore[no-any-return]
    statement = page_statement(
        domains, list_types, division, after is not None, decided_from is not None, decided_to is not None
    )
    async with info.context.loaders.connection() as conn:
        rows = (await conn.execute(statement, params)).all()
    # Every listing has its entry (written in one transaction with the envelope); one without is not listed.
    rows = [row for row in rows if row.list_type is not None]
    return connection_from_rows(rows, size, CreditListing.from_row, decision_cursor)  # type: ignore[no-any-return]
