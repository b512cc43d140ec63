"""``credit-gateway serve --supergraph`` as operators run it, over the "root_fields" family's real Node
subgraphs: a supergraph fetched from a URL, and one served by ``--workers 2``, the production shape, where
each worker process holds its own copy (gateway.federation.serving.siblings, gateway.server.supervisor).

From a URL: served, reloaded when the URL answers a new one, kept when it answers an error; a URL that
refuses connections stops the start with exit code 1.

With two workers:

- the admin's reload reaches one worker, which has the other re-read the supergraph;
- SIGHUP to ``serve`` reloads every worker in place (the same processes), and a bad supergraph is
  refused by each while it keeps serving the old one;
- a worker that dies while the configured supergraph is bad is restarted on the last accepted one,
  and the server keeps serving.

What each worker serves is read from the server's log (each logs the supergraph it starts with or
reloads), since a client cannot choose which worker answers it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from gateway.testing import free_port, served_gateway
from tests.federation.test_serve_supergraph_reloading import composed, sha

__all__ = ["composed"]  # the root_fields family's subgraphs and supergraph, as the reloading tests start them

# How long the test waits for what it caused (a reload, a restart) before it fails: never a timing assertion.
PATIENCE_S = 60.0


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def workers(supervisor: int) -> set[int]:
    """The supervisor's worker processes (not multiprocessing's resource tracker)."""
    found = set()
    for pid in children(supervisor):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:  # it just ended
            continue
        if b"resource_tracker" not in command:
            found.add(pid)
    return found


def supervisor_of(log: Path) -> int:
    """The pid of the supervisor (``serve`` became it), as uvicorn logs it."""
    found = re.search(r"Started parent process \[(\d+)\]", log.read_text())
    assert found, log.read_text()
    return int(found.group(1))


def wait_for(what: str, holds: Callable[[], bool], log: Path) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not holds():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {PATIENCE_S} s: {what}\nserver output:\n{log.read_text()}")
        time.sleep(0.05)


def lines(log: Path, pattern: str) -> int:
    return len(re.findall(pattern, log.read_text()))


class Environment:
    """The server's environment (a migrated demo database, every remote field public) and an admin's
    headers for the reload endpoint."""

    def __init__(self, workdir: Path) -> None:
        database = f"sqlite+aiosqlite:///{workdir / 'served.sqlite3'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
        env["CREDIT_GATEWAY_DATABASE_URL"] = database
        env["CREDIT_GATEWAY_SUBGRAPH_VISIBILITY"] = json.dumps({"*": "public"})
        subprocess.run(["credit-gateway", "demo", "--subjects", "1"], env=env, check=True, capture_output=True)
        created = subprocess.run(
            ["credit-gateway", "clients", "create", "--role", "admin", "--name", "reloader"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        key = re.search(r"^(cg_\S+)$", created, re.MULTILINE).group(1)  # type: ignore[union-attr]
        self.env = env
        self.admin = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def environment(composed: tuple[Path, str]) -> Environment:
    return Environment(composed[0])


class SupergraphSite:
    """A plain HTTP server publishing a supergraph, as a schema registry or a file server would: GET
    /supergraph.graphql answers ``text`` with ``status``."""

    def __init__(self, text: str) -> None:
        self.text, self.status = text, 200
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.text.encode() if site.status == 200 else b"<html>registry down</html>"
                self.send_response(site.status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass  # the test's output stays the server's

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/supergraph.graphql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_supergraph_from_a_url_is_served_reloaded_and_kept_when_the_url_fails(
    composed: tuple[Path, str], environment: Environment
) -> None:
    workdir, sdl = composed
    site = SupergraphSite(sdl)
    try:
        args = ["--workers", "1", "--supergraph", site.url]
        with (
            served_gateway(args, environment.env, log=workdir / "url.log") as base,
            httpx.Client(base_url=base, trust_env=False, timeout=30) as client,
        ):
            assert client.get("/healthz").json()["supergraph"]["sha256"] == sha(sdl)
            assert client.post("/graphql", json={"query": "{ left right }"}).json() == {"data": {"left": 1, "right": 2}}
            site.text = sdl + "\n# published again\n"
            reloaded = client.post("/admin/supergraph/reload", headers=environment.admin)
            assert reloaded.status_code == 200 and reloaded.json()["status"] == "reloaded", reloaded.text
            assert reloaded.json()["supergraph"]["sha256"] == sha(site.text)
            site.status = 503
            refused = client.post("/admin/supergraph/reload", headers=environment.admin)
            assert refused.status_code == 422 and refused.json()["status"] == "refused", refused.text
            assert "503" in refused.json()["error"]
            assert client.get("/healthz").json()["supergraph"]["sha256"] == sha(site.text)
            assert client.post("/graphql", json={"query": "{ left }"}).json() == {"data": {"left": 1}}
    finally:
        site.close()


def test_a_supergraph_url_that_refuses_connections_stops_the_start(environment: Environment) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/supergraph.graphql"
    ended = subprocess.run(
        ["credit-gateway", "serve", "--supergraph", nowhere, "--port", str(free_port())],
        env=environment.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ended.returncode == 1
    assert f"cannot serve the supergraph {nowhere}" in ended.stdout + ended.stderr


def test_two_workers_reload_together_and_a_restarted_worker_keeps_the_accepted_supergraph(
    composed: tuple[Path, str], environment: Environment
) -> None:
    workdir, sdl = composed
    path = workdir / "served.graphql"
    path.write_text(sdl)
    log = workdir / "serve.log"
    env, admin = environment.env, environment.admin
    with served_gateway(["--workers", "2", "--supergraph", str(path)], env, log=log) as base:
        supervisor = supervisor_of(log)
        wait_for("two workers started", lambda: lines(log, "Application startup complete") >= 2, log)
        started = workers(supervisor)

        def served_by_both(text: str) -> Callable[[], bool]:
            return lambda: lines(log, f"serving supergraph {sha(text)}") >= 2

        with httpx.Client(base_url=base, trust_env=False, timeout=30) as client:
            # The admin's reload: one worker answers, and the other re-reads the supergraph too.
            first = sdl + "\n# first release\n"
            path.write_text(first)
            answer = client.post("/admin/supergraph/reload", headers=admin)
            assert answer.status_code == 200 and answer.json()["status"] == "reloaded", answer.text
            wait_for("both workers on the first release", served_by_both(first), log)

            # SIGHUP to serve: every worker re-reads it in place; the workers are the same processes.
            second = sdl + "\n# second release\n"
            path.write_text(second)
            os.kill(supervisor, signal.SIGHUP)
            wait_for("both workers on the second release", served_by_both(second), log)
            assert workers(supervisor) == started

            # A bad supergraph: each worker refuses it and keeps serving the second release.
            refusals = lines(log, "refused, still serving")
            path.write_text("type Query { broken")
            os.kill(supervisor, signal.SIGHUP)
            wait_for("both workers refusing", lambda: lines(log, "refused, still serving") >= refusals + 2, log)
            assert workers(supervisor) == started
            for _ in range(6):  # fresh connections, so that both workers are likely asked
                with httpx.Client(base_url=base, trust_env=False, timeout=30) as fresh:
                    assert fresh.get("/healthz").json()["supergraph"]["sha256"] == sha(second)
                    assert fresh.post("/graphql", json={"query": "{ left }"}).json() == {"data": {"left": 1}}

            # A worker dies while the file is still bad: its replacement serves the last accepted supergraph.
            victim = min(started)
            os.kill(victim, signal.SIGKILL)
            wait_for(
                "a replacement on the last accepted supergraph",
                lambda: lines(log, f"serving the last accepted one {sha(second)}") >= 1,
                log,
            )
            wait_for(
                "two workers again", lambda: len(workers(supervisor)) == 2 and victim not in workers(supervisor), log
            )
            for _ in range(6):
                with httpx.Client(base_url=base, trust_env=False, timeout=30) as fresh:
                    assert fresh.get("/healthz").json()["supergraph"]["sha256"] == sha(second)
                    assert fresh.post("/graphql", json={"query": "{ left right }"}).json() == {
                        "data": {"left": 1, "right": 2}
                    }
