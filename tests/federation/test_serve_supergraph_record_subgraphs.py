"""The query record of a federated request names the subgraphs it called (issue 13, part 4), in the
database and through the record's own API (the admin's ``queryRecords``, the subject's ``me {
queryRecords }``): one row per subject handed out, local and remote fields together, and one row without
a subject for the remote fields about no subject that are declared for some audiences but not the public.
What the local path does not record (the public, a request refused before it runs) is not recorded here
either. credit-gateway serving itself and the "loans" Node subgraph; real HTTP through the ASGI app,
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.api import FederatedRequest, SubjectAccess, hookimpl
from gateway.db.tables import query_record
from gateway.db.tables import subject as subject_table
from gateway.features.audit.chain import chain_key, verify
from gateway.testing import GatewayHarness
from tests.federation.consent_harness import (
    BEIJING_JINGHUA,
    FUZHOU_MINDU,
    PURPOSE,
    Composed,
    composed,
    errors_at,
    post,
    serving,
)

# Loans and their borrowers are for everyone; the amounts only for keyed audiences (portal and up).
DECLARATIONS = {"loans": "public", "loans:Loan.amountYuan": "portal"}
BOTH = "credit-gateway,loans"
RECORDS = """{ queryRecords { edges { node { subjectCode clientName fieldGroups outcome subgraphs } } } }"""


class Watcher:
    """A plugin told of every federated request (``SubjectAccess.served_federated``)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, FederatedRequest]] = []

    async def served(self, context: Any, request: FederatedRequest) -> None:
        self.seen.append((context.principal.role.value, request))

    @hookimpl
    def subject_access(self) -> SubjectAccess:
        return SubjectAccess(served_federated=self.served)


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
        yield harness


async def rows(gw: GatewayHarness) -> list[tuple[str | None, str, str, str, str]]:
    """(subject code or None, client, field groups, outcome, subgraphs) per row, in chain order."""
    async with gw.engine.connect() as conn:
        query = (
            sa.select(
                subject_table.c.display_code,
                query_record.c.client_name,
                query_record.c.field_groups,
                query_record.c.outcome,
                query_record.c.subgraphs,
            )
            .join(subject_table, subject_table.c.id == query_record.c.subject_id, isouter=True)
            .order_by(query_record.c.id)
        )
        return [tuple(row) for row in (await conn.execute(query)).all()]


async def test_a_request_that_called_two_subgraphs_names_both(gw: GatewayHarness) -> None:
    admin = await gw.create_key("admin", name="auditor")
    body = await post(gw, "{ loans { id amountYuan borrower { name } } }", admin)
    assert "errors" not in body, body
    # Each borrower once (FUZHOU_MINDU has two loans), handed out by the in-process subgraph; then the
    # amounts, which are about no subject the gateway knows of, in a row of their own.
    assert await rows(gw) == [
        (FUZHOU_MINDU, "auditor", "name", "VIEWED", BOTH),
        (BEIJING_JINGHUA, "auditor", "name", "VIEWED", BOTH),
        (None, "auditor", "Loan.amountYuan@loans", "VIEWED", BOTH),
    ]
    checked = await verify(gw.engine, chain_key(gw.settings.secret_key))
    assert checked.intact and checked.records == 3

    # The admin reads the same through queryRecords (newest first), the row about no subject included.
    listed = await post(gw, RECORDS, admin)
    nodes = [edge["node"] for edge in listed["data"]["queryRecords"]["edges"]]
    assert [(n["subjectCode"], n["subgraphs"]) for n in nodes] == [
        (None, ["credit-gateway", "loans"]),
        (BEIJING_JINGHUA, ["credit-gateway", "loans"]),
        (FUZHOU_MINDU, ["credit-gateway", "loans"]),
    ]
    assert nodes[0]["fieldGroups"] == ["Loan.amountYuan@loans"]

    # The subject reads who looked at it, and through which services.
    subject = await gw.create_key("subject", subject=FUZHOU_MINDU)
    mine = await post(gw, "{ me { queryRecords { edges { node { clientName role subgraphs } } } } }", subject)
    assert [e["node"] for e in mine["data"]["me"]["queryRecords"]["edges"]] == [
        {"clientName": "auditor", "role": "admin", "subgraphs": ["credit-gateway", "loans"]}
    ]


async def test_a_request_answered_in_process_names_the_local_subgraph(gw: GatewayHarness) -> None:
    portal = await gw.create_key("portal", name="city portal")
    body = await post(gw, f'{{ subject(code: "{FUZHOU_MINDU}") {{ name }} }}', portal)
    assert body == {"data": {"subject": {"name": "福州闽都信用示范科技有限公司"}}}
    # code was not selected by the client: the gateway adds it (as _cg_code, for consent and the record of
    # remote fields) to every object about a subject, and the in-process record cannot tell it from a
    # client's field.
    assert await rows(gw) == [(FUZHOU_MINDU, "city portal", "name,code", "VIEWED", "credit-gateway")]


async def test_remote_fields_about_no_subject_are_recorded_when_not_public(gw: GatewayHarness) -> None:
    portal = await gw.create_key("portal", name="city portal")
    # Public fields only, about no subject: nothing a local request would record either.
    assert "errors" not in await post(gw, "{ loans { id } }", portal)
    assert await rows(gw) == []
    # A field declared for keyed audiences only: one row, without a subject, naming the one subgraph called.
    body = await post(gw, "{ loans { id amountYuan } }", portal)
    assert "errors" not in body, body
    assert await rows(gw) == [(None, "city portal", "Loan.amountYuan@loans", "VIEWED", "loans")]
    # The same field through a fragment, under an alias: still the field it is.
    body = await post(gw, "{ loans { ... on Loan { sum: amountYuan } } }", portal)
    assert "errors" not in body, body
    assert len(await rows(gw)) == 2


async def test_the_public_is_never_recorded(gw: GatewayHarness, watcher: Watcher) -> None:
    body = await post(gw, "{ loans { id borrower { name } } }")
    assert "errors" not in body, body
    assert await rows(gw) == []
    assert watcher.seen == []


async def test_refusals_are_recorded_as_the_local_path_records_them(gw: GatewayHarness) -> None:
    partner = await gw.create_key("partner", name="Bank of Fuzhou")
    # Refused before planning (it does not validate): nothing handed out, nothing recorded, as locally.
    refused = await post(gw, "{ loans { id secret } }", partner, PURPOSE)
    assert errors_at(refused) == {(): "GRAPHQL_VALIDATION_FAILED"}
    assert await rows(gw) == []
    # Refused a subject by the in-process subgraph (no authorisation): DENIED with the reason, as locally,
    # naming the subgraph that refused it.
    body = await post(gw, f'{{ subject(code: "{FUZHOU_MINDU}") {{ name }} }}', partner, PURPOSE)
    assert errors_at(body) == {("subject",): "AUTHORIZATION_REQUIRED"}
    async with gw.engine.connect() as conn:
        denied = (await conn.execute(sa.select(query_record.c.outcome, query_record.c.denial_reason))).all()
    assert [tuple(row) for row in denied] == [("DENIED", "NOT_GRANTED")]
    assert [(called, outcome) for *_, outcome, called in await rows(gw)] == [("credit-gateway", "DENIED")]
    subject = await gw.create_key("subject", subject=FUZHOU_MINDU)
    mine = await post(gw, "{ me { queryRecords { edges { node { clientName outcome subgraphs } } } } }", subject)
    assert [e["node"] for e in mine["data"]["me"]["queryRecords"]["edges"]] == [
        {"clientName": "Bank of Fuzhou", "outcome": "DENIED", "subgraphs": ["credit-gateway"]}
    ]


async def test_a_plugin_s_served_federated_sees_the_whole_request(gw: GatewayHarness, watcher: Watcher) -> None:
    """``SubjectAccess.served_federated`` (hook ``subject_access``): once per keyed federated request."""
    department = await gw.create_key("department", domain="tax")
    query = "{ loans { amountYuan borrower { name } } }"
    assert "errors" not in await post(gw, query, department)
    [(role, request)] = watcher.seen
    assert role == "department" and request.operation == query
    assert request.subgraphs == ("credit-gateway", "loans")
    assert request.subjects == []  # the borrowers came from the in-process subgraph, not a remote one
    assert request.about_no_subject == ("Loan.amountYuan@loans",)
