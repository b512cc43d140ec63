"""Serving a supergraph that includes credit-gateway itself: the "loans" Node subgraph
(tests/federation/loans/) composed with credit-gateway's own SDL under the subgraph name
``credit-gateway``. Fetches to that subgraph run in process, on the plugins' schema of the caller's
audience (no HTTP: its URL in the supergraph is a port nothing listens on), the loans over HTTP.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.auth.principal import Role
from gateway.cli.demo import seed
from gateway.db.tables import query_record
from gateway.testing import GatewayHarness
from tests.federation.oracle import HERE, NodeProcess, compose, ensure_node_modules, free_port, start_subgraphs

FUZHOU_MINDU = {"code": "91350100M000100Y43", "name": "福州闽都信用示范科技有限公司"}
BEIJING_JINGHUA = {"code": "91110000600037341L", "name": "北京京华建设集团有限公司"}
DEMO_SUBJECTS = 20  # the anchors the loans name, and a few more


class Loans:
    def __init__(self, workdir: Path, process: NodeProcess, ready: dict[str, dict[str, str]]) -> None:
        self.workdir = workdir
        self.process = process
        self.ready = ready


@pytest.fixture(scope="module")
def loans() -> Iterator[Loans]:
    ensure_node_modules()
    with tempfile.TemporaryDirectory(prefix="serve-supergraph-local-") as tmp:
        workdir = Path(tmp)
        process, ready = start_subgraphs("../loans", workdir)  # serve-family.mjs resolves it to tests/federation/loans
        try:
            yield Loans(workdir, process, ready)
        finally:
            process.stop()


@pytest.fixture
async def gw(loans: Loans) -> AsyncIterator[GatewayHarness]:
    """credit-gateway serving the supergraph of itself and the loans subgraph, on seeded demo data."""
    database = f"sqlite+aiosqlite:///{loans.workdir / 'local.sqlite3'}"
    async with GatewayHarness.start(database_url=database) as plain:
        await seed(plain.settings, DEMO_SUBJECTS)
        # The admin audience's SDL: the supergraph then holds fields the public may not see.
        admin = await plain.create_key("admin")
        answer = await plain.client.post(
            "/graphql", json={"query": "{ _service { sdl } }"}, headers={"authorization": f"Bearer {admin}"}
        )
        own_sdl = loans.workdir / "credit-gateway.graphql"
        own_sdl.write_text(answer.json()["data"]["_service"]["sdl"])
    nowhere = f"http://127.0.0.1:{free_port()}/graphql"  # the in-process subgraph is never called over HTTP
    ready = {**loans.ready, "credit-gateway": {"url": nowhere, "sdl": str(own_sdl)}}
    supergraph = loans.workdir / "supergraph.graphql"
    supergraph.write_text(compose(HERE / "loans", ready))
    settings: dict[str, Any] = {"supergraph": str(supergraph), "subgraph_visibility": {"loans": "public"}}
    async with GatewayHarness.start(database_url=database, **settings) as harness:
        try:
            yield harness
        finally:
            await harness.app.state.federated_gateway.aclose()


async def post(harness: GatewayHarness, query: str, key: str | None = None) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    response = await harness.client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_local_subgraph_is_recognised_by_its_name(gw: GatewayHarness) -> None:
    health = (await gw.client.get("/healthz")).json()
    assert health["supergraph"]["includesLocal"] is True
    assert health["supergraph"]["subgraphs"] == ["credit-gateway", "loans"]
    assert dict(gw.app.state.federated_gateway.loaded.remote_urls).keys() == {"loans"}


async def test_remote_loans_reach_local_borrowers_in_process(gw: GatewayHarness) -> None:
    body = await post(gw, "{ loans { id amountYuan borrower { code name } } }")
    assert body == {
        "data": {
            "loans": [
                {"id": "L1", "amountYuan": 500000, "borrower": FUZHOU_MINDU},
                {"id": "L2", "amountYuan": 1200000, "borrower": BEIJING_JINGHUA},
                {"id": "L3", "amountYuan": 80000, "borrower": FUZHOU_MINDU},
            ]
        }
    }


async def test_a_local_root_field_is_completed_by_the_remote_loans(gw: GatewayHarness) -> None:
    body = await post(gw, f'{{ subject(code: "{FUZHOU_MINDU["code"]}") {{ name loans {{ id }} }} }}')
    assert body == {"data": {"subject": {"name": FUZHOU_MINDU["name"], "loans": [{"id": "L1"}, {"id": "L3"}]}}}


async def test_local_fields_keep_their_own_audiences(gw: GatewayHarness) -> None:
    # Root fields the local graph shows the admin but not the public: through the supergraph the same.
    schemas = gw.app.state.federated_gateway.loaded.schemas
    local_admin_only = [
        name
        for name in gw.graph.schema_for(Role.ADMIN)._schema.query_type.fields
        if name not in gw.graph.schema_for(Role.PUBLIC)._schema.query_type.fields and not name.startswith("_")
    ]
    assert local_admin_only, "the local graph has admin-only root fields"
    supergraph_query = gw.app.state.federated_gateway.loaded.supergraph.api_schema.query_type.fields
    shared = [name for name in local_admin_only if name in supergraph_query]
    assert shared == local_admin_only  # composed from the admin's SDL
    public_fields = schemas[Role.PUBLIC].query_type.fields
    admin_fields = schemas[Role.ADMIN].query_type.fields
    for name in shared:
        assert name not in public_fields
        assert name in admin_fields
    assert "loans" in public_fields  # declared public for the loans subgraph
    refused = await post(gw, f"{{ {shared[0]} {{ __typename }} }}")
    assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_the_request_is_recorded_with_the_subgraphs_it_called(
    gw: GatewayHarness, caplog: pytest.LogCaptureFixture
) -> None:
    admin = await gw.create_key("admin", name="federation auditor")
    with caplog.at_level(logging.INFO, logger="gateway.federation.record"):
        body = await post(gw, "{ loans { id borrower { name } } }", admin)
    assert "errors" not in body, body
    records = [r for r in caplog.records if r.name == "gateway.federation.record"]
    assert [r.subgraphs for r in records] == [["credit-gateway", "loans"]]  # type: ignore[attr-defined]
    assert records[0].role == "admin"  # type: ignore[attr-defined]
    # The borrowers were handed out by the in-process subgraph: the query record has them, as locally,
    # with the subgraphs the request called (tests/federation/test_serve_supergraph_record_subgraphs.py).
    async with gw.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(query_record.c.field_groups, query_record.c.subgraphs).where(
                    query_record.c.client_name == "federation auditor"
                )
            )
        ).all()
    assert len(rows) == 2  # FUZHOU_MINDU and BEIJING_JINGHUA, once each
    assert {row.subgraphs for row in rows} == {"credit-gateway,loans"}
    assert {row.field_groups for row in rows} == {"name"}


# Borrowers as the loans subgraph filed them (tests/federation/loans/subgraphs.mjs, loansAsFiled), in a
# form the in-process subgraph answers otherwise (CreditSubject.code): a natural person's full ID, answered
# masked, and a USCC in lower case, answered upper-cased. Were the in-process entities asked their key back
# and checked, both would be refused (SUBGRAPH_BAD_RESPONSE) and their fields nulled.
ZHANG_JIANHUA = {"code": "11010519491231002X", "name": "张建华"}  # a natural person among the demo's anchors
MINGZHU = {"code": "91310115MA1K3BTP2B", "name": "上海浦东新区明珠文化传媒有限公司"}  # filed in lower case


async def test_borrowers_filed_otherwise_than_the_local_graph_shows_them_are_filled(gw: GatewayHarness) -> None:
    admin = await gw.create_key("admin")
    body = await post(gw, "{ loansAsFiled { id borrower { name kind } } }", admin)
    assert body == {
        "data": {
            "loansAsFiled": [
                {"id": "L7", "borrower": {"name": ZHANG_JIANHUA["name"], "kind": "NATURAL_PERSON"}},
                {"id": "L8", "borrower": {"name": MINGZHU["name"], "kind": "LEGAL_PERSON"}},
            ]
        }
    }
    # The code is the key the loans subgraph holds the borrower by: read from it, as it filed it (the
    # in-process subgraph would show 110105********002X and the upper-cased USCC).
    body = await post(gw, "{ loansAsFiled { borrower { code name } } }", admin)
    assert body == {
        "data": {
            "loansAsFiled": [
                {"borrower": {"code": "11010519491231002X", "name": ZHANG_JIANHUA["name"]}},
                {"borrower": {"code": "91310115ma1k3btp2b", "name": MINGZHU["name"]}},
            ]
        }
    }


async def test_a_person_filed_as_borrower_is_to_the_public_what_the_local_graph_shows_it(gw: GatewayHarness) -> None:
    # Locally a person is no subject the public may see: it reads as unknown (null, no error).
    assert await post(gw, f'{{ subject(code: "{ZHANG_JIANHUA["code"]}") {{ name }} }}') == {"data": {"subject": None}}
    body = await post(gw, "{ loansAsFiled { id borrower { name } } }")
    assert body["data"] == {
        "loansAsFiled": [{"id": "L7", "borrower": None}, {"id": "L8", "borrower": {"name": MINGZHU["name"]}}]
    }
    # The in-process subgraph answered the person's entity null, as it answers a code it does not hold: the
    # borrower is null and its non-null name says so, as for the loan under review whose code is unknown.
    [error] = body["errors"]
    assert (error["path"], error["extensions"]["code"]) == (
        ["loansAsFiled", 0, "borrower", "name"],
        "SUBGRAPH_INVALID_VALUE",
    )
    unknown = await post(gw, "{ loansUnderReview { id borrower { name } } }")
    assert unknown["data"]["loansUnderReview"][0] == {"id": "L4", "borrower": None}
    assert [e["extensions"]["code"] for e in unknown["errors"] if e["path"][1] == 0] == ["SUBGRAPH_INVALID_VALUE"]
