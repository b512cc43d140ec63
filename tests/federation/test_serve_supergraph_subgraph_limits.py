"""Per-subgraph timeouts and concurrency limits of a served supergraph (settings ``subgraph_timeouts``,
``subgraph_concurrency``, gateway.federation.serving.subgraph_limits): the supergraph is composed by
Apollo's library over raw HTTP subgraphs started here that hold their requests until told
(tests/federation/raw_http.py), so the server counts what reaches it. A subgraph with a short timeout
is null with SUBGRAPH_TIMEOUT while one with a longer timeout answers; a concurrency limit lets no more
requests than it says reach that subgraph; identical requests at once reach it once
(``subgraph_deduplication``), as the metrics count; a bad value, a subgraph the supergraph does not have, or the
in-process one are refused at start, by ``supergraph check`` and at a reload (the old supergraph serving
on)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from pydantic import ValidationError
from typer.testing import CliRunner

from gateway.cli.main import app as cli_app
from gateway.federation.serving import FederatedGateway
from gateway.federation.serving.subgraph_limits import SubgraphLimits
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.settings import Settings
from gateway.testing import GatewayHarness
from tests.federation.oracle import compose, ensure_node_modules
from tests.federation.raw_http import HoldingServer, held_under_limit, raw_server

# How long a test waits for something it caused before it fails: a guard, never a timing assertion.
PATIENCE_S = 30.0
SDL = """extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query {{ {name}Answer: String }}
"""


def subgraph(name: str, **options: Any) -> HoldingServer:
    """A subgraph serving ``{ <name>Answer }`` with the answer ``name``."""
    return HoldingServer(json.dumps({"data": {f"{name}Answer": name}}).encode(), **options)


@asynccontextmanager
async def composed(
    workdir: Path, servers: Mapping[str, HoldingServer], file: str = "supergraph.graphql"
) -> AsyncIterator[Path]:
    """The servers started, and the supergraph of them written to ``workdir/file``. Every held request is
    released at the end, so that no handler outlives the test."""
    async with AsyncExitStack() as stack:
        ready = {}
        for name, server in servers.items():
            stack.callback(server.release.set)
            (workdir / f"{name}.graphql").write_text(SDL.format(name=name))
            ready[name] = {"url": await stack.enter_async_context(raw_server(server)), "sdl": f"{name}.graphql"}
        path = workdir / file
        path.write_text(await asyncio.to_thread(compose, workdir, ready))
        yield path


@asynccontextmanager
async def served(supergraph: Path, **settings: Any) -> AsyncIterator[GatewayHarness]:
    options = {"supergraph": str(supergraph), "subgraph_visibility": {"*": "public"}, **settings}
    async with GatewayHarness.start(plugins=[], **options) as gw:
        try:
            yield gw
        finally:
            await gw.app.state.federated_gateway.aclose()


async def ask(gw: GatewayHarness, query: str) -> dict[str, Any]:
    return (await gw.client.post("/graphql", json={"query": query})).json()


@pytest.fixture(scope="module", autouse=True)
def node_modules() -> None:
    ensure_node_modules()


async def test_a_short_timeout_nulls_its_subgraph_while_a_longer_one_answers(tmp_path: Path) -> None:
    slow = subgraph("slow")
    # Answered only once the gateway has given up on the slow subgraph: it waits past slow's timeout.
    patient = subgraph("patient", release=slow.hung_up)
    async with (
        composed(tmp_path, {"slow": slow, "patient": patient}) as supergraph,
        served(supergraph, subgraph_timeouts={"slow": 0.3}, subgraph_timeout_seconds=PATIENCE_S) as gw,
    ):
        body = await ask(gw, "{ slowAnswer patientAnswer }")
    assert body["data"] == {"slowAnswer": None, "patientAnswer": "patient"}
    [error] = body["errors"]
    assert error["path"] == ["slowAnswer"]
    assert error["extensions"]["code"] == "SUBGRAPH_TIMEOUT"
    assert "did not answer within 0.3 s" in error["message"]
    assert (slow.requests, patient.requests) == (1, 1)  # the timed-out query was not sent again


async def test_a_concurrency_limit_bounds_the_requests_in_flight_to_its_subgraph(tmp_path: Path) -> None:
    narrow, wide = subgraph("narrow"), subgraph("wide")
    async with (
        composed(tmp_path, {"narrow": narrow, "wide": wide}) as supergraph,
        # Identical requests, each sent (not deduplicated): the limit, not the deduplication, at work.
        served(supergraph, subgraph_concurrency={"narrow": 2}, subgraph_deduplication=False) as gw,
    ):
        asked = [asyncio.create_task(ask(gw, f"{{ {name}Answer }}")) for name in ("narrow", "wide") for _ in range(6)]
        # Six client requests to each at once: all six reach the subgraph without a limit of its own (64).
        assert await held_under_limit(narrow, wide, limit=2, sent=6, patience_s=PATIENCE_S) == 2
        answers = await asyncio.gather(*asked)
    assert answers == [{"data": {"narrowAnswer": "narrow"}}] * 6 + [{"data": {"wideAnswer": "wide"}}] * 6
    assert (narrow.most, narrow.requests) == (2, 6)
    assert (wide.most, wide.requests) == (6, 6)


@pytest.mark.parametrize(
    ("deduplication", "requests"),
    [(True, 1), (False, 4), ({"held": False, "*": True}, 4), ({"other": False}, 1)],
)
async def test_identical_client_requests_at_once_reach_a_subgraph_once(
    tmp_path: Path, deduplication: bool | dict[str, bool], requests: int
) -> None:
    """Four clients ask the same at once: the subgraph is asked once, each client gets the whole answer; with
    ``subgraph_deduplication`` off, for all or for this subgraph by name, it is asked four times."""
    held, other = subgraph("held"), subgraph("other")
    before = {name: _sample(name, subgraph="held") for name in _FETCH_METRICS}
    async with (
        composed(tmp_path, {"held": held, "other": other}) as supergraph,
        served(supergraph, subgraph_deduplication=deduplication) as gw,
    ):
        asked = [asyncio.create_task(ask(gw, "{ heldAnswer }")) for _ in range(4)]
        async with asyncio.timeout(PATIENCE_S):  # a guard against a hang, not a timing assertion
            await held.reached(requests)
            # Until the other clients have joined the request in flight (the server counts them in its metrics).
            while _shared_since(before) < 4 - requests:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        held.release.set()
        answers = await asyncio.gather(*asked)
    assert answers == [{"data": {"heldAnswer": "held"}}] * 4
    assert held.requests == requests
    # The server's metrics count what was sent and what was shared.
    counted = {name: _sample(name, subgraph="held") - before[name] for name in _FETCH_METRICS}
    assert counted == {
        "credit_gateway_subgraph_fetches_total": requests,
        "credit_gateway_subgraph_fetch_duration_seconds_count": requests,
        "credit_gateway_subgraph_shared_answers_total": 4 - requests,
    }


_FETCH_METRICS = (
    "credit_gateway_subgraph_fetches_total",
    "credit_gateway_subgraph_fetch_duration_seconds_count",
    "credit_gateway_subgraph_shared_answers_total",
)


def _shared_since(before: dict[str, float]) -> float:
    """The held subgraph's fetches answered by one in flight since ``before`` (the server's metrics)."""
    name = "credit_gateway_subgraph_shared_answers_total"
    return _sample(name, subgraph="held") - before[name]


def _sample(name: str, **labels: str) -> float:
    """The sum of ``name``'s samples with ``labels`` in this process's registry (0 when none yet)."""
    return sum(
        sample.value
        for metric in REGISTRY.collect()
        for sample in metric.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"subgraph_timeouts": {"loans": 0}},
            "subgraph_timeouts['loans'] must be a number of seconds above 0 and at most 300, not 0",
        ),
        ({"subgraph_timeouts": {"loans": 301}}, "at most 300, not 301"),
        ({"subgraph_timeouts": {"loans": "2"}}, "at most 300, not '2'"),
        ({"subgraph_timeouts": {"loans": True}}, "at most 300, not True"),
        ({"subgraph_timeouts": {"": 1}}, "subgraph_timeouts has an empty subgraph name"),
        ({"subgraph_timeouts": [2.5]}, "subgraph_timeouts must be a JSON object"),
        ({"subgraph_concurrency": {"*": 0}}, "subgraph_concurrency['*'] must be a whole number from 1 to 1000, not 0"),
        ({"subgraph_concurrency": {"*": 2.5}}, "from 1 to 1000, not 2.5"),
        ({"subgraph_concurrency": {"*": 1001}}, "from 1 to 1000, not 1001"),
        (
            {"subgraph_deduplication": {"loans": "no"}},
            "subgraph_deduplication['loans'] must be true or false, not 'no'",
        ),
        ({"subgraph_deduplication": {"loans": 0}}, "subgraph_deduplication['loans'] must be true or false, not 0"),
        ({"subgraph_deduplication": [False]}, "subgraph_deduplication must be a JSON object"),
        ({"subgraph_deduplication": "maybe"}, "subgraph_deduplication must be a JSON object"),
    ],
)
def test_a_bad_value_is_refused_with_the_setting_and_the_subgraph(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(**settings)
    assert message in str(refused.value)


def test_the_values_are_read_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDIT_GATEWAY_SUBGRAPH_TIMEOUTS", '{"loans": 2.5, "*": 10}')
    monkeypatch.setenv("CREDIT_GATEWAY_SUBGRAPH_CONCURRENCY", '{"loans": 8}')
    settings = Settings()
    assert (settings.subgraph_timeouts, settings.subgraph_concurrency) == ({"loans": 2.5, "*": 10}, {"loans": 8})
    monkeypatch.setenv("CREDIT_GATEWAY_SUBGRAPH_CONCURRENCY", '{"loans": -8}')
    with pytest.raises(ValidationError, match=r"subgraph_concurrency\['loans'\] must be a whole number"):
        Settings()
    monkeypatch.delenv("CREDIT_GATEWAY_SUBGRAPH_CONCURRENCY")
    for raw, read in [("false", False), ("true", True), ('{"loans": false, "*": true}', {"loans": False, "*": True})]:
        monkeypatch.setenv("CREDIT_GATEWAY_SUBGRAPH_DEDUPLICATION", raw)
        assert Settings().subgraph_deduplication == read


def test_subgraph_timeout_seconds_stays_the_default_under_a_map_without_star() -> None:
    options = SubgraphLimits(7.0, {"loans": 2.5}, {"loans": 8}).transport_options()
    assert options == {"timeout_s": {"loans": 2.5, "*": 7.0}, "max_concurrency": {"loans": 8}, "deduplicate": True}
    assert SubgraphLimits(deduplication={"loans": False}).transport_options()["deduplicate"] == {"loans": False}
    assert SubgraphLimits(7.0, {"*": 3.0}).transport_options()["timeout_s"] == {"*": 3.0}


def test_the_in_process_subgraph_cannot_be_limited() -> None:
    limits = SubgraphLimits(concurrency={"credit-gateway": 4})
    with pytest.raises(
        ConfigurationError, match="subgraph_concurrency names 'credit-gateway', the in-process subgraph"
    ):
        limits.check_subgraphs({"credit-gateway": object(), "loans": object()}, "credit-gateway")


async def test_start_and_supergraph_check_refuse_a_subgraph_the_supergraph_does_not_have(tmp_path: Path) -> None:
    async with composed(tmp_path, {"loans": subgraph("loans")}) as supergraph:
        for setting, env in [
            ("subgraph_timeouts", "SUBGRAPH_TIMEOUTS"),
            ("subgraph_concurrency", "SUBGRAPH_CONCURRENCY"),
            ("subgraph_deduplication", "SUBGRAPH_DEDUPLICATION"),
        ]:
            value = False if setting == "subgraph_deduplication" else 4
            message = f"{setting} names 'bank', which the supergraph does not; its subgraphs: loans"
            with pytest.raises(ConfigurationError, match=message):
                async with served(supergraph, **{setting: {"bank": value}}):
                    pass
            result = await asyncio.to_thread(
                CliRunner().invoke,
                cli_app,
                ["supergraph", "check", str(supergraph)],
                env={f"CREDIT_GATEWAY_{env}": json.dumps({"bank": value})},
            )
            assert result.exit_code == 1 and message in result.output, result.output
        result = await asyncio.to_thread(
            CliRunner().invoke,
            cli_app,
            ["supergraph", "check", str(supergraph)],
            env={"CREDIT_GATEWAY_SUBGRAPH_TIMEOUTS": '{"loans": 2, "*": 5}'},
        )
        assert result.exit_code == 0, result.output


async def test_a_reload_that_drops_a_limited_subgraph_is_refused_and_the_old_supergraph_serves_on(
    tmp_path: Path,
) -> None:
    loans, bank = subgraph("loans"), subgraph("bank")
    loans.release.set()
    async with (
        composed(tmp_path, {"loans": loans, "bank": bank}) as supergraph,
        composed(tmp_path, {"loans": loans}, "without-bank.graphql") as without_bank,
        served(supergraph, subgraph_timeouts={"bank": 5}) as gw,
    ):
        gateway: FederatedGateway = gw.app.state.federated_gateway
        served_sha = gateway.loaded.sha256
        supergraph.write_text(without_bank.read_text())
        outcome = await gateway.reload()
        assert outcome.status == "refused"
        assert "subgraph_timeouts names 'bank', which the supergraph does not" in (outcome.error or "")
        assert gateway.loaded.sha256 == served_sha
        assert await ask(gw, "{ loansAnswer }") == {"data": {"loansAnswer": "loans"}}
