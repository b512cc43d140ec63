"""Where our gateway's time goes: py-spy samples the running server under wrk load.

The recording is kept in speedscope format (open it at https://www.speedscope.app) and summarised
here: self time by package, the functions with the most self time, and the inclusive time of the
gateway's own functions and of the main phases of a GraphQL request.
"""

from __future__ import annotations

import subprocess
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from cgbench.loadgen import run_wrk
from cgbench.util import log

# Leaf frames attributed to the package whose path they are in (first match wins).
PACKAGES = (
    ("graphql/", "graphql-core"),
    ("strawberry/", "strawberry"),
    ("sqlalchemy/", "SQLAlchemy"),
    ("asyncpg/", "asyncpg"),
    ("aiodataloader", "aiodataloader"),
    ("uvicorn/", "uvicorn"),
    ("h11/", "h11"),
    ("starlette/", "starlette"),
    ("stdnum/", "python-stdnum"),
    ("pydantic", "pydantic"),
    ("/gateway/", "gateway (ours)"),
    ("/plugins/", "plugins (ours)"),
    ("asyncio/", "asyncio"),
    ("logging/", "logging"),
)
# Phases: a sample counts in a phase when any frame of its stack is one of these functions.
PHASES = {
    "parse (graphql.language.parser)": ("parse", "graphql/language/parser.py"),
    "validate (graphql.validation)": ("validate", "graphql/validation/validate.py"),
    "abuse limits (gateway.server.extensions.abuse_limits)": (None, "gateway/server/extensions/abuse_limits.py"),
    "query limits (gateway.policy.limits)": (None, "gateway/policy/limits.py"),
    "execute (graphql.execution)": (None, "graphql/execution/"),
    "loaders' SQL (SQLAlchemy + asyncpg)": (None, "sqlalchemy/"),
    "JSON encoding (orjson)": ("encode_json", None),
    "rate limiter (gateway.server.ratelimit)": (None, "gateway/server/ratelimit.py"),
    "HTTP server (uvicorn, httptools)": (None, "uvicorn/protocols/http/"),
    "access log (logging)": (None, "logging/__init__.py"),
}


@dataclass(frozen=True, slots=True)
class ProfileSummary:
    workload: str
    samples: int
    by_package: list[tuple[str, float]]  # share of all samples, by leaf frame's package
    top_self: list[tuple[str, float]]
    phases: list[tuple[str, float]]  # inclusive
    top_gateway: list[tuple[str, float]]  # inclusive, our own functions
    file: str


def record(pid: int, url: str, body: Path, connections: int, seconds: int, out: Path, workload: str) -> ProfileSummary:
    """Load ``url`` for ``seconds`` while py-spy samples ``pid``; summarise the recording."""
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--format",
            "speedscope",
            "--output",
            str(out),
            "--nonblocking",
            "--subprocesses",  # the workers of `serve`, not only its supervisor (which serves nothing)
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    load = threading.Thread(target=run_wrk, args=(url, body, connections, seconds + 1))
    load.start()
    _, err = spy.communicate()
    load.join()
    if spy.returncode != 0 or not out.exists():
        raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')[-500:]}")
    summary = summarise(out, workload)
    log(f"profile {workload}: {summary.samples} samples -> {out}")
    return summary


def summarise(path: Path, workload: str) -> ProfileSummary:
    doc = orjson.loads(path.read_bytes())
    frames: list[dict[str, Any]] = doc["shared"]["frames"]
    names = [f"{f['name']} ({_short(f.get('file', ''))}:{f.get('line', '')})" for f in frames]
    files = [f.get("file", "") for f in frames]
    by_package: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    phases: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0.0
    count = 0
    for profile in doc["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            if not stack:
                continue
            total += weight
            count += 1
            leaf = stack[-1]
            by_package[_package(files[leaf])] += weight
            self_time[names[leaf]] += weight
            stack_files = [files[i] for i in stack]
            stack_names = [frames[i]["name"] for i in stack]
            for phase, (function, file_part) in PHASES.items():
                if any(
                    (function is None or n == function) and (file_part is None or file_part in f)
                    for n, f in zip(stack_names, stack_files, strict=True)
                ):
                    phases[phase] += weight
            for key in {names[i] for i in stack if "/gateway/" in files[i] or "/plugins/" in files[i]}:
                ours[key] += weight

    def shares(counter: Counter[str], n: int) -> list[tuple[str, float]]:
        return [(k, 100 * v / total) for k, v in counter.most_common(n)] if total else []

    return ProfileSummary(
        workload=workload,
        samples=count,
        by_package=shares(by_package, 16),
        top_self=shares(self_time, 15),
        phases=sorted(shares(phases, len(PHASES)), key=lambda kv: -kv[1]),
        top_gateway=shares(ours, 25),
        file=str(path),
    )


def _package(file: str) -> str:
    for part, name in PACKAGES:
        if part in file:
            return name
    return "other (stdlib, C)" if file else "native"


def _short(file: str) -> str:
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file
