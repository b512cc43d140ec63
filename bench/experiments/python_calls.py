"""Python function calls per request, and CPU per request, of the benchmark's operations served in process.

    bench/run --quick --only ingest    # once, to build the bench_small database (or any bench/run)
    python bench/experiments/python_calls.py [--requests 50] [--timed 200] [--workloads typename,w1,w2,w3]

The app is made and started as ``serve`` makes each worker's (settings from the bench's environment, its
lifespan, the measures catalogue's watch listening), and driven by a bare ASGI call: no HTTP, no client
library in the process, so what is counted is the server's own work. For each operation (``typename`` is
``{ __typename }``, the fixed path of every request; W1–W3 as bench/run sends them) it prints:

- ``calls``: the Python function calls (cProfile's count, builtins included) per request, after a warm-up.
  Deterministic for a given code and database, unlike time on a shared machine: the figure to compare
  before and after a change to the per-request or per-value path;
- ``cpu_ms``: process CPU per request over ``--timed`` requests, the best of three rounds (no profiler).

To compare with an earlier commit, check it out in a worktree and put it first on the path:
``git worktree add /tmp/before <rev>; PYTHONPATH=/tmp/before python bench/experiments/python_calls.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ for cgbench

from cgbench import config, dataset
from cgbench.util import product_env
from cgbench.workloads import Workload, http_workloads


async def post(app: Any, body: bytes) -> tuple[int, bytes]:
    """One POST /graphql through the ASGI app, as uvicorn would hand it over."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(body)),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError("unreachable")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


@asynccontextmanager
async def served_workloads() -> AsyncIterator[tuple[Any, dict[str, bytes]]]:
    """The app made and started as ``serve`` makes each worker's, on bench_small, and the request body
    of each workload (``typename`` and W1–W3)."""
    cfg = config.make_config(quick=True)
    small = await dataset.ensure(cfg, cfg.small_db, cfg.small_subjects)
    os.environ.update(product_env(small.url))
    from gateway.features.measures.watch import watch_of
    from gateway.kernel.settings import Settings
    from gateway.server.app import create_app

    workloads = {w.key: w for w in http_workloads(small.profile_codes[0], small.ordinary_codes[:100])}
    workloads["typename"] = Workload("typename", "{ __typename }", "{ __typename }", {})
    app = create_app(Settings(), settle_heap=True, park_reads=True)
    async with app.router.lifespan_context(app):
        await watch_of(app.state.graph.engine).wait_listening()
        yield app, {name: workload.body for name, workload in workloads.items()}


async def warm_up(app: Any, name: str, body: bytes, requests: int) -> None:
    """Send ``requests`` requests, each of which must succeed."""
    for _ in range(requests):
        status, answer = await post(app, body)
        if status != 200 or b'"errors"' in answer:
            raise RuntimeError(f"{name} failed: {answer[:300]!r}")


async def measure(requests: int, timed: int, names: list[str]) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    async with served_workloads() as (app, bodies):
        for name in names:
            body = bodies[name]
            await warm_up(app, name, body, 20)
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(requests):
                await post(app, body)
            profile.disable()
            rounds = []
            for _ in range(3):
                started = time.process_time()
                for _ in range(timed):
                    await post(app, body)
                rounds.append((time.process_time() - started) / timed * 1000)
            calls = pstats.Stats(profile).total_calls / requests  # type: ignore[attr-defined]
            results[name] = {"calls": round(calls), "cpu_ms": round(min(rounds), 3)}
            print(json.dumps({"workload": name, **results[name]}), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="requests counted under the profiler")
    parser.add_argument("--timed", type=int, default=200, help="requests per timed round (three rounds)")
    parser.add_argument("--workloads", default="typename,w1,w2,w3")
    args = parser.parse_args()
    import uvloop

    uvloop.run(measure(args.requests, args.timed, args.workloads.split(",")))


if __name__ == "__main__":
    main()
