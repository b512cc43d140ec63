"""Memory of a whole ``credit-gateway serve --workers N`` side, process by process: idle after start, then
after a short wrk load of each of W1, W2 and W3 in turn; with preloaded workers (the default) or with a
fresh interpreter per worker (``--no-preload``).

    bench/run --quick --only ingest    # once, to build the bench_small database (or any bench/run)
    python bench/experiments/side_memory.py [--workers 2] [--seconds 8] [--no-preload]

Each step prints one line of JSON: the sum of the processes' PSS (each page shared by several processes
counted once, split between them: what the side takes), the sum of their RSS (a shared page counted in
every process that maps it), and per process its RSS, PSS, private dirty and shared dirty pages in MB,
from ``/proc/PID/smaps_rollup``. A preloaded worker's shared dirty pages are those it still shares with
the supervisor that forked it; its private dirty pages are those it wrote to (and so copied) plus its own
heap. Needs wrk (Debian's package), as bench/run does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ for cgbench

from cgbench import config, dataset, procstat, servers
from cgbench.loadgen import SCRIPT as WRK_POST_SCRIPT
from cgbench.util import product_env
from cgbench.workloads import http_workloads

FIELDS = {"Rss": "rss", "Pss": "pss", "Private_Dirty": "private_dirty", "Shared_Dirty": "shared_dirty"}


def rollup_mb(pid: int) -> dict[str, float]:
    """The figures of FIELDS for ``pid``, in MB."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in FIELDS:
            found[FIELDS[name]] = round(int(value.split()[0]) / 1024, 1)
    return found


def snapshot(step: str, root: int) -> None:
    processes = {pid: rollup_mb(pid) for pid in sorted(procstat.descendants(root))}
    print(
        json.dumps(
            {
                "step": step,
                "pss_mb": round(sum(p["pss"] for p in processes.values()), 1),
                "rss_mb": round(sum(p["rss"] for p in processes.values()), 1),
                "processes": processes,
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=8, help="wrk's load per workload (16 connections)")
    parser.add_argument("--no-preload", action="store_true", help="a fresh interpreter per worker")
    parser.add_argument("--port", type=int, default=8199)
    args = parser.parse_args()
    cfg = config.make_config(quick=True)
    small = asyncio.run(dataset.ensure(cfg, cfg.small_db, cfg.small_subjects))
    preload = "--no-preload" if args.no_preload else "--preload"
    command = ["credit-gateway", "serve", "--port", str(args.port), "--workers", str(args.workers), preload]
    with tempfile.TemporaryDirectory(prefix="side-memory-") as scratch:
        # The bench's own server handling: ready once every worker has logged its start.
        server = servers.Server(
            "ours", command, args.port, product_env(small.url), Path.cwd(), Path(scratch) / "serve.log",
            uvicorn_workers=args.workers,
        )  # fmt: skip
        server.start()
        try:
            server.wait_ready(timeout=120)
            snapshot("idle", server.pid)
            body = Path(scratch) / "body.json"
            url = f"http://127.0.0.1:{args.port}/graphql"
            for workload in http_workloads(small.profile_codes[0], small.ordinary_codes[:100]):
                body.write_bytes(workload.body)
                subprocess.run(
                    ["wrk", "-t1", "-c16", f"-d{args.seconds}s", "-s", str(WRK_POST_SCRIPT), url],
                    env={**os.environ, "WRK_BODY": str(body)},
                    check=True,
                    capture_output=True,
                )
                snapshot(f"after {workload.key}", server.pid)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
