"""Load from wrk: fixed connections, one thread, the workload's body from bench/wrk/post.lua."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cgbench.config import BENCH_DIR

SCRIPT = BENCH_DIR / "wrk" / "post.lua"
MANY_SCRIPT = BENCH_DIR / "wrk" / "post_many.lua"


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    seconds: float
    errors: int  # non-2xx answers, connection errors and timeouts
    p50_ms: float
    p99_ms: float
    mean_ms: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_version() -> str:
    found = shutil.which("wrk")
    if found is None:
        return "missing"
    out = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).split("\n")[0].strip()


def run_wrk(url: str, body: Path, connections: int, seconds: int, *, many: bool = False) -> WrkResult:
    """Load ``url`` with the body in ``body`` (or, with ``many``, each line of it in turn)."""
    script, variable = (MANY_SCRIPT, "WRK_BODIES") if many else (SCRIPT, "WRK_BODY")
    # A 30 s timeout: a slow answer must count in the latencies, not vanish as a timeout.
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script), url]
    out = subprocess.run(
        command, env={**os.environ, variable: str(body)}, capture_output=True, text=True, check=True
    ).stdout
    line = next((x for x in out.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    r = json.loads(line.removeprefix("WRK_JSON "))
    errors = sum(r[k] for k in ("errors_connect", "errors_read", "errors_write", "errors_status", "errors_timeout"))
    return WrkResult(
        requests=r["requests"],
        seconds=r["duration_us"] / 1e6,
        errors=errors,
        p50_ms=r["p50_us"] / 1000,
        p99_ms=r["p99_us"] / 1000,
        mean_ms=r["latency_mean_us"] / 1000,
    )
