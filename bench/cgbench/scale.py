"""W5: profile latency of our gateway on PostgreSQL, 1,000,000 subjects against 10,000.

Two gateways run side by side, one per database; requests go one at a time (one connection), each
to the next of the databases' profile subjects (20 records each), alternating the databases run by
run, so that the two latencies are taken under the same conditions.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cgbench import config, servers
from cgbench.check import CheckFailed
from cgbench.dataset import Dataset, migrate
from cgbench.loadgen import run_wrk
from cgbench.util import log
from cgbench.workloads import PROFILE, Workload

LARGE_PORT_OFFSET = 4  # ours-large listens on ports.ours + 4


@dataclass(frozen=True, slots=True)
class ScaleRun:
    database: str
    subjects: int
    records: int
    repetition: int
    requests: int
    throughput: float
    p50_ms: float
    p99_ms: float
    mean_ms: float


def run(cfg: config.Config, small: Dataset, large: Dataset, logs: Path, bodies: Path) -> list[ScaleRun]:
    import httpx

    bodies.mkdir(parents=True, exist_ok=True)
    count = min(len(small.profile_codes), len(large.profile_codes))
    gateways: list[tuple[Dataset, servers.Server, Path]] = []
    for dataset, port in ((small, cfg.ports.ours), (large, cfg.ports.ours + LARGE_PORT_OFFSET)):
        server = servers.ours(cfg, dataset.url, logs, port=port, name=f"ours-{dataset.database}")
        path = bodies / f"w5-{dataset.database}.jsonl"
        lines = [Workload("w5", "", PROFILE, {"code": code}).body for code in dataset.profile_codes[:count]]
        path.write_bytes(b"\n".join(lines) + b"\n")
        gateways.append((dataset, server, path))
    runs: list[ScaleRun] = []
    try:
        for dataset in (small, large):  # the product may have gained a migration meanwhile
            migrate(cfg, dataset.database)
        servers.start_all([g[1] for g in gateways])
        for dataset, server, path in gateways:  # every body answers a profile: no error page measured
            for line in path.read_bytes().splitlines()[:: max(1, count // 20)]:
                response = httpx.post(
                    f"http://127.0.0.1:{server.port}/graphql",
                    content=line,
                    headers={"content-type": "application/json"},
                    timeout=30,
                )
                body = response.json()
                if response.status_code != 200 or body.get("errors") or not body["data"]["subject"]:
                    raise CheckFailed(f"W5 on {dataset.database}: {response.text[:300]}")
        for repetition in range(1, cfg.repetitions + 1):
            for dataset, server, path in gateways:
                url = f"http://127.0.0.1:{server.port}/graphql"
                run_wrk(url, path, 1, cfg.warmup_seconds, many=True)
                result = run_wrk(url, path, 1, cfg.duration_seconds, many=True)
                if result.errors:
                    raise RuntimeError(f"W5 on {dataset.database}: {result.errors} failed requests")
                runs.append(
                    ScaleRun(
                        dataset.database,
                        dataset.subjects,
                        dataset.records,
                        repetition,
                        result.requests,
                        result.throughput,
                        result.p50_ms,
                        result.p99_ms,
                        result.mean_ms,
                    )
                )
                log(f"W5 #{repetition} {dataset.database}: p50 {result.p50_ms:.1f} ms  p99 {result.p99_ms:.1f} ms")
    finally:
        servers.stop_all([g[1] for g in gateways])
    return runs


def summarise(runs: list[ScaleRun]) -> dict[str, Any]:
    by_db: dict[str, list[ScaleRun]] = {}
    for r in runs:
        by_db.setdefault(r.database, []).append(r)
    out: dict[str, Any] = {}
    for database, reps in by_db.items():
        out[database] = {
            "subjects": reps[0].subjects,
            "records": reps[0].records,
            "p50_ms": statistics.median(r.p50_ms for r in reps),
            "p99_ms": statistics.median(r.p99_ms for r in reps),
            "mean_ms": statistics.median(r.mean_ms for r in reps),
            "throughput": statistics.median(r.throughput for r in reps),
        }
    return out
