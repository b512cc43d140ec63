"""W1 and W2 against the product variants of variant_serve.py, one server at a time, alternating.

    PYTHONPATH=bench python bench/experiments/variants.py   (after a bench/run has made the data)

uvloop and httptools, when installed in UVLOOP_PATH (pip install --target), are tried on the last
variant without touching the product's environment.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from cgbench import config
from cgbench.config import DATA_DIR
from cgbench.loadgen import run_wrk
from cgbench.procstat import Sampler, wait_idle
from cgbench.util import product_env

PORT = 18030
SERVE = Path(__file__).with_name("variant_serve.py")
VARIANTS = [
    ("as shipped", ""),
    ("caches", "caches"),
    ("caches+pool", "caches,pool,noping"),
    ("caches+pool+uvloop", "caches,pool,noping"),
]


def main() -> None:
    cfg = config.make_config(quick=False)
    connections, seconds = cfg.connections, cfg.duration_seconds
    for repetition in (1, 2):
        for name, variant in VARIANTS if repetition == 1 else VARIANTS[::-1]:
            extra = os.environ.get("UVLOOP_PATH", "") if "uvloop" in name else ""
            env = product_env(cfg.pg_url(cfg.small_db), VARIANT=variant, PYTHONPATH=extra)
            server = subprocess.Popen(
                [sys.executable, str(SERVE), str(PORT)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
            )
            _wait_listening(PORT)
            for workload in ("w1", "w2"):
                body = DATA_DIR / "bodies" / f"{workload}.json"
                url = f"http://127.0.0.1:{PORT}/graphql"
                run_wrk(url, body, connections, cfg.warmup_seconds)
                wait_idle([server.pid], cfg.small_db)
                sampler = Sampler([server.pid], cfg.small_db)
                sampler.start()
                result = run_wrk(url, body, connections, seconds)
                usage = sampler.stop()
                wait_idle([server.pid], cfg.small_db)
                n = max(result.requests, 1)
                print(
                    f"{repetition} {workload} {name:20} {result.throughput:7.1f} req/s  p50 {result.p50_ms:6.0f} ms  "
                    f"p99 {result.p99_ms:6.0f} ms  cpu {usage.server_cpu * 1000 / n:6.1f}"
                    f"+{usage.database_cpu * 1000 / n:.1f} ms/req",
                    flush=True,
                )
            server.terminate()
            server.wait()


def _wait_listening(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


if __name__ == "__main__":
    main()
