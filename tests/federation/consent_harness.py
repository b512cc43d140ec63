"""credit-gateway serving a supergraph of itself and the "exposures" Node subgraph (tests/federation/consent/),
on seeded demo data, on SQLite or PostgreSQL: the fixtures of test_serve_supergraph_partner_consent.py and
test_serve_supergraph_record_remote.py; with the "loans" family (tests/federation/loans/) instead, those of
test_serve_supergraph_record_subgraphs.py.

The subgraph runs once per test module and the supergraph is composed once (credit-gateway's SDL does not
depend on the data); each test gets a fresh database.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.cli.demo import seed
from gateway.kernel.clock import china_today
from gateway.testing import GatewayHarness
from tests.federation.oracle import HERE, NodeProcess, compose, ensure_node_modules, free_port, start_subgraphs

FUZHOU_MINDU = "91350100M000100Y43"  # 福州闽都信用示范科技有限公司
BEIJING_JINGHUA = "91110000600037341L"  # 北京京华建设集团有限公司
NOT_SEEDED = "91440305YMWXHD20C1"
DEMO_SUBJECTS = 20
PURPOSE = {"X-Purpose": "loan application"}
GROUPS = ["exposures.amount", "exposures.score"]
DECLARATIONS = {
    "exposures": "public",
    "exposures:Exposure.amountYuan": "partner:exposures.amount",
    "exposures:Collateral.valueYuan": "partner:exposures.amount",
    "exposures:CreditSubject.riskScore": "partner:exposures.score",
}


@dataclass
class Composed:
    workdir: Path
    process: NodeProcess
    supergraph: Path


@asynccontextmanager
async def composed(family: str = "consent") -> AsyncIterator[Composed]:
    ensure_node_modules()
    with tempfile.TemporaryDirectory(prefix=f"serve-supergraph-{family}-") as tmp:
        workdir = Path(tmp)
        # serve-family.mjs resolves it to tests/federation/<family>
        process, ready = start_subgraphs(f"../{family}", workdir)
        try:
            async with GatewayHarness.start() as plain:  # the admin audience's SDL: every local field
                admin = await plain.create_key("admin")
                answer = await plain.client.post(
                    "/graphql", json={"query": "{ _service { sdl } }"}, headers={"authorization": f"Bearer {admin}"}
                )
            own_sdl = workdir / "credit-gateway.graphql"
            own_sdl.write_text(answer.json()["data"]["_service"]["sdl"])
            nowhere = f"http://127.0.0.1:{free_port()}/graphql"  # the in-process subgraph is never called over HTTP
            supergraph = workdir / "supergraph.graphql"
            supergraph.write_text(
                compose(HERE / family, {**ready, "credit-gateway": {"url": nowhere, "sdl": str(own_sdl)}})
            )
            yield Composed(workdir, process, supergraph)
        finally:
            process.stop()


@asynccontextmanager
async def serving(
    setup: Composed, database_url: str | None, tmp_path: Path, **settings: Any
) -> AsyncIterator[GatewayHarness]:
    """The gateway over the composed supergraph, on a fresh database seeded with the demo's subjects."""
    url = database_url or f"sqlite+aiosqlite:///{tmp_path / 'consent.sqlite3'}"
    options: dict[str, Any] = {"supergraph": str(setup.supergraph), "subgraph_visibility": DECLARATIONS, **settings}
    async with GatewayHarness.start(database_url=url, **options) as harness:
        try:
            if database_url is not None:
                await harness.truncate()
            await seed(harness.settings, DEMO_SUBJECTS)
            harness.clock.travel_to(china_today())
            yield harness
        finally:
            await harness.app.state.federated_gateway.aclose()


async def post(
    harness: GatewayHarness, query: str, key: str | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    sent = {"authorization": f"Bearer {key}"} if key else {}
    sent.update(headers or {})
    response = await harness.client.post("/graphql", json={"query": query}, headers=sent)
    assert response.status_code == 200, response.text
    return response.json()


def errors_at(body: dict[str, Any]) -> dict[tuple[Any, ...], str]:
    """Each error's path and code."""
    return {tuple(e.get("path") or ()): (e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
