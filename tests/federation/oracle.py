"""The federation test oracle: a family's Node subgraphs, composed with Apollo's composition library,
served by a reference gateway (Hive Gateway from npm), and operations sent to it.

    with FamilyOracle.start("keys") as oracle:
        response = oracle.send(case["query"], case.get("variables"))

Every process is started in its own process group and the whole group is ended on exit, also when
a step fails, so a failed test leaks no Node process. Node is required; `skip_without_node()` is the
only reason to skip.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from gateway.federation.compose import COMPOSE_SCRIPT

HERE = Path(__file__).resolve().parent
FAMILIES_DIR = HERE / "families"
FAULTS_DIR = HERE / "faults"
NODE_MODULES = HERE / "node_modules"
HIVE_BIN = NODE_MODULES / "@graphql-hive" / "gateway" / "dist" / "bin.js"

STARTUP_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 20.0

# Everything listens on 127.0.0.1: never through an HTTP proxy the environment may name.
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class OracleError(RuntimeError):
    """A step of the harness failed (a process died, did not get ready, composition failed)."""


def node_missing_reason() -> str | None:
    """Why the oracle cannot run here, or None. Only a missing Node.js is a reason."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "Node.js and npm are needed to run the federation subgraphs and Hive Gateway"
    return None


def ensure_node_modules() -> None:
    """Install tests/federation/node_modules from package-lock.json when absent (CI runs npm ci itself)."""
    if (NODE_MODULES / "@graphql-hive" / "gateway").is_dir() and (NODE_MODULES / "@apollo" / "subgraph").is_dir():
        return
    installed = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(HERE)], capture_output=True, text=True, timeout=900
    )
    if installed.returncode != 0:
        raise OracleError(f"npm ci --prefix {HERE} failed: {installed.stderr[-2000:]}")


def family_names() -> list[str]:
    return sorted(p.name for p in FAMILIES_DIR.iterdir() if (p / "cases.json").is_file())


def load_cases(family: str) -> list[dict[str, Any]]:
    return json.loads((FAMILIES_DIR / family / "cases.json").read_text())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class NodeProcess:
    """A Node process in its own process group, its output in a log file."""

    name: str
    command: list[str]
    log_path: Path
    cwd: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("wb")
        try:
            # Own session = own process group: stop() ends the process and anything it forked.
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise OracleError(f"{self.name} exited early; its output:\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=wait_s)
                return
            except subprocess.TimeoutExpired:
                continue


def start_subgraphs(family: str, workdir: Path) -> tuple[NodeProcess, dict[str, dict[str, str]]]:
    """Start all subgraphs of a family (or "faults") on free ports; returns the process and the READY map."""
    proc = NodeProcess(
        f"subgraphs of {family}", ["node", str(HERE / "serve-family.mjs"), family, "0"], workdir / "subgraphs.log", HERE
    )
    proc.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        for line in proc.log_text().splitlines():
            if line.startswith("READY "):
                return proc, json.loads(line[len("READY ") :])
        try:
            proc.check_alive()
        except OracleError:
            proc.stop()
            raise
        time.sleep(0.05)
    proc.stop()
    raise OracleError(f"subgraphs of {family} not ready after {STARTUP_TIMEOUT_S}s:\n{proc.log_text()[-3000:]}")


def compose(folder: Path, ready: dict[str, dict[str, str]], url_suffix: dict[str, str] | None = None) -> str:
    """The supergraph SDL of the subgraphs (the compose.mjs `supergraph compose` ships, with this folder's
    node_modules); raises when composition fails."""
    suffix = url_suffix or {}
    subgraphs = [
        {"name": name, "url": info["url"] + suffix.get(name, ""), "sdl": (folder / info["sdl"]).read_text()}
        for name, info in ready.items()
    ]
    result = subprocess.run(
        ["node", str(COMPOSE_SCRIPT), str(HERE)],
        input=json.dumps(subgraphs),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise OracleError(f"compose.mjs failed: {result.stderr}")
    outcome = json.loads(result.stdout)
    if not outcome["ok"]:
        raise OracleError(f"composition failed: {outcome['errors']}")
    return outcome["supergraphSdl"]


def start_hive(supergraph: Path, workdir: Path) -> tuple[NodeProcess, str]:
    """Hive Gateway's CLI over a supergraph file; returns the process and its GraphQL endpoint."""
    port = free_port()
    proc = NodeProcess(
        "Hive Gateway",
        ["node", str(HIVE_BIN), "supergraph", str(supergraph), "--host", "127.0.0.1", "--port", str(port)],
        workdir / "hive.log",
        workdir,  # a folder without gateway.config.* so that the CLI runs with its defaults
    )
    proc.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            proc.check_alive()
            with LOCAL.open(f"http://127.0.0.1:{port}/readiness", timeout=2) as answer:
                if answer.status == 200:
                    return proc, f"http://127.0.0.1:{port}/graphql"
        except OracleError:
            proc.stop()
            raise
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    proc.stop()
    raise OracleError(f"Hive Gateway not ready after {STARTUP_TIMEOUT_S}s:\n{proc.log_text()[-3000:]}")


def post_graphql(
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
    timeout: float = REQUEST_TIMEOUT_S,
) -> tuple[int, dict[str, Any]]:
    """POST a GraphQL operation; returns the HTTP status and the JSON body (errors answers included)."""
    payload: dict[str, Any] = {"query": query, "variables": variables or {}}
    if operation_name is not None:
        payload["operationName"] = operation_name
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        url, data=body, headers={"content-type": "application/json", "accept": "application/json"}
    )
    try:
        with LOCAL.open(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as failed:
        return failed.code, json.loads(failed.read() or b"{}")


@dataclass
class FamilyOracle:
    """A family's subgraphs and Hive Gateway over them, running until close()."""

    family: str
    workdir: Path
    subgraph_urls: dict[str, str] = field(default_factory=dict)
    supergraph_sdl: str = ""
    gateway_url: str = ""
    processes: list[NodeProcess] = field(default_factory=list)

    @classmethod
    def start(cls, family: str, url_suffix: dict[str, str] | None = None) -> FamilyOracle:
        ensure_node_modules()
        oracle = cls(family, Path(tempfile.mkdtemp(prefix=f"federation-{family}-")))
        try:
            subgraphs, ready = start_subgraphs(family, oracle.workdir)
            oracle.processes.append(subgraphs)
            oracle.subgraph_urls = {name: info["url"] for name, info in ready.items()}
            folder = FAULTS_DIR if family == "faults" else FAMILIES_DIR / family
            oracle.supergraph_sdl = compose(folder, ready, url_suffix)
            supergraph = oracle.workdir / "supergraph.graphql"
            supergraph.write_text(oracle.supergraph_sdl)
            hive, oracle.gateway_url = start_hive(supergraph, oracle.workdir)
            oracle.processes.append(hive)
        except BaseException:
            oracle.close()
            raise
        return oracle

    def send(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        operation_name: str | None = None,
        timeout: float = REQUEST_TIMEOUT_S,
    ) -> dict[str, Any]:
        return post_graphql(self.gateway_url, query, variables, operation_name, timeout)[1]

    def send_case(self, case: dict[str, Any]) -> dict[str, Any]:
        """Send one case of a family's cases.json."""
        return self.send(case["query"], case.get("variables"), case.get("operationName"))

    def close(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()
        self.processes.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> FamilyOracle:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
