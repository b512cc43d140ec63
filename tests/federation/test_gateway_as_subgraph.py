"""credit-gateway as a Federation v2 subgraph behind a real router, end to end.

credit-gateway is served over HTTP (`credit-gateway serve` on a SQLite database seeded by `credit-gateway
demo`), the "loans" Node subgraph (tests/federation/loans/) beside it, both composed with Apollo's
composition library and served by Hive Gateway, which sends credit-gateway the router's key. Queries cross
both subgraphs in each direction. Every process runs in its own process group and is ended at the end
(the oracle harness's NodeProcess), also when a step fails.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.federation.oracle import (
    HERE,
    LOCAL,
    STARTUP_TIMEOUT_S,
    NodeProcess,
    OracleError,
    compose,
    ensure_node_modules,
    free_port,
    node_missing_reason,
    post_graphql,
    start_hive,
    start_subgraphs,
)

LOANS_FOLDER = HERE / "loans"
DEMO_SUBJECTS = 20  # the anchors and a few more: all the test needs, seeded in a few seconds
KEY_ENV = "CREDIT_GATEWAY_ROUTER_KEY"  # Hive reads the key from its environment, never from a file or a log
# Hive's transport interpolates {env.…} in the headers of a subgraph's transport entry.
HIVE_CONFIG = f"""export const gatewayConfig = {{
  transportEntries: {{
    'credit-gateway': {{ headers: [['authorization', 'Bearer {{env.{KEY_ENV}}}']] }},
  }},
}};
"""

FUZHOU_MINDU = {"code": "91350100M000100Y43", "name": "福州闽都信用示范科技有限公司", "kind": "LEGAL_PERSON"}
BEIJING_JINGHUA = {"code": "91110000600037341L", "name": "北京京华建设集团有限公司", "kind": "LEGAL_PERSON"}
NOT_SEEDED = "91440305YMWXHD20C1"  # well-formed, the demo's 22nd subject: not among the DEMO_SUBJECTS seeded


@dataclass
class Stack:
    """credit-gateway, the loans subgraph and Hive Gateway over both."""

    workdir: Path
    admin_key: str = ""
    router_key: str = ""
    gateway_url: str = ""
    router_url: str = ""
    credit_gateway: NodeProcess | None = None
    processes: list[NodeProcess] = field(default_factory=list)

    def send(self, query: str) -> dict[str, Any]:
        status, body = post_graphql(self.router_url, query)
        assert status == 200, body
        return body

    def select_statements(self) -> float:
        """credit-gateway's SELECT count so far, from its /metrics (admin key)."""
        request = urllib.request.Request(
            self.gateway_url.replace("/graphql", "/metrics"), headers={"authorization": f"Bearer {self.admin_key}"}
        )
        with LOCAL.open(request, timeout=10) as answer:
            text = answer.read().decode()
        found = re.search(r'^credit_gateway_sql_statements_total\{statement="SELECT"\} (\S+)$', text, re.M)
        return float(found.group(1)) if found else 0.0

    def entities_directly(self, codes: list[str], selection: str) -> dict[str, Any]:
        """credit-gateway's `_entities` asked directly with the router's key, as Hive asks it."""
        query = f"query($r: [_Any!]!) {{ _entities(representations: $r) {{ ... on CreditSubject {{ {selection} }} }} }}"
        representations = [{"__typename": "CreditSubject", "code": code} for code in codes]
        return _post_with_key(self.gateway_url, self.router_key, query, {"r": representations})

    def graphql_posts_seen(self) -> list[str]:
        """credit-gateway's access-log lines of POST /graphql, in order."""
        assert self.credit_gateway is not None
        return [line for line in self.credit_gateway.log_text().splitlines() if "POST /graphql" in line]

    def graphql_posts_after(self, seen: int, count: int, timeout: float = 10.0) -> list[str]:
        """The access-log lines of POST /graphql after the first ``seen``, once ``count`` of them are there:
        the gateway writes its access line after it has sent the response, so the router (and the test)
        may have the answer before the line is in the log."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.graphql_posts_seen()[seen:]
            if len(lines) >= count or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)  # a separate process's log file: nothing to await

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _post_with_key(url: str, key: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    payload = json.dumps({"query": query, "variables": variables or {}}).encode()
    headers = {"content-type": "application/json", "authorization": f"Bearer {key}"}
    with LOCAL.open(urllib.request.Request(url, data=payload, headers=headers), timeout=20) as answer:
        return json.loads(answer.read())


def _cli(database_url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args, "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise OracleError(f"credit-gateway {args[0]} failed: {done.stderr[-2000:]}")
    return done.stdout


def _create_key(database_url: str, role: str) -> str:
    printed = _cli(database_url, "clients", "create", "--role", role, "--name", f"federation-{role}")
    found = re.search(r"\bcg_\S+", printed)
    if found is None:
        raise OracleError("`clients create` printed no key")
    return found.group(0)


def _listen_args(port: int) -> list[str]:
    return ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]


def _serve_credit_gateway(stack: Stack, database_url: str) -> None:
    port = free_port()
    process = NodeProcess(  # not Node, but the same process-group handling
        "credit-gateway",
        [sys.executable, "-m", "gateway.cli", "serve", "--database-url", database_url, *_listen_args(port)],
        stack.workdir / "credit-gateway.log",
        stack.workdir,
    )
    stack.processes.append(process)
    stack.credit_gateway = process
    process.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        process.check_alive()
        try:
            with LOCAL.open(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    stack.gateway_url = f"http://127.0.0.1:{port}/graphql"
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    raise OracleError(f"credit-gateway not ready after {STARTUP_TIMEOUT_S}s:\n{process.log_text()[-3000:]}")


def _start(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    database_url = f"sqlite+aiosqlite:///{stack.workdir / 'credit.db'}"
    _cli(database_url, "demo", "--subjects", str(DEMO_SUBJECTS))
    # A portal key: the router needs `_service` (portal and up) and `_entities` (public); the SDL it
    # composes is the portal audience's, so the supergraph plans only fields this key may read.
    router_key = stack.router_key = _create_key(database_url, "portal")
    stack.admin_key = _create_key(database_url, "admin")  # for /metrics only
    _serve_credit_gateway(stack, database_url)

    sdl = _post_with_key(stack.gateway_url, router_key, "{ _service { sdl } }")["data"]["_service"]["sdl"]
    (stack.workdir / "credit-gateway.graphql").write_text(sdl)

    loans, ready = start_subgraphs("../loans", stack.workdir)  # serve-family.mjs resolves it to tests/federation/loans
    stack.processes.append(loans)
    ready["credit-gateway"] = {"url": stack.gateway_url, "sdl": str(stack.workdir / "credit-gateway.graphql")}
    supergraph = stack.workdir / "supergraph.graphql"
    supergraph.write_text(compose(LOANS_FOLDER, ready))

    # start_hive runs the CLI in the workdir, where it finds this config, and with this environment.
    (stack.workdir / "gateway.config.mjs").write_text(HIVE_CONFIG)
    monkeypatch.setenv(KEY_ENV, router_key)
    hive, stack.router_url = start_hive(supergraph, stack.workdir)
    stack.processes.append(hive)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    reason = node_missing_reason()
    if reason:
        pytest.skip(reason)
    ensure_node_modules()
    running = Stack(Path(tempfile.mkdtemp(prefix="federation-gateway-as-subgraph-")))
    with pytest.MonkeyPatch.context() as monkeypatch:
        try:
            _start(running, monkeypatch)
            yield running
        finally:
            running.close()


def test_a_credit_gateway_root_field_selects_the_loans_of_its_subject(stack: Stack) -> None:
    body = stack.send(f'{{ subject(code: "{FUZHOU_MINDU["code"]}") {{ name kind loans {{ id amountYuan }} }} }}')
    assert body == {
        "data": {
            "subject": {
                "name": FUZHOU_MINDU["name"],
                "kind": "LEGAL_PERSON",
                "loans": [{"id": "L1", "amountYuan": 500000}, {"id": "L3", "amountYuan": 80000}],
            }
        }
    }


def test_the_loans_root_field_selects_what_only_credit_gateway_knows(stack: Stack) -> None:
    posts_before, selects_before = len(stack.graphql_posts_seen()), stack.select_statements()
    body = stack.send("{ loans { id borrower { code name kind region { code name } } } }")
    fuzhou = {**FUZHOU_MINDU, "region": {"code": "350100", "name": "福州市"}}
    beijing = {**BEIJING_JINGHUA, "region": {"code": "110000", "name": "北京市"}}
    assert body == {
        "data": {
            "loans": [
                {"id": "L1", "borrower": fuzhou},
                {"id": "L2", "borrower": beijing},
                {"id": "L3", "borrower": fuzhou},
            ]
        }
    }
    # Hive sent all borrowers (two distinct codes) to credit-gateway in one `_entities` request...
    # `_entities` is public, so the data alone would not show the key: the access log names the audience.
    [entities_post] = stack.graphql_posts_after(posts_before, 1)
    assert "audience=portal" in entities_post
    routed = stack.select_statements() - selects_before
    # ...which cost as many statements as a direct `_entities` of a single representation: the subjects are
    # read in one statement, whatever their number (a request's fixed statements, the key's look-up
    # among them, are in both counts; so is one /metrics read).
    selects_before = stack.select_statements()
    single = stack.entities_directly([FUZHOU_MINDU["code"]], "code name kind region { code name }")
    assert single["data"]["_entities"] == [fuzhou]
    assert stack.select_statements() - selects_before == routed


def test_an_unresolvable_borrower_is_null_and_the_rest_stands(stack: Stack) -> None:
    body = stack.send("{ loansUnderReview { id amountYuan borrower { code name } } }")
    assert body["data"]["loansUnderReview"] == [
        {"id": "L4", "amountYuan": 30000, "borrower": None},
        {"id": "L5", "amountYuan": 45000, "borrower": None},
        {
            "id": "L6",
            "amountYuan": 70000,
            "borrower": {"code": BEIJING_JINGHUA["code"], "name": BEIJING_JINGHUA["name"]},
        },
    ]
    errors = {tuple(error["path"][:3]): error for error in body["errors"]}
    assert set(errors) == {("loansUnderReview", 0, "borrower"), ("loansUnderReview", 1, "borrower")}
    # A malformed code: credit-gateway's own error, at the client's path (not `_entities`'), code kept.
    malformed = errors["loansUnderReview", 1, "borrower"]["extensions"]
    assert malformed["code"] == "INVALID_SUBJECT_CODE" and malformed["serviceName"] == "credit-gateway"
    # A well-formed code credit-gateway does not hold: `_entities` answers null without an error (as
    # `subject(code:)` does), so Hive reports its own non-null violation on `name`, masked as internal.
    unknown = errors["loansUnderReview", 0, "borrower"]
    assert unknown["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert stack.entities_directly([NOT_SEEDED], "code name") == {"data": {"_entities": [None]}}


def test_the_router_key_is_in_no_log(stack: Stack) -> None:
    for process in stack.processes:
        assert stack.router_key not in process.log_text(), process.name
    assert stack.router_key not in (stack.workdir / "gateway.config.mjs").read_text()
