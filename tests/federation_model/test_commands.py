"""`credit-gateway supergraph compose` fetches each subgraph's SDL over real HTTP and composes them with
Apollo's library; `supergraph check` validates the result. One subgraph is credit-gateway itself (its
own SDL, behind an API key as the product serves it), the other a small loans subgraph."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli.main import app
from gateway.testing import GatewayHarness

LOANS = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type CreditSubject @key(fields: "code") { code: String! loans: [Loan!]! }
type Loan { id: ID! amount: Float! }
type Query { loan(id: ID!): Loan }
"""
KEY = "X-API-Key"


@contextmanager
def sdl_server(sdl: str, api_key: str | None = None) -> Iterator[str]:
    """A real HTTP subgraph answering { _service { sdl } } (only with the key, when one is given)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["query"]
            if api_key is not None and self.headers.get(KEY) != api_key:
                status, body = 401, {"errors": [{"message": "a key is needed"}]}
            elif "_service" in query:
                status, body = 200, {"data": {"_service": {"sdl": sdl}}}
            else:
                status, body = 400, {"errors": [{"message": "only _service here"}]}
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: object) -> None:  # quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/graphql"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
async def gateway_sdl() -> str:
    async with GatewayHarness.start(plugins=["tax"]) as gw:
        body = await gw.graphql("{ _service { sdl } }", key=await gw.create_key("admin"))
    return body["data"]["_service"]["sdl"]


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


async def test_compose_then_check(gateway_sdl: str, composition_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "supergraph.graphql"
    with sdl_server(gateway_sdl, api_key="secret") as gateway_url, sdl_server(LOANS) as loans_url:
        code, output = _run(
            "supergraph", "compose",
            "--subgraph", f"credit-gateway={gateway_url}",
            "--subgraph", f"loans={loans_url}",
            "--header", f"{KEY}: secret",
            "--node-modules", str(composition_dir),
            "--out", str(out),
        )  # fmt: skip
    assert code == 0, output
    assert "wrote" in output and "(2 subgraphs)" in output
    supergraph = out.read_text()
    assert f'@join__graph(name: "loans", url: "{loans_url}")' in supergraph
    assert "loans: [Loan!]! @join__field(graph: LOANS)" in supergraph

    code, output = _run(
        "supergraph", "check", str(out), env={"CREDIT_GATEWAY_SUBGRAPH_VISIBILITY": '{"loans": "partner"}'}
    )
    assert code == 0, output
    assert "credit-gateway" in output and loans_url in output
    rows = [line.split("│") for line in output.splitlines() if "CreditSubject" in line]
    assert sorted((cells[2].strip(), cells[3].strip()) for cells in rows) == [
        ("credit-gateway", "code"),
        ("loans", "code"),
    ]


async def test_compose_finds_the_library_in_the_environment(composition_dir: Path, tmp_path: Path) -> None:
    with sdl_server(LOANS) as loans_url:
        code, output = _run(
            "supergraph", "compose", "--subgraph", f"loans={loans_url}", "--out", str(tmp_path / "s.graphql"),
            env={"CREDIT_GATEWAY_COMPOSITION_DIR": str(composition_dir)},
        )  # fmt: skip
    assert code == 0, output


def test_compose_says_how_to_install_the_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDIT_GATEWAY_COMPOSITION_DIR", raising=False)
    args = ("supergraph", "compose", "--subgraph", "a=http://127.0.0.1:9/graphql", "--out", str(tmp_path / "s"))
    code, output = _run(*args)
    assert code == 1 and "npm install @apollo/composition@2.14.4 --prefix DIR" in output
    code, output = _run(*args, "--node-modules", str(tmp_path))
    assert code == 1 and f"npm install @apollo/composition@2.14.4 --prefix {tmp_path}" in " ".join(output.split())


def test_compose_reports_composition_errors(composition_dir: Path, tmp_path: Path) -> None:
    clash = LOANS.replace("code: String! loans", "code: Int! loans")
    with sdl_server(LOANS) as first, sdl_server(clash) as second:
        code, output = _run(
            "supergraph", "compose", "--subgraph", f"a={first}", "--subgraph", f"b={second}",
            "--node-modules", str(composition_dir), "--out", str(tmp_path / "s.graphql"),
        )  # fmt: skip
    assert code == 1 and "do not compose" in output and "FIELD_TYPE_MISMATCH" in output
    assert not (tmp_path / "s.graphql").exists()


def test_compose_reports_a_subgraph_it_cannot_read(composition_dir: Path, tmp_path: Path) -> None:
    with sdl_server(LOANS, api_key="secret") as url:
        code, output = _run(
            "supergraph", "compose", "--subgraph", f"loans={url}",
            "--node-modules", str(composition_dir), "--out", str(tmp_path / "s.graphql"),
        )  # fmt: skip
    assert code == 1 and "subgraph 'loans'" in output and "a key is needed" in output
    code, output = _run("supergraph", "compose", "--subgraph", "loans", "--out", str(tmp_path / "s"))
    assert code == 1 and "name=http(s)://host/graphql" in output


def test_check_refuses_bad_input(tmp_path: Path) -> None:
    plain = tmp_path / "plain.graphql"
    plain.write_text("type Query { a: Int }")
    code, output = _run("supergraph", "check", str(plain))
    assert code == 1 and "not a supergraph" in output
    code, output = _run("supergraph", "check", str(tmp_path / "missing.graphql"))
    assert code == 1 and "cannot read the supergraph" in output


async def test_check_refuses_an_unknown_visibility_or_subgraph(
    gateway_sdl: str, composition_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "supergraph.graphql"
    with sdl_server(LOANS) as loans_url:
        code, output = _run(
            "supergraph", "compose", "--subgraph", f"loans={loans_url}",
            "--node-modules", str(composition_dir), "--out", str(out),
        )  # fmt: skip
    assert code == 0, output
    code, output = _run(
        "supergraph", "check", str(out), env={"CREDIT_GATEWAY_SUBGRAPH_VISIBILITY": '{"*": "everyone"}'}
    )
    assert code == 1 and "subgraph_visibility['*']" in output and "unknown visibility 'everyone'" in output
    code, output = _run(
        "supergraph", "check", str(out), env={"CREDIT_GATEWAY_SUBGRAPH_VISIBILITY": '{"bank": "admin"}'}
    )
    assert code == 1 and "names 'bank', which the supergraph does not" in output
