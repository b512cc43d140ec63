"""Resident memory of one ``credit-gateway serve --workers 1`` process, at start, after one request per
audience and under a short load of the benchmark's operations (W1–W3); and the time of a fixed loop of
W1 requests, to check that a memory change does not slow requests.

    createdb -h 127.0.0.1 -U postgres cg_mem
    CREDIT_GATEWAY_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/cg_mem credit-gateway demo
    python bench/experiments/worker_memory.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/cg_mem \
        [--requests 3000] [--concurrency 16] [--timed 300] [--env NAME=VALUE ...]

It creates one API client per role (portal, partner, subject, department, admin; public needs none),
starts the server as production does (the ``serve`` command, one worker: the serving process is the
command's own, which it checks by listing its children), reads VmRSS and VmHWM from /proc/<pid>/status
at each step (VmHWM is what bench/cgbench/procstat.py sums for "peak RSS"), and prints one line of JSON:
those figures in kB, the load's wall time and the server's CPU (utime + stime) per request, then the
CPU and latency of ``--timed`` W1 requests sent one at a time. On a shared machine compare runs made
one after the other, alternating the variants, and repeat: wall times vary by a quarter.
``--env`` passes settings to the server only (e.g. CREDIT_GATEWAY_PLAN_CACHE_SIZE=64, MALLOC_ARENA_MAX=2).
The load mixes W1, W2 and W3 (a third each) from ``--concurrency`` connections, as wrk's 16 do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ for cgbench's workloads

from gateway.host.demo import demo_subjects

from cgbench.workloads import BATCH, BLACK_LISTS, PROFILE

ROLES = ("portal", "partner", "subject", "department", "admin")
SUBJECT_QUERY = "{ me { __typename } }"


def status_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in kB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid``: the server's CPU, which the other load on the machine disturbs less than
    wall-clock time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def create_keys(env: dict[str, str], subject_code: str) -> dict[str, str]:
    """One new client per role (a few rows in api_client per run); returns role -> API key."""
    keys = {}
    for role in ROLES:
        args = ["credit-gateway", "clients", "create", "--role", role, "--name", f"memory-{role}"]
        if role == "department":
            args += ["--domain", "tax"]
        if role == "subject":
            args += ["--subject", subject_code]
        out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
        keys[role] = re.search(r"^(cg_\S+)$", out, re.MULTILINE).group(1)  # type: ignore[union-attr]
    return keys


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any], key: str | None = None) -> None:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    response.raise_for_status()


async def measure(args: argparse.Namespace, pid: int, base: str, keys: dict[str, str]) -> dict[str, Any]:
    codes = [s.code.value for s in demo_subjects(1000)]
    w1, w2, w3 = (PROFILE, {"code": codes[0]}), (BATCH, {"codes": codes[:100]}), (BLACK_LISTS, {})
    report: dict[str, Any] = {"start": status_kb(pid)}
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        await post(client, *w1)  # public
        for role, key in keys.items():
            await post(client, SUBJECT_QUERY if role == "subject" else PROFILE, w1[1], key)
        report["audiences"] = status_kb(pid)
        mix = [w1, w2, w3]
        queue = iter(range(args.requests))

        async def connection() -> None:
            for i in queue:
                await post(client, *mix[i % 3])

        began, cpu = time.perf_counter(), cpu_seconds(pid)
        await asyncio.gather(*(connection() for _ in range(args.concurrency)))
        report["load_seconds"] = round(time.perf_counter() - began, 2)
        report["load_cpu_ms_per_request"] = round((cpu_seconds(pid) - cpu) * 1000 / args.requests, 2)
        report["load"] = status_kb(pid)
        times = []
        cpu = cpu_seconds(pid)
        for _ in range(args.timed):  # one at a time: the latency of W1 with a warm process
            began = time.perf_counter()
            await post(client, *w1)
            times.append((time.perf_counter() - began) * 1000)
        report["w1_cpu_ms"] = round((cpu_seconds(pid) - cpu) * 1000 / args.timed, 2)
        report["w1_ms"] = {
            "median": round(statistics.median(times), 2),
            "mean": round(statistics.fmean(times), 2),
            "p90": round(statistics.quantiles(times, n=10)[-1], 2),
        }
        report["after"] = status_kb(pid)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--timed", type=int, default=300)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server only")
    args = parser.parse_args()
    env = {**os.environ, "CREDIT_GATEWAY_DATABASE_URL": args.database_url}
    keys = create_keys(env, demo_subjects(1000)[0].code.value)
    # The benchmark's public rate limit, out of the load's way (bench/cgbench/config.py UNLIMITED_RATE).
    unlimited = '{"public": {"rate": 1000000000, "burst": 1000000000}}'
    server_env = {**env, "CREDIT_GATEWAY_RATE_LIMITS": unlimited, **dict(item.split("=", 1) for item in args.env)}
    port = free_port()
    server = subprocess.Popen(
        ["credit-gateway", "serve", "--workers", "1", "--port", str(port)],
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        report = {"env": args.env, "pid": server.pid, "children": children(server.pid)}
        report.update(asyncio.run(measure(args, server.pid, base, keys)))
        print(json.dumps(report))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
