"""The gateway is a valid Apollo Federation v2 subgraph: composed with Apollo's own library
(@apollo/composition from npm) beside a second subgraph, and its entities resolve in batches."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.db.engine import count_statements
from gateway.federation.compose import COMPOSE_SCRIPT
from gateway.host.demo import demo_subjects, seed_subjects
from gateway.testing import GatewayHarness, error_codes
from testsupport.paths import ROOT

HERE = ROOT / "tests" / "federation"


@pytest.fixture(scope="module")
def composer() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are needed to run Apollo's composition library")
    if not (HERE / "node_modules" / "@apollo" / "composition").is_dir():
        installed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(HERE)], capture_output=True, text=True, timeout=600
        )
        if installed.returncode != 0:
            pytest.skip(f"npm ci failed (offline?): {installed.stderr[-500:]}")
    return COMPOSE_SCRIPT  # the script `supergraph compose` ships, with this folder's node_modules


def _compose(composer: Path, subgraphs: list[dict[str, str]]) -> dict:
    result = subprocess.run(
        ["node", str(composer), str(HERE)], input=json.dumps(subgraphs), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def test_composes_with_a_second_subgraph(composer: Path) -> None:
    async with GatewayHarness.start() as gw:
        # The SDL is for machine clients holding a key; the admin's is the whole graph.
        body = await gw.graphql("{ _service { sdl } }", key=await gw.create_key("admin"))
    sdl = body["data"]["_service"]["sdl"]
    loans = (HERE / "second_subgraph.graphql").read_text()
    outcome = _compose(
        composer,
        [
            {"name": "credit-gateway", "url": "http://gateway.test/graphql", "sdl": sdl},
            {"name": "loans", "url": "http://loans.test/graphql", "sdl": loans},
        ],
    )
    assert outcome["ok"], outcome
    supergraph = outcome["supergraphSdl"]
    assert '@join__type(graph: CREDIT_GATEWAY, key: "code")' in supergraph
    assert '@join__type(graph: LOANS, key: "code")' in supergraph
    assert "loanApplications: [LoanApplication!]! @join__field(graph: LOANS)" in supergraph
    assert "tax: TaxProfile" in supergraph


async def test_composition_reports_a_conflicting_subgraph(composer: Path) -> None:
    async with GatewayHarness.start(plugins=[]) as gw:
        sdl = (await gw.graphql("{ _service { sdl } }", key=await gw.create_key("admin")))["data"]["_service"]["sdl"]
    clash = (
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])\n'
        'type CreditSubject @key(fields: "code") { code: String! name: Int! }\ntype Query { x: Int }'
    )
    outcome = _compose(
        composer,
        [
            {"name": "credit-gateway", "url": "http://a/graphql", "sdl": sdl},
            {"name": "other", "url": "http://b/graphql", "sdl": clash},
        ],
    )
    assert not outcome["ok"]
    assert {e["code"] for e in outcome["errors"]} & {"FIELD_TYPE_MISMATCH", "INVALID_FIELD_SHARING"}


async def test_entities_resolve_in_one_batch(database_url: str | None) -> None:
    async with GatewayHarness.start(database_url=database_url, plugins=[]) as gw:
        if database_url:
            await gw.truncate()
        people = [s for s in demo_subjects(60) if not s.code.is_natural_person][:40]  # persons: not public
        await seed_subjects(gw.engine, people, gw.settings.secret_key)
        query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on CreditSubject { code name } } }"

        async def run(n: int) -> tuple[int, dict]:
            reps = [{"__typename": "CreditSubject", "code": s.code.value} for s in people[:n]]
            with count_statements(gw.engine) as counter:
                body = await gw.graphql(query, {"r": reps})
            return counter.count, body

        one, body_one = await run(1)
        many, body_many = await run(40)
        assert one == many == 1
        assert [e["name"] for e in body_many["data"]["_entities"]] == [s.name for s in people[:40]]
        assert body_one["data"]["_entities"][0]["code"] == people[0].code.value


async def test_the_sdl_is_not_for_the_public() -> None:
    async with GatewayHarness.start(plugins=[]) as gw:
        assert error_codes(await gw.graphql("{ _service { sdl } }")) == ["GRAPHQL_VALIDATION_FAILED"]
        portal = await gw.graphql("{ _service { sdl } }", key=await gw.create_key("portal"))
        assert "type CreditSubject" in portal["data"]["_service"]["sdl"]
