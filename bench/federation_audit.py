"""The public federation-gateway conformance audit (The Guild's graphql-hive/federation-gateway-audit, MIT)
run against credit-gateway as a pure gateway: a measurement, nothing of the audit is kept in this repository.

Needs: a checkout of the audit repository, given by path, with the npm dependencies its server needs;
credit-gateway installed in this Python environment. The audit's lock file also pins the peer gateways
and their tools (Cosmo's ``wgc``, Hive Gateway's OpenTelemetry plugins), some of which a registry mirror
may lack (``npm ci`` then stops on a 404); only the audit's own server is used here, so every
devDependency but tsx and graphql can go:

    git clone https://github.com/graphql-hive/federation-gateway-audit /tmp/audit   # or git archive of a mirror
    cd /tmp/audit && npm pkg delete $(node -p "Object.keys(require('./package.json').devDependencies)
      .filter((n) => n !== 'tsx' && n !== 'graphql').map((n) => 'devDependencies.' + n).join(' ')") && npm install

Node 20 runs it: the audit's server calls ``Promise.withResolvers`` (Node 22), which this script adds
beforehand (NODE_OPTIONS --import of a three-line module it writes). One command then:

    python bench/federation_audit.py --audit /tmp/audit [--lift-limits] [--suite ID ...] [--verbose]

What it does: starts the audit's own server (``npm start -- serve``), which serves every suite's subgraphs,
supergraph and test cases; then for each suite writes its supergraph to a temporary directory, starts
``credit-gateway serve --supergraph FILE --workers 1`` on it (every remote field public, SQLite in the
temporary directory, the public rate limit lifted), sends each case's query to /graphql and compares the
answer as the audit's own runner does: ``data`` must be deeply equal; ``errors`` only as "present or not",
and only when the case says which. The wording of errors is never compared.

``--lift-limits`` also raises the public audience's query limits (depth, aliases, tokens, cost, fields),
so that a case refused by one of those abuse limits is counted apart (see QUERY_LIMIT_CODES) without it.

Prints one line per suite (passed/total, PASS or FAIL, and for each failing case its index and a short
reason), then the totals: cases passed/total, suites passed/total, and the share of failing cases.
``--json FILE`` writes every case's query, expected and received answers. Exit status 0 when every case
passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

# The codes with which the gateway refuses a query for the public audience's abuse limits: such a case
# fails for a limit, not for federation, and is reported so.
QUERY_LIMIT_CODES = frozenset({"LIMIT_EXCEEDED"})
# Far above any audit query: with --lift-limits no case meets a query limit.
LIFTED_LIMITS = {
    "max_depth": 1000,
    "max_aliases": 10000,
    "max_tokens": 1000000,
    "max_cost": 1000000000,
    "max_fields": 700,
}
# Node 20 lacks Promise.withResolvers, which the audit's server uses (Node 22 has it).
WITH_RESOLVERS = """Promise.withResolvers ??= function withResolvers() {
  let resolve, reject;
  const promise = new this((yes, no) => { resolve = yes; reject = no; });
  return { promise, resolve, reject };
};
"""
STARTUP_SECONDS = 60.0  # a gateway (or the audit's server) that is not healthy by then counts as failed


@dataclass
class Case:
    index: int
    query: str
    expected: dict[str, Any]
    received: dict[str, Any] | None = None
    passed: bool = False
    reason: str = ""


@dataclass
class Suite:
    id: str
    cases: list[Case] = field(default_factory=list)
    serving_error: str = ""

    @property
    def passed(self) -> int:
        return sum(case.passed for case in self.cases)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> str:
    """'' once ``url`` answers 200, else why not (the process ended, or the time ran out)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"exited with status {process.returncode}"
        try:
            if httpx.get(url, timeout=2.0, trust_env=False).status_code == 200:
                return ""
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return f"not healthy after {STARTUP_SECONDS:.0f} s"


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a process this script started (its own process group), and wait for it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start(argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        # A new session: stop() ends the command's children too (npm starts node, serve starts uvicorn).
        return subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def judge(case: Case, response: dict[str, Any]) -> None:
    """The audit runner's comparison: data deeply equal; errors present or not, when the case says."""
    expected_errors = case.expected.get("errors")
    errors = response.get("errors") or []
    received = {"data": response.get("data")}
    expected = {"data": case.expected.get("data")}
    if isinstance(expected_errors, bool):
        received["errors"] = bool(errors)
        expected["errors"] = expected_errors
    case.received = response
    case.passed = received == expected
    if case.passed:
        return
    codes = {str((error.get("extensions") or {}).get("code")) for error in errors if isinstance(error, dict)}
    if codes & QUERY_LIMIT_CODES:
        case.reason = "limits: " + ",".join(sorted(codes & QUERY_LIMIT_CODES))
    elif errors and not expected_errors:
        first = errors[0].get("message", "") if isinstance(errors[0], dict) else str(errors[0])
        case.reason = f"unexpected error ({','.join(sorted(codes))}): {first[:120]}"
    elif received["data"] != expected["data"]:
        case.reason = "data differs"
    else:
        case.reason = "errors expected" if expected_errors else "errors differ"


def run_suite(suite_id: str, audit_url: str, workdir: Path, args: argparse.Namespace, client: httpx.Client) -> Suite:
    suite = Suite(suite_id)
    tests = client.get(f"{audit_url}/{suite_id}/tests", headers={"accept": "application/json"}).json()
    suite.cases = [Case(i, test["query"], test["expected"]) for i, test in enumerate(tests)]
    directory = workdir / suite_id
    directory.mkdir()
    supergraph = directory / "supergraph.graphql"
    supergraph.write_text(client.get(f"{audit_url}/{suite_id}/supergraph").text)
    port = free_port()
    env = {
        **os.environ,
        "CREDIT_GATEWAY_SUBGRAPH_VISIBILITY": json.dumps({"*": "public"}),
        "CREDIT_GATEWAY_DATABASE_URL": args.database_url,
        "CREDIT_GATEWAY_RATE_LIMITS": json.dumps({"public": {"rate": 1e9, "burst": 1e9}}),
    }
    if args.lift_limits:
        env["CREDIT_GATEWAY_ROLE_LIMITS"] = json.dumps({"public": LIFTED_LIMITS})
    argv = [args.credit_gateway, "serve", "--supergraph", str(supergraph), "--workers", "1"]
    gateway = start([*argv, "--host", "127.0.0.1", "--port", str(port)], directory, env, directory / "gateway.log")
    try:
        why = wait_healthy(f"http://127.0.0.1:{port}/healthz", gateway)
        if why:
            tail = (directory / "gateway.log").read_text(errors="replace").strip().splitlines()[-3:]
            suite.serving_error = f"gateway {why}: {' | '.join(tail)}"
            for case in suite.cases:
                case.reason = "serving: gateway did not start"
            return suite
        for case in suite.cases:
            try:
                answer = client.post(f"http://127.0.0.1:{port}/graphql", json={"query": case.query}, timeout=10.0)
                judge(case, answer.json())
            except (httpx.HTTPError, ValueError) as exc:
                case.reason = f"serving: {type(exc).__name__}: {exc}"
    finally:
        stop(gateway)
    return suite


def report(suites: list[Suite], verbose: bool) -> int:
    for suite in suites:
        state = "PASS" if suite.passed == len(suite.cases) else "FAIL"
        print(f"{suite.id:40} {suite.passed:3}/{len(suite.cases):<3} {state}")
        if suite.serving_error:
            print(f"    {suite.serving_error}")
        for case in suite.cases:
            if case.passed:
                continue
            print(f"    #{case.index}: {case.reason}")
            if verbose:
                print("      query:    " + " ".join(case.query.split()))
                print("      expected: " + json.dumps(case.expected, sort_keys=True))
                print("      received: " + json.dumps(case.received, sort_keys=True))
    cases = sum(len(suite.cases) for suite in suites)
    passed = sum(suite.passed for suite in suites)
    whole = sum(suite.passed == len(suite.cases) for suite in suites)
    failing = 100.0 * (cases - passed) / cases if cases else 0.0
    print(f"cases passed {passed}/{cases}, suites passed {whole}/{len(suites)}, failing {failing:.2f}% of cases")
    return 0 if passed == cases else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--audit", type=Path, required=True, help="checkout of federation-gateway-audit, npm ci'd")
    parser.add_argument("--suite", action="append", default=[], help="only this suite (repeatable)")
    parser.add_argument("--lift-limits", action="store_true", help="raise the public audience's query limits")
    parser.add_argument("--verbose", action="store_true", help="print query, expected and received per failure")
    parser.add_argument("--json", type=Path, help="write every case's outcome to this file")
    parser.add_argument("--credit-gateway", default=shutil.which("credit-gateway") or "credit-gateway")
    args = parser.parse_args()
    if not (args.audit / "node_modules").is_dir():
        parser.error(f"{args.audit}/node_modules is missing: run npm ci in the audit checkout first")
    with tempfile.TemporaryDirectory(prefix="federation-audit-") as temporary:
        workdir = Path(temporary)
        args.database_url = f"sqlite+aiosqlite:///{workdir / 'gateway.db'}"
        upgrade = [args.credit_gateway, "db", "upgrade", "--database-url", args.database_url]
        subprocess.run(upgrade, check=True, stdout=subprocess.DEVNULL)
        audit_port = free_port()
        polyfill = workdir / "with-resolvers.mjs"
        polyfill.write_text(WITH_RESOLVERS)
        node_env = {**os.environ, "NODE_OPTIONS": f"{os.environ.get('NODE_OPTIONS', '')} --import {polyfill}".strip()}
        # The audit's own server on a port of its own: its subgraphs, supergraphs and test cases.
        audit = start(
            ["npm", "start", "--", "serve", "--port", str(audit_port)],
            args.audit,
            node_env,
            workdir / "audit.log",
        )
        audit_url = f"http://127.0.0.1:{audit_port}"
        try:
            why = wait_healthy(f"{audit_url}/ids", audit)  # not /_health: that answers before the suites are loaded
            if why:
                print(f"the audit's server {why}; see its log", file=sys.stderr)
                return 2
            with httpx.Client(timeout=30.0, trust_env=False) as client:  # all local: never through a proxy
                ids = args.suite or client.get(f"{audit_url}/ids").json()
                suites = [run_suite(suite_id, audit_url, workdir, args, client) for suite_id in ids]
        finally:
            stop(audit)
    if args.json:
        args.json.write_text(json.dumps([asdict(suite) for suite in suites], indent=1, ensure_ascii=False))
    return report(suites, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
