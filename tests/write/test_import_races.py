"""Two imports of one file at once (PostgreSQL): both finish with a report and a proper exit status,
whichever creates a subject or record first, and the database holds every record exactly once."""

from __future__ import annotations

import asyncio
import csv
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from gateway.db.engine import create_engine
from gateway.host.demo import demo_subjects
from gateway.testing import GatewayHarness
from gateway.write.importing import import_file
from gateway.write.submissions import SubmissionPolicy
from testsupport.factories import TAX_BUREAU_CODE as BUREAU

pytestmark = pytest.mark.postgres

UNIT = "国家税务总局福州市税务局"
HEADINGS = ["纳税人名称", "统一社会信用代码", "评价年度", "纳税信用级别", "评价得分", "评价日期", "评价机关",
            "评价机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码"]  # fmt: skip
ORGANISATIONS = [s for s in demo_subjects(700) if not s.code.is_natural_person]
ROWS = 1_500  # every row a new (subject, year): each batch creates subjects and records both runs want


def write_ratings(path: Path, count: int) -> Path:
    """``count`` ratings of subjects the database does not hold yet, a new (subject, year) each."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADINGS)
        for n in range(count):
            subject = ORGANISATIONS[n % len(ORGANISATIONS)]
            year = 2020 + n // len(ORGANISATIONS)
            writer.writerow(
                [subject.name, subject.code.value, year, "B", "85", "2025-04-10", UNIT, BUREAU, UNIT, BUREAU]
            )
    return path


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
async def gw(postgres_url: str) -> AsyncIterator[GatewayHarness]:
    async with GatewayHarness.start(database_url=postgres_url) as harness:
        await harness.truncate()
        yield harness


async def counts(gw: GatewayHarness) -> tuple[int, int, int]:
    """Ratings, distinct (subject, year) keys among them, subjects."""
    queries = (
        "SELECT count(*) FROM tax_credit_rating",
        "SELECT count(DISTINCT (subject_id, year)) FROM tax_credit_rating",
        "SELECT count(*) FROM subject",
    )
    async with gw.engine.connect() as conn:
        ratings, keys, subjects = [(await conn.execute(sa.text(q))).scalar_one() for q in queries]
    return ratings, keys, subjects


async def test_two_concurrent_imports_of_one_file_both_finish_and_write_each_record_once(
    gw: GatewayHarness, postgres_url: str, tmp_path: Path
) -> None:
    path = write_ratings(tmp_path / "ratings.csv", ROWS)
    importer = gw.graph.composition.importers["tax"]["ratings"]
    policy = SubmissionPolicy.from_settings(gw.settings)
    other = create_engine(postgres_url)  # a second pool: the two runs share no connection
    try:
        first, second = await asyncio.gather(
            import_file(gw.engine, importer, path, policy, batch_size=100),
            import_file(other, importer, path, policy, batch_size=100),
        )
    finally:
        await other.dispose()
    for summary in (first, second):
        assert (summary.rows, summary.rejected, summary.stopped, summary.report) == (ROWS, 0, None, None)
        assert summary.created + summary.unchanged == ROWS
    assert first.created + second.created == ROWS
    assert await counts(gw) == (ROWS, ROWS, len(ORGANISATIONS))
    assert files_in(tmp_path) == ["ratings.csv"]  # no report, and no report left half-written


async def test_two_concurrent_cli_imports_both_exit_zero(gw: GatewayHarness, postgres_url: str, tmp_path: Path) -> None:
    path = write_ratings(tmp_path / "ratings.csv", 600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
    env["CREDIT_GATEWAY_DATABASE_URL"] = postgres_url
    command = ["-m", "gateway.cli", "import", "--domain", "tax", "--kind", "ratings", "--batch-size", "50", str(path)]
    runs = [
        await asyncio.create_subprocess_exec(sys.executable, *command, env=env, stdout=-1, stderr=-1) for _ in range(2)
    ]
    outputs = [await run.communicate() for run in runs]
    created = 0
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err.decode()
        assert "0 rejected" in out.decode() and b"Traceback" not in err
        created += int(out.decode().split(" created")[0].rsplit(" ", 1)[1])
    assert created == 600
    ratings, keys, _ = await counts(gw)
    assert ratings == keys == 600
