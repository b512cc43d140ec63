"""When a keyed federated request opens the caller's consent and query record (gateway.federation.serving.
recording). One that could hand out nothing the record keeps (it calls no in-process subgraph, selects no
object about a subject and no recorded remote field) opens no request context, walks no response, calls no
``served_federated`` and runs no SQL: it costs what the public's does. Whether an operation selects a
recorded field is decided from the operation, once per document. A plugin's ``served`` parks what the
in-process operations hand out in ``federated_request().parked``, and its ``served_federated`` finds it
there (README's example). credit-gateway serving itself and the "loans" Node subgraph; real HTTP through
the ASGI app, SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from graphql import GraphQLSchema, OperationDefinitionNode, parse

import gateway.federation.serving.gateway as serving_gateway
from gateway.api import FederatedRequest, SubjectAccess, federated_request, hookimpl
from gateway.db.engine import count_statements
from gateway.db.tables import query_record
from gateway.federation.serving import recording
from gateway.federation.serving.consent import ConsentRules
from gateway.federation.serving.recording import selects_recorded
from gateway.federation.serving.request import Prepared
from gateway.testing import GatewayHarness
from tests.federation.consent_harness import Composed, composed, post, serving

DECLARATIONS = {"loans": "public", "loans:Loan.amountYuan": "portal"}  # as test_serve_supergraph_record_subgraphs


class Watcher:
    """Counts the request contexts opened for consent and the record, and the ``served_federated`` calls;
    notes the subjects served once per request, as README's example of the hook does."""

    def __init__(self) -> None:
        self.opened = 0
        self.seen: list[FederatedRequest] = []
        self.viewed: list[set[int]] = []  # per request

    def served(self, _info: Any, subject_ids: Any, _path: tuple[str, ...]) -> None:
        request = federated_request()
        if request is None:
            self.viewed.append(set(subject_ids))
        else:  # an in-process operation of a federated request: noted with the rest at its end
            request.parked.setdefault("watcher", set()).update(subject_ids)

    async def served_federated(self, _context: Any, request: FederatedRequest) -> None:
        self.seen.append(request)
        self.viewed.append(request.parked.pop("watcher", set()) | {sid for sid, _fields in request.subjects})

    @hookimpl
    def subject_access(self) -> SubjectAccess:
        return SubjectAccess(served=self.served, served_federated=self.served_federated)


@pytest.fixture(scope="module")
async def setup() -> AsyncIterator[Composed]:
    async with composed("loans") as done:
        yield done


@pytest.fixture
def watcher() -> Watcher:
    return Watcher()


@pytest.fixture
async def gw(
    setup: Composed, database_url: str | None, tmp_path: Path, watcher: Watcher
) -> AsyncIterator[GatewayHarness]:
    options = {"subgraph_visibility": DECLARATIONS, "extra_plugins": [("watcher", watcher)]}
    async with serving(setup, database_url, tmp_path, **options) as harness:
        federated = harness.app.state.federated_gateway
        opening = federated.subject_guard

        @contextlib.asynccontextmanager
        async def counted(principal: Any, request: Any) -> AsyncIterator[Any]:
            watcher.opened += 1
            async with opening(principal, request) as guard:
                yield guard

        federated.subject_guard = counted
        yield harness


async def rows(gw: GatewayHarness) -> list[tuple[str, str]]:
    async with gw.engine.connect() as conn:
        query = sa.select(query_record.c.field_groups, query_record.c.subgraphs).order_by(query_record.c.id)
        return [tuple(row) for row in (await conn.execute(query)).all()]


async def test_a_request_that_hands_out_nothing_recorded_opens_nothing_and_runs_no_sql(
    gw: GatewayHarness, watcher: Watcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    walked: list[object] = []
    find_accessed = serving_gateway.find_accessed

    def watched(*args: Any) -> Any:
        walked.append(args[0])
        return find_accessed(*args)

    monkeypatch.setattr(serving_gateway, "find_accessed", watched)
    portal = await gw.create_key("portal", name="city portal")
    await post(gw, "{ loans { id } }", portal)  # the key's first use: whatever it writes is written now
    with count_statements(gw.engine) as counter:
        body = await post(gw, "{ loans { id } }", portal)
    assert "errors" not in body and body["data"]["loans"], body
    # The loans subgraph only, public fields of no subject: nothing to check, nothing to record.
    assert (watcher.opened, watcher.seen, walked) == (0, [], [])
    assert [s for s in counter.statements if "api_client" not in s] == []  # only the key's own look-up
    assert await rows(gw) == []

    # The same gateway opens them, and records, as soon as the request may hand out something recorded:
    # a recorded remote field about no subject (walked, no in-process call) ...
    assert "errors" not in await post(gw, "{ loans { id amountYuan } }", portal)
    assert (watcher.opened, len(watcher.seen), len(walked)) == (1, 1, 1)
    # ... or a subject, handed out by the in-process subgraph (its codes added, walked), whose operation
    # parked the subjects for the plugin's served_federated.
    assert "errors" not in await post(gw, "{ loans { borrower { name } } }", portal)
    assert (watcher.opened, len(watcher.seen), len(walked)) == (2, 2, 2)
    assert [len(viewed) for viewed in watcher.viewed] == [0, 2]  # the two borrowers, in one call
    assert [called for _groups, called in await rows(gw)] == ["loans", "credit-gateway,loans", "credit-gateway,loans"]


async def test_whether_an_operation_selects_a_recorded_field_is_decided_once_per_document(
    gw: GatewayHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    decided: list[str | None] = []

    def counted(prepared: Prepared, schema: GraphQLSchema, rules: ConsentRules) -> bool:
        decided.append(prepared.operation_name)
        return selects_recorded(prepared, schema, rules)

    monkeypatch.setattr(recording, "selects_recorded", counted)
    portal = await gw.create_key("portal")
    for query in ("{ loans { id } }", "{ loans { id } }", "query Q { loans { id } }", "query Q { loans { id } }"):
        assert "errors" not in await post(gw, query, portal)
    assert len(decided) == 2  # one per document, whatever the requests
    assert "errors" not in await gw.graphql("query P { loans { id } }")  # the public's is never decided
    assert len(decided) == 2


CASES = [
    ("{ loans { id } }", False),
    ("{ loans { id amountYuan } }", True),
    ("{ loans { sum: amountYuan } }", True),  # an alias is still the field
    ("{ loans { ... on Loan { amountYuan } } }", True),
    ("{ loans { ... { amountYuan } } }", True),
    ("query { loans { ...F } } fragment F on Loan { id amountYuan }", True),
    ("query { loans { ...F ...F } } fragment F on Loan { id }", False),
    ("query { a: loans { ...F } b: loans { amountYuan } } fragment F on Loan { id }", True),
    ("{ loansUnderReview { id borrower { code } } }", False),
    ("{ loans { borrower { loans { amountYuan } } } }", True),  # below a subject: still about no one
    ("query A { loans { id } } query B { loans { amountYuan } }", False),  # A: only the operation run counts
]


async def test_the_decision_follows_the_operation(gw: GatewayHarness) -> None:
    loaded = gw.app.state.federated_gateway.loaded
    schema = loaded.supergraph.api_schema
    for query, selects in CASES:
        document = parse(query)
        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        name = operation.name.value if operation.name else None
        prepared = Prepared(document=document, operation=operation, operation_name=name, variables={})
        assert selects_recorded(prepared, schema, loaded.consent) is selects, query
