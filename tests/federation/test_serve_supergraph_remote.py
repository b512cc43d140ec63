"""Serving a supergraph of remote subgraphs only (`serve --supergraph`, setting `supergraph`): the
"root_fields" family's real Node subgraphs (left, right), composed with Apollo's composition library,
served by credit-gateway's /graphql through the real ASGI app (middleware, keys, audiences).

Covers: a pure remote supergraph queried; undeclared remote fields invisible; /healthz naming the
supergraph; reload (good, bad, not the admin); a subgraph that refuses connections; limits and
introspection per audience; a bad supergraph refused at start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from gateway.cli.main import app as cli_app
from gateway.kernel.errors import ConfigurationError
from gateway.testing import GatewayHarness, served_gateway
from tests.federation.oracle import (
    FAMILIES_DIR,
    NodeProcess,
    compose,
    ensure_node_modules,
    free_port,
    start_subgraphs,
)

FAMILY = "root_fields"
EVERYONE = {"*": "public"}


class Family:
    def __init__(self, workdir: Path, process: NodeProcess, sdl: str) -> None:
        self.workdir = workdir
        self.process = process
        self.sdl = sdl

    def write(self, name: str, text: str) -> Path:
        path = self.workdir / name
        path.write_text(text)
        return path


@pytest.fixture(scope="module")
def family() -> Iterator[Family]:
    ensure_node_modules()
    with tempfile.TemporaryDirectory(prefix="serve-supergraph-remote-") as tmp:
        workdir = Path(tmp)
        process, ready = start_subgraphs(FAMILY, workdir)
        try:
            yield Family(workdir, process, compose(FAMILIES_DIR / FAMILY, ready))
        finally:
            process.stop()


@asynccontextmanager
async def served(supergraph: Path, **settings: Any) -> AsyncIterator[GatewayHarness]:
    """The real app serving ``supergraph`` (core plugins only: the remote graph is the point)."""
    async with GatewayHarness.start(plugins=[], supergraph=str(supergraph), **settings) as harness:
        try:
            yield harness
        finally:
            await harness.app.state.federated_gateway.aclose()


async def post(harness: GatewayHarness, query: str, key: str | None = None, **extra: Any) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    response = await harness.client.post("/graphql", json={"query": query, **extra}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def test_a_pure_remote_supergraph_is_served_at_graphql(family: Family) -> None:
    path = family.write("everyone.graphql", family.sdl)
    async with served(path, subgraph_visibility=EVERYONE) as gw:
        body = await post(gw, '{ version left right things { id name weight } thing(id: "t1") { name } }')
        assert body == {
            "data": {
                "version": "v1",
                "left": 1,
                "right": 2,
                "things": [{"id": "t2", "name": "Two", "weight": 22}, {"id": "t1", "name": "One", "weight": 11}],
                "thing": {"name": "One"},
            }
        }
        variables = await post(gw, "query Q($n: Int) { left(add: $n) }", variables={"n": 41}, operationName="Q")
        assert variables == {"data": {"left": 42}}


async def test_undeclared_remote_fields_are_invisible(family: Family) -> None:
    path = family.write("left-only.graphql", family.sdl)
    # left's fields for everyone, right's for the admin only: Thing.weight and Query.right/things are right's.
    async with served(path, subgraph_visibility={"left": "public", "right": "admin"}) as gw:
        admin = await gw.create_key("admin")
        hidden = await post(gw, "{ right }")
        assert codes(hidden) == ["GRAPHQL_VALIDATION_FAILED"]
        assert "data" not in hidden
        assert codes(await post(gw, '{ thing(id: "t1") { weight } }')) == ["GRAPHQL_VALIDATION_FAILED"]
        assert await post(gw, '{ left thing(id: "t1") { name } }') == {"data": {"left": 1, "thing": {"name": "One"}}}
        # version is served by both subgraphs (@shareable): left's declaration is enough.
        assert await post(gw, "{ version }") == {"data": {"version": "v1"}}
        seen = await post(gw, '{ right thing(id: "t2") { weight } }', admin)
        assert seen == {"data": {"right": 2, "thing": {"weight": 22}}}
    async with served(path) as gw:  # nothing declared: nothing visible
        assert codes(await post(gw, "{ left }")) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_healthz_names_the_served_supergraph(family: Family) -> None:
    path = family.write("health.graphql", family.sdl)
    async with served(path, subgraph_visibility=EVERYONE) as gw:
        health = (await gw.client.get("/healthz")).json()
        assert health["status"] == "ok"
        assert health["supergraph"]["sha256"] == hashlib.sha256(family.sdl.encode()).hexdigest()
        assert health["supergraph"]["subgraphs"] == ["left", "right"]
        assert health["supergraph"]["includesLocal"] is False


async def test_reload_serves_a_good_supergraph_and_refuses_a_bad_one(family: Family) -> None:
    path = family.write("reloaded.graphql", family.sdl)
    async with served(path, subgraph_visibility=EVERYONE) as gw:
        admin = await gw.create_key("admin")
        portal = await gw.create_key("portal")

        async def reload(key: str) -> Any:
            # A JSON body, as the cross-site guard asks of every POST.
            return await gw.client.post("/admin/supergraph/reload", json={}, headers={"authorization": f"Bearer {key}"})

        first = (await gw.client.get("/healthz")).json()["supergraph"]["sha256"]
        assert (await reload(portal)).status_code == 403
        unchanged = await reload(admin)
        assert unchanged.json()["status"] == "unchanged"

        path.write_text("type Query { this is not a supergraph")
        refused = await reload(admin)
        assert refused.status_code == 422
        assert refused.json()["status"] == "refused"
        assert "does not parse" in refused.json()["error"]
        assert refused.json()["supergraph"]["sha256"] == first
        assert await post(gw, "{ left }") == {"data": {"left": 1}}  # the old one keeps serving

        # Parses, but is no supergraph (no join__Graph): refused too.
        path.write_text("type Query { left: Int }")
        assert (await reload(admin)).json()["status"] == "refused"
        assert (await gw.client.get("/healthz")).json()["supergraph"]["sha256"] == first

        changed = family.sdl.replace('"Served by both subgraphs."', '"Served by both subgraphs, reloaded."')
        assert changed != family.sdl
        path.write_text(changed)
        reloaded = await reload(admin)
        assert reloaded.json()["status"] == "reloaded"
        assert reloaded.json()["supergraph"]["sha256"] == hashlib.sha256(changed.encode()).hexdigest()
        assert (await gw.client.get("/healthz")).json()["supergraph"]["sha256"] != first
        assert await post(gw, "{ left right }") == {"data": {"left": 1, "right": 2}}


async def test_a_subgraph_that_refuses_connections_nulls_its_fields_only(family: Family) -> None:
    closed = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    right_url = family.sdl.split('name: "right", url: "')[1].split('"')[0]
    path = family.write("down.graphql", family.sdl.replace(right_url, closed))
    async with served(path, subgraph_visibility=EVERYONE) as gw:
        assert await post(gw, "{ left }") == {"data": {"left": 1}}
        body = await post(gw, "{ right }")
        assert body["data"] is None
        assert codes(body) == ["SUBGRAPH_UNAVAILABLE"]
        # A partial answer: left's field stands; the thing whose non-null weight right could not give is null.
        partial = await post(gw, '{ left thing(id: "t1") { name weight } }')
        assert partial["data"] == {"left": 1, "thing": None}
        assert "SUBGRAPH_UNAVAILABLE" in codes(partial)


async def test_limits_and_introspection_follow_the_audience(family: Family, caplog: pytest.LogCaptureFixture) -> None:
    path = family.write("limits.graphql", family.sdl)
    async with served(path, subgraph_visibility=EVERYONE, role_limits={"public": {"max_aliases": 2}}) as gw:
        admin = await gw.create_key("admin")
        with caplog.at_level(logging.INFO, logger="gateway.access"):
            aliased = await post(gw, "{ a: left b: left c: left }")
        assert codes(aliased) == ["LIMIT_EXCEEDED"]
        assert aliased["errors"][0]["extensions"]["limit"] == "aliases"
        # The access line's outcome is the error's code, as for a local request.
        assert [r.outcome for r in caplog.records if r.name == "gateway.access"] == ["LIMIT_EXCEEDED"]  # type: ignore[attr-defined]
        assert codes(await post(gw, "{ __schema { queryType { name } } }")) == ["INTROSPECTION_DISABLED"]
        introspected = await post(gw, "{ __schema { queryType { name } } }", admin)
        assert introspected == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
        mixed = "{ left __schema { queryType { name } } }"
        assert codes(await post(gw, mixed, admin)) == ["BAD_REQUEST"]
        spread = "query { ...F } fragment F on Query { __schema { queryType { name } } }"
        assert codes(await post(gw, spread, admin)) == ["BAD_REQUEST"]
        assert codes(await post(gw, "{ lefty }")) == ["GRAPHQL_VALIDATION_FAILED"]
        assert codes(await post(gw, "{ left")) == ["GRAPHQL_PARSE_FAILED"]
        assert codes(await post(gw, "query A { left } query B { right }")) == ["OPERATION_NAME_REQUIRED"]
        malformed = await gw.client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
        assert malformed.status_code == 400
        assert malformed.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_bad_supergraph_is_refused_at_start(family: Family) -> None:
    bad = family.write("bad.graphql", "type Query { nope")
    with pytest.raises(ConfigurationError, match="does not parse"):
        async with served(bad):
            pass
    undeclarable = family.write("declared.graphql", family.sdl)
    with pytest.raises(ConfigurationError, match="names 'elsewhere'"):
        async with served(undeclarable, subgraph_visibility={"elsewhere": "public"}):
            pass


def test_serve_refuses_a_bad_supergraph_with_exit_code_1(family: Family) -> None:
    bad = family.write("serve-bad.graphql", "type Query { nope")
    database = f"sqlite+aiosqlite:///{family.workdir / 'never-created.sqlite3'}"
    result = CliRunner().invoke(cli_app, ["serve", "--supergraph", str(bad), "--database-url", database])
    assert result.exit_code == 1
    assert "cannot serve the supergraph" in result.output
    assert "does not parse" in result.output
    assert not (family.workdir / "never-created.sqlite3").exists()


async def test_get_variables_and_an_audience_that_sees_nothing(family: Family) -> None:
    path = family.write("get.graphql", family.sdl)
    async with served(path, subgraph_visibility={"*": "admin"}) as gw:
        admin = await gw.create_key("admin")
        auth = {"authorization": f"Bearer {admin}"}
        got = await gw.client.get(
            "/graphql", params={"query": "query($n: Int) { left(add: $n) }", "variables": '{"n": 2}'}, headers=auth
        )
        assert got.json() == {"data": {"left": 3}}
        wrong = await post(gw, "query($n: Int) { left(add: $n) }", admin, variables={"n": "two"})
        assert codes(wrong) == ["BAD_USER_INPUT"]
        nothing = await post(gw, "{ left }")  # the public: every field is the admin's
        assert codes(nothing) == ["GRAPHQL_VALIDATION_FAILED"]
        assert (await gw.client.put("/graphql", json={"query": "{ left }"}, headers=auth)).status_code == 405
        page = await gw.client.get("/graphql", headers={"accept": "text/html"})  # a browser: GraphiQL
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")


def test_credit_gateway_serve_supergraph_serves_it_over_http(family: Family) -> None:
    path = family.write("served.graphql", family.sdl)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
    env["CREDIT_GATEWAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{family.workdir / 'served.sqlite3'}"
    env["CREDIT_GATEWAY_SUBGRAPH_VISIBILITY"] = json.dumps(EVERYONE)
    args = ["--demo", "--demo-subjects", "1", "--workers", "1", "--supergraph", str(path)]
    with served_gateway(args, env) as base, httpx.Client(base_url=base, trust_env=False, timeout=20) as client:
        health = client.get("/healthz").json()
        assert health["supergraph"]["sha256"] == hashlib.sha256(family.sdl.encode()).hexdigest()
        assert client.post("/graphql", json={"query": "{ left right }"}).json() == {"data": {"left": 1, "right": 2}}


async def test_an_operation_that_cannot_be_planned_is_refused_with_its_code(family: Family) -> None:
    # Edited after composition (which would refuse it): left no longer lets anyone fetch a Thing by its key,
    # so the name of a Thing that right's `things` lists cannot be reached.
    cut = family.sdl.replace(
        '@join__type(graph: LEFT, key: "id")', '@join__type(graph: LEFT, key: "id", resolvable: false)'
    )
    assert cut != family.sdl
    path = family.write("unplannable.graphql", cut)
    async with served(path, subgraph_visibility=EVERYONE) as gw:
        body = await post(gw, "{ things { name } }")
        assert codes(body) == ["OPERATION_NOT_PLANNABLE"]
        assert "data" not in body
        assert await post(gw, "{ things { weight } }") == {"data": {"things": [{"weight": 22}, {"weight": 11}]}}


async def test_a_reload_that_moves_a_subgraph_sends_to_its_new_address(family: Family) -> None:
    right_url = family.sdl.split('name: "right", url: "')[1].split('"')[0]
    moved_away = family.sdl.replace(right_url, f"http://127.0.0.1:{free_port()}/")
    path = family.write("moving.graphql", moved_away)
    async with served(path, subgraph_visibility=EVERYONE) as gw:
        gateway = gw.app.state.federated_gateway
        assert codes(await post(gw, "{ right }")) == ["SUBGRAPH_UNAVAILABLE"]
        path.write_text(family.sdl)
        assert (await gateway.reload()).status == "reloaded"
        assert dict(gateway.loaded.remote_urls)["right"] == right_url
        assert await post(gw, "{ right }") == {"data": {"right": 2}}
