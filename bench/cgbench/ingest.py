"""W4: bulk import through `credit-gateway import`, into a fresh SQLite file and a fresh PostgreSQL
database, of the tax-rating CSV that bench/make_import_file.py writes (all rows valid, all new)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from cgbench import config
from cgbench.config import BENCH_DIR, DATA_DIR
from cgbench.util import log, product_env

DATABASE = "bench_import"
_SUMMARY = re.compile(r"(\d+) rows in ([\d.]+)s \(([\d,]+) rows/s\): (\d+) created")


@dataclass(frozen=True, slots=True)
class ImportResult:
    database: str  # sqlite or postgresql
    rows: int
    created: int
    seconds: float  # the importer's own timing (reading, validating, writing)
    wall_seconds: float  # the whole command, process start and migration check included

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def import_file(rows: int) -> Path:
    path = DATA_DIR / f"tax-ratings-{rows}.csv"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(BENCH_DIR / "make_import_file.py"), str(rows), str(path)], check=True)
    return path


async def run(cfg: config.Config) -> list[ImportResult]:
    source = import_file(cfg.import_rows)
    sqlite_path = DATA_DIR / "import.sqlite3"
    for leftover in DATA_DIR.glob("import.sqlite3*"):
        leftover.unlink()
    admin = await asyncpg.connect(config.PG_ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    targets = {"sqlite": f"sqlite+aiosqlite:///{sqlite_path}", "postgresql": cfg.pg_url(DATABASE)}
    results = []
    for name, url in targets.items():
        env = product_env(url)
        subprocess.run(["credit-gateway", "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
        report = DATA_DIR / f"import-{name}.report.csv"
        began = time.monotonic()
        done = subprocess.run(
            ["credit-gateway", "import", "--domain", "tax", "--kind", "ratings", "--report", str(report), str(source)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.monotonic() - began
        found = _SUMMARY.search(done.stdout.replace("\n", " "))
        if done.returncode != 0 or found is None:
            raise RuntimeError(f"import into {name} failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-2000:]}")
        result = ImportResult(name, int(found[1]), int(found[4]), float(found[2]), wall)
        if result.created != result.rows:
            raise RuntimeError(f"import into {name} created {result.created} of {result.rows} rows")
        log(f"W4 {name}: {result.rows:,} rows in {result.seconds:.1f}s ({result.rows_per_second:,.0f} rows/s)")
        results.append(result)
    return results
