"""gateway.api.published_page, the one way a plugin lists records itself: the publication filter is
its own (a list that leaves it out still shows published records only), pages are bounded, cursors
page through the list once, and it reads on the request's one read connection."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.api import ENVELOPE_COLUMNS, SUBJECT_BY_ID, credit_record, published_page, subject
from gateway.db.engine import count_statements
from gateway.graph.subject import CORE_LOADERS
from gateway.kernel.clock import serve_as_of
from gateway.kernel.errors import BadUserInput, LimitExceeded
from gateway.records.publicity import serve_rules
from gateway.server.context import Loaders
from gateway.testing import GatewayHarness, error_codes
from testsupport.factories import tax_violation

SUBMIT = """mutation($v: [MajorTaxViolationInput!]!) { submitMajorTaxViolations(violations: $v) { created } }"""
LIST = """query($first: Int, $after: String) { majorTaxViolations(first: $first, after: $after) {
  edges { node { documentNumber subjectName } } pageInfo { hasNextPage endCursor } } }"""
PUBLISHED = ["published-1", "published-2", "published-3", "published-4"]
UNPUBLISHED = ["repaired", "revoked", "window-over", "withheld"]


def _unfiltered() -> sa.Select[Any]:
    """The tax listings with no publication filter of their own: the one a plugin could forget."""
    return sa.select(*ENVELOPE_COLUMNS).where(
        credit_record.c.domain == "tax", credit_record.c.category == "MAJOR_TAX_VIOLATION"
    )


def _document(row: Any) -> str:
    return str(row.document_number)


@pytest.fixture
async def listed(gw: GatewayHarness) -> GatewayHarness:
    """Eight listings, newest decision first in PUBLISHED + UNPUBLISHED order; then the last four are
    taken out of publication each its own way."""
    today = gw.clock.today()
    numbers = PUBLISHED + UNPUBLISHED
    items = [
        tax_violation(documentNumber=number, decisionDate=(today - timedelta(days=10 * (n + 1))).isoformat())
        for n, number in enumerate(numbers)
    ]
    key = await gw.create_key("department", domain="tax")
    assert (await gw.graphql(SUBMIT, {"v": items}, key=key))["data"]["submitMajorTaxViolations"]["created"] == 8
    changes = {
        "repaired": {"status": "REPAIRED"},
        "revoked": {"status": "REVOKED"},
        "window-over": {"published_until": today - timedelta(days=1)},
        # Dishonesty information past its five years is withheld, whatever its window says.
        "withheld": {"decision_date": date(today.year - 6, today.month, 1), "published_until": None},
    }
    async with gw.engine.begin() as conn:
        for number, values in changes.items():
            await conn.execute(
                sa.update(credit_record).where(credit_record.c.document_number == number).values(**values)
            )
    return gw


def _info(gw: GatewayHarness, *, default: int = 20, maximum: int = 100) -> Any:
    """What published_page reads of a resolver's info, with a real request's Loaders, as of the
    harness's day (the app sets the day and rules per request; a direct call sets them here)."""
    serve_as_of(gw.clock.today())
    serve_rules(gw.settings.publicity)
    settings = SimpleNamespace(default_page_size=default, max_page_size=maximum)
    loaders = Loaders({spec.name: spec for spec in CORE_LOADERS}, gw.engine)
    return SimpleNamespace(context=SimpleNamespace(settings=settings, loaders=loaders))


@contextmanager
def _checkouts(gw: GatewayHarness) -> Iterator[list[int]]:
    """Connections taken from the engine's pool while inside."""
    taken: list[int] = []

    def checkout(*_: Any) -> None:
        taken.append(1)

    sa.event.listen(gw.engine.sync_engine, "checkout", checkout)
    try:
        yield taken
    finally:
        sa.event.remove(gw.engine.sync_engine, "checkout", checkout)


async def test_a_list_without_the_filter_still_shows_only_published_records(listed: GatewayHarness) -> None:
    info = _info(listed)
    page = await published_page(info, "test.unfiltered", _unfiltered, first=20, after=None, node=_document)
    await info.context.loaders.close()
    assert [edge.node for edge in page.edges] == PUBLISHED
    # Without the helper the same statement shows all eight: the filter is what the helper adds.
    async with listed.engine.connect() as conn:
        assert len((await conn.execute(_unfiltered())).all()) == 8


@pytest.mark.parametrize("role", [None, "department", "admin"])
async def test_the_plugins_list_shows_only_published_records_to_everyone(
    listed: GatewayHarness, role: str | None
) -> None:
    # The admin and the tax department see the unpublished records in a subject's records; a published
    # list is the same for everyone.
    key = await listed.create_key(role, domain="tax" if role == "department" else None) if role else None
    body = await listed.graphql(LIST, {"first": 20}, key=key)
    assert [e["node"]["documentNumber"] for e in body["data"]["majorTaxViolations"]["edges"]] == PUBLISHED


async def test_page_size_is_bounded(listed: GatewayHarness) -> None:
    info = _info(listed, default=2, maximum=3)
    default = await published_page(info, "test.unfiltered", _unfiltered, first=None, after=None, node=_document)
    assert [e.node for e in default.edges] == PUBLISHED[:2] and default.page_info.has_next_page
    largest = await published_page(info, "test.unfiltered", _unfiltered, first=3, after=None, node=_document)
    assert [e.node for e in largest.edges] == PUBLISHED[:3]
    with pytest.raises(LimitExceeded):
        await published_page(info, "test.unfiltered", _unfiltered, first=4, after=None, node=_document)
    with pytest.raises(BadUserInput):
        await published_page(info, "test.unfiltered", _unfiltered, first=-1, after=None, node=_document)
    await info.context.loaders.close()
    maximum = listed.settings.max_page_size
    assert error_codes(await listed.graphql(LIST, {"first": maximum + 1})) == ["LIMIT_EXCEEDED"]
    assert error_codes(await listed.graphql(LIST, {"first": -1})) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("size", [1, 3, 4])
async def test_cursors_page_through_the_published_records_once(listed: GatewayHarness, size: int) -> None:
    info = _info(listed)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await published_page(info, "test.unfiltered", _unfiltered, first=size, after=after, node=_document)
        pages += 1
        seen += [edge.node for edge in page.edges]
        if not page.page_info.has_next_page:
            break
        after = page.page_info.end_cursor
    assert seen == PUBLISHED  # newest decision first, each once
    assert pages == -(-len(PUBLISHED) // size)
    past_the_end = await published_page(
        info, "test.unfiltered", _unfiltered, first=size, after=page.page_info.end_cursor, node=_document
    )
    assert past_the_end.edges == [] and not past_the_end.page_info.has_next_page
    with pytest.raises(BadUserInput):
        await published_page(info, "test.unfiltered", _unfiltered, first=size, after="garbage", node=_document)
    await info.context.loaders.close()


async def test_the_plugins_list_pages_with_cursors(listed: GatewayHarness) -> None:
    first = (await listed.graphql(LIST, {"first": 3}))["data"]["majorTaxViolations"]
    second = (await listed.graphql(LIST, {"first": 3, "after": first["pageInfo"]["endCursor"]}))["data"][
        "majorTaxViolations"
    ]
    assert [e["node"]["documentNumber"] for e in first["edges"] + second["edges"]] == PUBLISHED
    assert first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]
    assert error_codes(await listed.graphql(LIST, {"after": "garbage"})) == ["BAD_USER_INPUT"]


async def test_it_reads_on_the_requests_read_connection(listed: GatewayHarness) -> None:
    info = _info(listed)
    loaders = info.context.loaders
    with _checkouts(listed) as taken:
        for _ in range(2):
            await published_page(info, "test.unfiltered", _unfiltered, first=2, after=None, node=_document)
        async with loaders.connection() as conn:
            assert (await conn.execute(sa.select(sa.func.count()).select_from(credit_record))).scalar_one() == 8
    assert len(taken) == 1  # two pages and the loaders' own statement: one connection
    await loaders.close()
    # Once the request is answered its connection is closed, and the helper opens no other.
    with pytest.raises(RuntimeError, match="read connection is closed"):
        await published_page(info, "test.unfiltered", _unfiltered, first=2, after=None, node=_document)


async def test_a_list_page_and_its_subjects_share_one_connection_over_http(listed: GatewayHarness) -> None:
    with _checkouts(listed) as taken, count_statements(listed.engine) as counter:
        body = await listed.graphql(LIST, {"first": 20})
    edges = body["data"]["majorTaxViolations"]["edges"]
    assert [e["node"]["subjectName"] for e in edges] == ["上海浦东新区明珠文化传媒有限公司"] * len(PUBLISHED)
    assert counter.count == 1  # the page, with its subjects (with_subjects): no loader statement
    assert len(taken) == 1


@pytest.mark.parametrize(
    ("build", "params", "message"),
    [
        # On an alias the filter would add credit_record again, unjoined: refused rather than wrong.
        (lambda: sa.select(credit_record.alias("r").c.id), None, "selects from credit_record"),
        (_unfiltered, {"page_limit": 1_000}, "page_limit"),
    ],
)
async def test_lists_that_would_bypass_the_filter_or_the_bound_are_refused(
    listed: GatewayHarness, build: Callable[[], sa.Select[Any]], params: dict[str, Any] | None, message: str
) -> None:
    info = _info(listed)
    with pytest.raises(ValueError, match=message):
        await published_page(info, ("test.refused", message), build, first=2, after=None, node=_document, params=params)
    await info.context.loaders.close()


async def test_a_listing_on_another_day_is_judged_as_of_that_day(listed: GatewayHarness) -> None:
    # The statement is kept per day: a day after the newest listing's window ends, it is off the list.
    async with listed.engine.begin() as conn:
        await conn.execute(
            sa.update(credit_record)
            .where(credit_record.c.document_number == "published-1")
            .values(published_until=listed.clock.today())
        )
    info = _info(listed)
    today = await published_page(info, "test.unfiltered", _unfiltered, first=20, after=None, node=_document)
    await info.context.loaders.close()
    listed.clock.travel_to(listed.clock.today() + timedelta(days=1))
    info = _info(listed)
    tomorrow = await published_page(info, "test.unfiltered", _unfiltered, first=20, after=None, node=_document)
    await info.context.loaders.close()
    assert [e.node for e in today.edges] == PUBLISHED
    assert [e.node for e in tomorrow.edges] == PUBLISHED[1:]


def _with_own_subject_column() -> sa.Select[Any]:
    """A list that joins the subject table itself, as the culture list does for its edges."""
    return (
        sa.select(*ENVELOPE_COLUMNS, subject.c.name.label("own_name"))
        .select_from(credit_record.join(subject, subject.c.id == credit_record.c.subject_id))
        .where(credit_record.c.domain == "tax", credit_record.c.category == "MAJOR_TAX_VIOLATION")
    )


@pytest.mark.parametrize("build", [_unfiltered, _with_own_subject_column])
async def test_a_page_with_its_subjects_primes_the_subject_loader(
    listed: GatewayHarness, build: Callable[[], sa.Select[Any]]
) -> None:
    info = _info(listed)
    loaders = info.context.loaders
    with count_statements(listed.engine) as counter:
        page = await published_page(
            info, ("test.subjects", build), build, first=20, after=None, node=lambda row: row, with_subjects=True
        )
        subject_ids = [edge.node.subject_id for edge in page.edges]
        primed = await loaders.load_all(SUBJECT_BY_ID, subject_ids)
    assert [edge.node.document_number for edge in page.edges] == PUBLISHED  # the same rows as without
    assert counter.count == 1  # the page: the subjects came with it
    await loaders.close()
    # What the loader itself reads for those subjects, column by column.
    info = _info(listed)
    read = await info.context.loaders.load_all(SUBJECT_BY_ID, subject_ids)
    await info.context.loaders.close()
    assert [tuple(row) for row in primed] == [tuple(row) for row in read]
    assert {row.name for row in primed} == {"上海浦东新区明珠文化传媒有限公司"}


async def test_only_the_pages_own_subjects_are_primed(listed: GatewayHarness) -> None:
    # The row read past the page (to know whether more follow) is not the page's: its subject is not primed.
    async with listed.engine.begin() as conn:
        listed_subject = (await conn.execute(sa.select(subject))).one()  # the one subject listed
        copied = {name: value for name, value in listed_subject._asdict().items() if name != "id"}
        other_id = (
            await conn.execute(
                sa.insert(subject)
                .values(**{**copied, "lookup_hash": "0" * 64, "name": "另一家"})
                .returning(subject.c.id)
            )
        ).scalar_one()
        await conn.execute(
            sa.update(credit_record).where(credit_record.c.document_number == "published-2").values(subject_id=other_id)
        )
    info = _info(listed)
    page = await published_page(
        info, "test.unfiltered", _unfiltered, first=1, after=None, node=_document, with_subjects=True
    )
    assert page.edges[0].node == "published-1" and page.page_info.has_next_page
    assert set(info.context.loaders._loaded[SUBJECT_BY_ID]) == {listed_subject.id}
    await info.context.loaders.close()
