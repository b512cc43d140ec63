"""The corpus: every query operation the test suite sends, recorded once, replayed on both engines.

``corpus.jsonl`` holds one JSON object a line: ``query``, ``variables``, ``operationName``, ``role``
(the kind of caller that sent it: public, portal, admin, subject, partner, department, or unknown for a
key the harness did not make) and ``domain`` (a department's). Deduplicated by (query, operationName):
the first recording's variables are kept. Documents longer than ``MAX_QUERY_CHARS`` are left out: the
abuse-limit tests' floods (100,000 aliases, deep fragment chains) are refused before anything runs, on
either engine, and would make the file megabytes.

To regenerate it (about 6 minutes on a quiet machine; PostgreSQL makes the suite send its PostgreSQL-only queries too)::

    export CREDIT_GATEWAY_TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test
    python tests/differential/corpus.py            # runs the suite recording, then writes corpus.jsonl
    python tests/differential/corpus.py --from recorded.jsonl   # only builds it from an earlier recording

The recording is ``gateway.testing.RECORD_OPERATIONS_ENV`` (``CREDIT_GATEWAY_RECORD_OPERATIONS``): each
``GatewayHarness`` appends the query operations its client sends to that file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).with_name("corpus.jsonl")
ROOT = Path(__file__).resolve().parents[2]
RECORD_ENV = "CREDIT_GATEWAY_RECORD_OPERATIONS"  # gateway.testing.RECORD_OPERATIONS_ENV (no import: a script)
MAX_QUERY_CHARS = 20_000
# One process (-n 0): parallel workers would append to the recording in a different order each run.
SUITE = ["tests", "plugins", "-q", "-n", "0", "-p", "no:randomly"]
SUITE += ["--ignore=tests/reliability", "--ignore=tests/differential"]


def load(path: Path = CORPUS) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def deduplicate(recorded: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per (query, operationName), the first seen, in the order first seen."""
    seen: dict[tuple[str, str | None], dict[str, Any]] = {}
    for entry in recorded:
        key = (entry["query"], entry.get("operationName"))
        if key not in seen and len(entry["query"]) <= MAX_QUERY_CHARS:
            seen[key] = {
                "query": entry["query"],
                "variables": entry.get("variables") or {},
                "operationName": entry.get("operationName"),
                "role": entry.get("role", "unknown"),
                "domain": entry.get("domain"),
            }
    return list(seen.values())


def write(entries: list[dict[str, Any]], path: Path = CORPUS) -> None:
    with path.open("w", encoding="utf-8") as out:
        for entry in entries:
            out.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")


def record(to: Path) -> int:
    """Run the suite (not the fuzz, not this suite) with recording on; returns pytest's exit code."""
    env = {**os.environ, RECORD_ENV: str(to)}
    return subprocess.run([sys.executable, "-m", "pytest", *SUITE], cwd=ROOT, env=env, check=False).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="recorded", type=Path, help="an earlier recording (skip running the suite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="credit-gateway-corpus-") as tmp:
        recorded = args.recorded
        if recorded is None:
            recorded = Path(tmp) / "recorded.jsonl"
            code = record(recorded)
            if code != 0:
                print(f"warning: the suite exited with {code}; the corpus holds what it sent", file=sys.stderr)
        entries = deduplicate(load(recorded))
    write(entries)
    print(f"{len(entries)} query operations written to {CORPUS}")


if __name__ == "__main__":
    main()
