"""W1–W3 under load: every side in turn, repetition after repetition, each run after a warm-up."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cgbench import config
from cgbench.check import Side
from cgbench.loadgen import run_wrk
from cgbench.procstat import Sampler, wait_idle
from cgbench.util import log
from cgbench.workloads import Workload


@dataclass(frozen=True, slots=True)
class Run:
    workload: str
    side: str
    repetition: int
    requests: int
    seconds: float
    errors: int
    throughput: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms_per_request: float
    database_cpu_ms_per_request: float
    peak_rss_mb: float
    peak_pss_mb: float


def run_workloads(
    cfg: config.Config,
    sides: list[Side],
    processes: dict[str, list[int]],
    database: str,
    workloads: list[Workload],
    bodies: Path,
) -> list[Run]:
    """``processes``: each side's root pids; ``database``: the PostgreSQL database ours and the floor read."""
    runs: list[Run] = []
    bodies.mkdir(parents=True, exist_ok=True)
    for workload in workloads:
        body = bodies / f"{workload.key}.json"
        body.write_bytes(workload.body)
        for repetition in range(1, cfg.repetitions + 1):
            for side in sides:
                side_database = database if side.key in ("ours", "floor") else None
                runs.append(
                    measure(cfg, side, workload.key, repetition, side.url(workload), body, processes[side.key],
                            side_database)
                )  # fmt: skip
    return runs


def measure(
    cfg: config.Config,
    side: Side,
    workload: str,
    repetition: int,
    url: str,
    body: Path,
    roots: list[int],
    side_database: str | None,
    *,
    many: bool = False,
) -> Run:
    """One measured load of one side after its warm-up: ``body`` holds the request body, or with ``many``
    one body per line, sent in turn."""
    run_wrk(url, body, cfg.connections, cfg.warmup_seconds, many=many)
    # wrk leaves its last requests in flight: let the side finish them first.
    wait_idle(roots, side_database)
    sampler = Sampler(roots, side_database)
    sampler.start()
    result = run_wrk(url, body, cfg.connections, cfg.duration_seconds, many=many)
    usage = sampler.stop()
    wait_idle(roots, side_database)
    if result.requests == 0:
        raise RuntimeError(
            f"{workload} on {side.label}: no request completed in {cfg.duration_seconds} s; "
            "its latency is longer than the run"
        )
    requests = result.requests
    run = Run(
        workload=workload,
        side=side.key,
        repetition=repetition,
        requests=result.requests,
        seconds=result.seconds,
        errors=result.errors,
        throughput=result.throughput,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        server_cpu_ms_per_request=usage.server_cpu * 1000 / requests,
        database_cpu_ms_per_request=usage.database_cpu * 1000 / requests,
        peak_rss_mb=usage.peak_rss_kb / 1024,
        peak_pss_mb=usage.peak_pss_kb / 1024,
    )
    if result.errors:
        raise RuntimeError(f"{workload} on {side.label}: {result.errors} failed requests")
    log(
        f"{workload} #{repetition} {side.label:>14}: {run.throughput:8.1f} req/s  "
        f"p50 {run.p50_ms:7.1f} ms  p99 {run.p99_ms:7.1f} ms  "
        f"cpu {run.server_cpu_ms_per_request:6.2f}+{run.database_cpu_ms_per_request:.2f} ms/req  "
        f"rss {run.peak_rss_mb:6.0f} MB  pss {run.peak_pss_mb:6.0f} MB"
    )
    return run


def summarise(runs: list[Run]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per workload and side: the median of the repetitions (the peak RSS and PSS: their maximum)."""
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for run in runs:
        summary.setdefault(run.workload, {}).setdefault(run.side, {"runs": []})["runs"].append(asdict(run))
    for sides in summary.values():
        for entry in sides.values():
            reps = entry["runs"]
            for metric in (
                "throughput",
                "p50_ms",
                "p99_ms",
                "server_cpu_ms_per_request",
                "database_cpu_ms_per_request",
            ):
                entry[metric] = statistics.median(r[metric] for r in reps)
            entry["peak_rss_mb"] = max(r["peak_rss_mb"] for r in reps)
            entry["peak_pss_mb"] = max(r.get("peak_pss_mb", 0.0) for r in reps)
            entry["throughput_spread"] = (min(r["throughput"] for r in reps), max(r["throughput"] for r in reps))
    return summary
