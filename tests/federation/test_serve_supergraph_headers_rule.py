"""Header propagation is a configured rule, never everything (issue 13, part 3): setting
``subgraph_headers`` names the client headers each subgraph gets and fixed ones to set; credentials only
for a subgraph named explicitly; hop-by-hop headers never. Checked at start and by ``credit-gateway
supergraph check`` with the same error. The "echo" subgraph (tests/federation/echo/, @apollo/subgraph's
schema over a plain Node HTTP server) answers with the headers it received.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gateway.cli.main import app as cli_app
from gateway.federation.serving.headers import HeaderRules
from gateway.kernel.errors import ConfigurationError
from gateway.testing import GatewayHarness
from tests.federation.oracle import HERE, compose, ensure_node_modules, start_subgraphs

ECHO = "{ receivedHeaders { name value } }"
CLIENT_HEADERS = {
    "accept-language": "zh-CN",
    "x-purpose": "loan application",
    "x-request-tag": "t-1",
    "cookie": "session=abc",
    "x-api-key": "not-for-subgraphs",
    "x-unnamed": "never forwarded",
}


@pytest.fixture(scope="module")
def supergraph() -> Iterator[Path]:
    ensure_node_modules()
    with tempfile.TemporaryDirectory(prefix="serve-supergraph-headers-") as tmp:
        workdir = Path(tmp)
        process, ready = start_subgraphs("../echo", workdir)  # serve-family.mjs resolves it to tests/federation/echo
        try:
            path = workdir / "supergraph.graphql"
            path.write_text(compose(HERE / "echo", ready))
            yield path
        finally:
            process.stop()


@asynccontextmanager
async def served(supergraph: Path, database_url: str | None, rule: dict[str, Any]) -> AsyncIterator[GatewayHarness]:
    settings = {"supergraph": str(supergraph), "subgraph_visibility": {"*": "public"}, "subgraph_headers": rule}
    async with GatewayHarness.start(database_url=database_url, **settings) as harness:
        try:
            if database_url is not None:
                await harness.truncate()
            yield harness
        finally:
            await harness.app.state.federated_gateway.aclose()


async def received(gw: GatewayHarness, headers: dict[str, str]) -> dict[str, str]:
    response = await gw.client.post("/graphql", json={"query": ECHO}, headers=headers)
    body = response.json()
    assert "errors" not in body, body
    return {h["name"]: h["value"] for h in body["data"]["receivedHeaders"]}


async def test_without_a_rule_no_client_header_reaches_a_subgraph(supergraph: Path, database_url: str | None) -> None:
    async with served(supergraph, database_url, {}) as gw:
        key = await gw.create_key("portal")
        got = await received(gw, {**CLIENT_HEADERS, "authorization": f"Bearer {key}"})
    assert not set(got) & {*CLIENT_HEADERS, "authorization"}
    assert got["content-type"] == "application/json"


async def test_the_rule_forwards_named_headers_and_sets_fixed_ones(supergraph: Path, database_url: str | None) -> None:
    rule = {
        "*": {"forward": ["Accept-Language", "x-request-tag"]},
        "echo": {"forward": ["x-purpose"], "set": {"x-caller": "credit-gateway"}},
    }
    async with served(supergraph, database_url, rule) as gw:
        key = await gw.create_key("portal")
        got = await received(gw, {**CLIENT_HEADERS, "authorization": f"Bearer {key}"})
        # A header the client did not send is not made up.
        absent = await received(gw, {"x-purpose": "credit review"})
    assert {name: got[name] for name in ("accept-language", "x-request-tag", "x-purpose", "x-caller")} == {
        "accept-language": "zh-CN",
        "x-request-tag": "t-1",
        "x-purpose": "loan application",
        "x-caller": "credit-gateway",
    }
    assert not set(got) & {"cookie", "x-api-key", "x-unnamed", "authorization"}
    assert absent["x-purpose"] == "credit review" and "accept-language" not in absent


async def test_a_credential_goes_only_to_the_subgraph_that_names_it(supergraph: Path, database_url: str | None) -> None:
    rule = {"echo": {"forward": ["authorization", "cookie"]}}
    async with served(supergraph, database_url, rule) as gw:
        key = await gw.create_key("portal")
        got = await received(gw, {"authorization": f"Bearer {key}", "cookie": "session=abc"})
    assert got["authorization"] == f"Bearer {key}" and got["cookie"] == "session=abc"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"*": {"forward": ["authorization"]}}, "'authorization' is a credential; name it for each subgraph"),
        ({"*": {"set": {"Cookie": "a=b"}}}, "'Cookie' is a credential"),
        ({"echo": {"forward": ["connection"]}}, "'connection' describes one connection"),
        ({"echo": {"set": {"content-length": "3"}}}, "'content-length' describes one connection"),
        ({"echo": {"forward": ["bad header"]}}, "'bad header' is not a header name"),
        ({"echo": {"forward": "x-purpose"}}, "subgraph_headers['echo'].forward must be a list"),
        ({"echo": {"copy": ["x-purpose"]}}, 'must be an object with "forward"'),
        ({"echo": {"set": {"x-a": "1\r\nx-b: 2"}}}, "holds a line break"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        HeaderRules.parse(rule)
    assert message in str(refused.value)


async def test_start_and_supergraph_check_refuse_the_same_rules(supergraph: Path, database_url: str | None) -> None:
    for rule, message in [
        ({"loans": {"forward": ["x-purpose"]}}, "subgraph_headers names 'loans', which the supergraph does not"),
        ({"*": {"forward": ["x-api-key"]}}, "'x-api-key' is a credential"),
    ]:
        with pytest.raises(ConfigurationError, match=message):
            async with served(supergraph, database_url, rule):
                pass
        result = CliRunner().invoke(
            cli_app, ["supergraph", "check", str(supergraph)], env={"CREDIT_GATEWAY_SUBGRAPH_HEADERS": json.dumps(rule)}
        )
        assert result.exit_code == 1 and message in result.output, result.output
    accepted = {"echo": {"forward": ["authorization"]}}
    result = CliRunner().invoke(
        cli_app, ["supergraph", "check", str(supergraph)], env={"CREDIT_GATEWAY_SUBGRAPH_HEADERS": json.dumps(accepted)}
    )
    assert result.exit_code == 0, result.output
