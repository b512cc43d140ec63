"""Sizes, ports and paths of one benchmark run; ``--quick`` shrinks what takes long."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from gateway.cli.serve import available_cpus

BENCH_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data"
RESULTS_DIR = BENCH_DIR / "results"
PEERS_DIR = BENCH_DIR / "peers"

# The key of the subject-code HMAC in every bench database: the generator hashes codes with it and
# the gateway looks them up with it, so both must agree.
SECRET_KEY = "credit-gateway-bench-secret-key-0001"

# Public requests are limited to 5 per second per IP by default; one load generator on localhost
# would measure the limiter's 429s, not the gateway. The limiter still runs on every request.
UNLIMITED_RATE = '{"public": {"rate": 1000000000, "burst": 1000000000}}'

PG_ADMIN_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")

# Worker processes of every side that has them (ours, the floor, Hive Gateway's forks): what
# `credit-gateway serve` takes by default on PostgreSQL, one per CPU available to the process.
WORKERS = available_cpus()


@dataclass(frozen=True, slots=True)
class Ports:
    ours: int = 18000
    floor: int = 18001
    apollo: int = 18002
    hive: int = 18003
    ours_federated: int = 18004  # W6: `credit-gateway serve --supergraph` over the subgraphs
    ours_federated_unshared: int = 18005  # W6 again, with CREDIT_GATEWAY_SUBGRAPH_DEDUPLICATION=false
    subgraphs: dict[str, int] = field(
        default_factory=lambda: {
            "subjects": 18110,
            "tax": 18111,
            "urban_management": 18112,
            "culture": 18113,
            "construction": 18114,
        }
    )


@dataclass(frozen=True, slots=True)
class Config:
    quick: bool
    # Load: wrk with fixed concurrency; every side gets the same warm-up and duration per repetition.
    connections: int
    warmup_seconds: int
    duration_seconds: int
    repetitions: int
    # W1–W3 and the small side of W5: subjects generated beside the 1,000 demo subjects.
    small_subjects: int
    # W5's large database; --quick uses a smaller one and says so.
    large_subjects: int
    profile_subjects: int  # subjects with ~20 records, spread evenly through each generated set
    # W4: rows per bulk import.
    import_rows: int
    ports: Ports = field(default_factory=Ports)

    @property
    def small_db(self) -> str:
        return "bench_small"

    @property
    def large_db(self) -> str:
        return "bench_large" if not self.quick else "bench_large_quick"

    def pg_url(self, database: str) -> str:
        """The gateway's SQLAlchemy URL of a bench database."""
        base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        return f"{base}/{database}"

    def pg_dsn(self, database: str) -> str:
        """The libpq/asyncpg DSN of a bench database."""
        return f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{database}"


def make_config(quick: bool) -> Config:
    if quick:
        return Config(
            quick=True,
            connections=16,
            warmup_seconds=1,
            duration_seconds=3,
            repetitions=3,
            small_subjects=9_000,
            large_subjects=100_000,
            profile_subjects=1_000,
            import_rows=5_000,
        )
    return Config(
        quick=False,
        connections=16,
        warmup_seconds=3,
        duration_seconds=10,
        repetitions=3,
        small_subjects=9_000,
        large_subjects=999_000,
        profile_subjects=1_000,
        import_rows=100_000,
    )
