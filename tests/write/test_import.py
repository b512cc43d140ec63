"""Bulk import through the plugins' importers: CSV in UTF-8 and GB18030, JSON Lines, per-row
reports, idempotent re-runs, and files that must not be imported at all."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from gateway.host.demo import demo_subjects
from gateway.testing import GatewayHarness
from gateway.write.importing import ImportFailed, import_file
from gateway.write.submissions import SubmissionPolicy

BUREAU = "11350100MB0301234"
BUREAU += uscc.calc_check_digit(BUREAU)
HEADINGS = ["纳税人名称", "统一社会信用代码", "评价年度", "纳税信用级别", "评价得分", "直接判级原因", "评价日期",
            "评价机关", "评价机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码"]  # fmt: skip
ORGANISATIONS = [s for s in demo_subjects(200) if not s.code.is_natural_person]


def rating_row(n: int, **changes: str) -> list[str]:
    subject = ORGANISATIONS[n % len(ORGANISATIONS)]
    row = {
        "纳税人名称": subject.name, "统一社会信用代码": subject.code.value,
        "评价年度": str(2020 + n // len(ORGANISATIONS)),
        "纳税信用级别": "A", "评价得分": "92.5", "直接判级原因": "", "评价日期": "2025年4月10日",
        "评价机关": "国家税务总局福州市税务局", "评价机关统一社会信用代码": BUREAU,
        "数据来源单位": "国家税务总局福州市税务局", "数据来源单位统一社会信用代码": BUREAU,
    }  # fmt: skip
    row.update(changes)
    return [row[h] for h in HEADINGS]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig", headings: list[str] = HEADINGS) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headings)
        writer.writerows(rows)
    return path


def importer(gw: GatewayHarness, name: str = "ratings"):
    return gw.graph.composition.importers["tax"][name]


async def count(gw: GatewayHarness, table: str = "tax_credit_rating") -> int:
    async with gw.engine.connect() as conn:
        return (await conn.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one()


def read_report(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))[1:]


BAD_ROWS = {
    3: {"评价日期": "2025-02-30"},  # no such date
    5: {"统一社会信用代码": "91110000600037341N"},  # check character
    7: {"纳税信用级别": "A", "评价得分": "55"},  # grade against score
    9: {"评价年度": "二〇二一"},  # not a number
    11: {"纳税信用级别": "E"},  # no such grade
}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
async def test_csv_import_commits_valid_rows_reports_the_rest_and_reruns_add_nothing(
    gw: GatewayHarness, tmp_path: Path, encoding: str
) -> None:
    rows = [rating_row(n, **BAD_ROWS.get(n, {})) for n in range(40)]
    rows.append(rating_row(0))  # an exact duplicate of row 2: unchanged, not an error
    rows.append(rating_row(1, 评价得分="95"))  # same subject and year as row 3, different: rejected
    path = write_csv(tmp_path / "ratings.csv", rows, encoding)
    policy = SubmissionPolicy.from_settings(gw.settings)
    first = await import_file(gw.engine, importer(gw), path, policy)
    assert (first.rows, first.created, first.rejected) == (42, 35, 6)
    assert first.unchanged == 1
    reported = read_report(first.report)
    # CSV row numbers count the heading as row 1
    assert sorted({int(r[0]) for r in reported}) == [n + 2 for n in sorted(BAD_ROWS)] + [43]
    assert any(r[1] == "评价日期" and "not a real date" in r[2] for r in reported)
    assert any("grade" in r[1] or "score" in r[2] for r in reported if r[0] == "9")
    assert await count(gw) == 35
    again = await import_file(gw.engine, importer(gw), path, policy)
    assert (again.created, again.unchanged, again.rejected) == (0, 36, 6)
    assert await count(gw) == 35


async def test_missing_column_imports_nothing(gw: GatewayHarness, tmp_path: Path) -> None:
    headings = [h for h in HEADINGS if h != "评价年度"]
    rows = [[c for h, c in zip(HEADINGS, rating_row(n), strict=True) if h != "评价年度"] for n in range(5)]
    path = write_csv(tmp_path / "ratings.csv", rows, headings=headings)
    with pytest.raises(ImportFailed, match="评价年度"):
        await import_file(gw.engine, importer(gw), path, SubmissionPolicy.from_settings(gw.settings))
    assert await count(gw) == 0


async def test_wrong_declared_encoding_imports_nothing(gw: GatewayHarness, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ratings.csv", [rating_row(n) for n in range(5)], encoding="gb18030")
    with pytest.raises(ImportFailed, match="not valid utf-8"):
        await import_file(gw.engine, importer(gw), path, SubmissionPolicy.from_settings(gw.settings), encoding="utf-8")
    assert await count(gw) == 0


async def test_bytes_broken_midway_stop_the_import_there(gw: GatewayHarness, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ratings.csv", [rating_row(n) for n in range(1200)], encoding="utf-8")
    data = path.read_bytes()
    cut = data.index(b"\n", len(data) * 3 // 4)
    path.write_bytes(data[:cut] + b"\n\xff\xfe broken\n" + data[cut:])
    summary = await import_file(
        gw.engine, importer(gw), path, SubmissionPolicy.from_settings(gw.settings), encoding="utf-8"
    )
    assert summary.stopped and "not valid utf-8" in summary.stopped
    assert 0 < summary.created < 1200
    assert await count(gw) == summary.created  # whole batches only: no row half-written


async def test_rows_with_the_wrong_number_of_cells(gw: GatewayHarness, tmp_path: Path) -> None:
    rows = [rating_row(0), rating_row(1)[:4], [*rating_row(2), "extra"], rating_row(3)]
    summary = await import_file(
        gw.engine, importer(gw), write_csv(tmp_path / "r.csv", rows), SubmissionPolicy.from_settings(gw.settings)
    )
    assert (summary.created, summary.rejected) == (2, 2)
    assert [r[0] for r in read_report(summary.report)] == ["3", "4"]


async def test_json_lines(gw: GatewayHarness, tmp_path: Path) -> None:
    import orjson

    lines = []
    for n in range(6):
        s = ORGANISATIONS[n]
        lines.append(orjson.dumps({
            "subject_name": s.name, "subject_code": s.code.value, "year": 2024, "grade": "B", "score": 80,
            "decision_date": "2025-04-10", "deciding_authority": "国家税务总局福州市税务局",
            "deciding_authority_code": BUREAU, "source_unit": "国家税务总局福州市税务局", "source_unit_code": BUREAU,
        }))  # fmt: skip
    lines[2] = b'{"not": "closed"'
    lines[3] = b"[1, 2, 3]"
    lines[4] = orjson.dumps({"subject_name": "x"})
    path = tmp_path / "ratings.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    summary = await import_file(gw.engine, importer(gw), path, SubmissionPolicy.from_settings(gw.settings))
    assert (summary.rows, summary.created, summary.rejected) == (6, 3, 3)
    report = read_report(summary.report)
    assert {r[0] for r in report} == {"3", "4", "5"}
    assert any(r[0] == "5" and r[1] == "subject_code" and r[2] == "missing value" for r in report)


async def test_oversized_json_line_is_skipped_not_loaded(gw: GatewayHarness, tmp_path: Path) -> None:
    from gateway.write import importing

    path = tmp_path / "big.jsonl"
    path.write_bytes(b'{"subject_name": "' + b"x" * (importing.MAX_LINE_BYTES + 10) + b'"}\n{"a": 1}\n')
    summary = await import_file(gw.engine, importer(gw), path, SubmissionPolicy.from_settings(gw.settings))
    assert summary.rows == 2 and summary.rejected == 2
    assert "longer than" in read_report(summary.report)[0][2]


def test_cli_import_shows_progress_and_exit_codes(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
    env["CREDIT_GATEWAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    cli = [sys.executable, "-m", "gateway.cli.main"]
    assert subprocess.run([*cli, "db", "upgrade"], env=env, capture_output=True, timeout=120).returncode == 0
    good = write_csv(tmp_path / "good.csv", [rating_row(n) for n in range(30)])
    run = subprocess.run([*cli, "import", "--domain", "tax", "--kind", "ratings", str(good)], env=env,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "30 created" in run.stdout
    bad = write_csv(tmp_path / "bad.csv", [rating_row(n, **BAD_ROWS.get(n, {})) for n in range(12)])
    run = subprocess.run([*cli, "import", "--domain", "tax", "--kind", "ratings", str(bad)], env=env,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 1 and "rejected" in run.stdout and "report:" in run.stdout
    write_csv(bad, [rating_row(n) for n in range(12)])  # corrected: the earlier report no longer applies
    run = subprocess.run([*cli, "import", "--domain", "tax", "--kind", "ratings", str(bad)], env=env,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0 and "removed the previous run's report" in run.stdout, run.stdout
    assert not (tmp_path / "bad.csv.report.csv").exists()
    needs_kind = subprocess.run([*cli, "import", "--domain", "tax", str(good)], env=env, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
    assert needs_kind.returncode == 2 and "--kind" in needs_kind.stderr
    unknown = subprocess.run([*cli, "import", "--domain", "nosuch", str(good)], env=env, capture_output=True,
                             text=True, timeout=120)  # fmt: skip
    assert unknown.returncode == 2 and "no importer" in unknown.stderr


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def many_ratings(count: int) -> list[list[str]]:
    """``count`` valid ratings, a distinct (subject, year) each."""
    organisations = [s for s in demo_subjects(600) if not s.code.is_natural_person]
    return [
        rating_row(0, 纳税人名称=s.name, 统一社会信用代码=s.code.value, 评价年度=str(2020 + n // len(organisations)))
        for n, s in ((n, organisations[n % len(organisations)]) for n in range(count))
    ]


async def test_a_decoding_error_loses_no_row_before_it_and_says_where(gw: GatewayHarness, tmp_path: Path) -> None:
    # 2,000 good rows (lines 2-2001), broken bytes on line 2002, then rows that are never read.
    path = write_csv(tmp_path / "ratings.csv", many_ratings(2_000), encoding="utf-8")
    broken = ",".join(rating_row(0)).encode().replace("国家税务总局".encode(), b"\xff\xfe", 1)
    tail = write_csv(tmp_path / "tail.csv", many_ratings(2_050)[2_000:], encoding="utf-8").read_bytes()
    path.write_bytes(path.read_bytes() + broken + b"\r\n" + tail.split(b"\n", 1)[1])
    summary = await import_file(
        gw.engine, importer(gw), path, SubmissionPolicy.from_settings(gw.settings), encoding="utf-8"
    )
    assert (summary.rows, summary.created, summary.rejected) == (2_000, 2_000, 0)
    assert await count(gw) == 2_000
    assert summary.stopped is not None and summary.stopped.startswith("stopped at row 2002:")
    assert "0xFF 0xFE" in summary.stopped and "not valid utf-8" in summary.stopped
    assert read_report(summary.report) == [["2002", "评价机关", summary.stopped]]


async def test_a_control_character_in_a_cell_rejects_its_row_only(gw: GatewayHarness, tmp_path: Path) -> None:
    rows = [rating_row(n) for n in range(10)]
    rows[4] = rating_row(4, 纳税人名称="福州\x00有限公司")  # PostgreSQL cannot store it; SQLite would
    rows[6] = rating_row(6, 评价机关="\x1b[1m国家税务总局福州市税务局")
    summary = await import_file(
        gw.engine, importer(gw), write_csv(tmp_path / "r.csv", rows), SubmissionPolicy.from_settings(gw.settings)
    )
    assert (summary.rows, summary.created, summary.rejected, summary.stopped) == (10, 8, 2, None)
    assert await count(gw) == 8
    report = read_report(summary.report)
    assert [(r[0], r[1]) for r in report] == [("6", "纳税人名称"), ("8", "评价机关")]
    assert "U+0000 (NUL)" in report[0][2] and "\x00" not in report[0][2]
    jsonl = tmp_path / "r.jsonl"
    jsonl.write_bytes(b'{"subject_name": "\\u0000", "subject_code": "91350100M000100Y43"}\n')
    summary = await import_file(gw.engine, importer(gw), jsonl, SubmissionPolicy.from_settings(gw.settings))
    assert summary.rejected == 1 and read_report(summary.report)[0][:2] == ["1", "subject_name"]


async def test_each_run_has_its_own_report_and_a_clean_run_removes_the_last(gw: GatewayHarness, tmp_path: Path) -> None:
    policy = SubmissionPolicy.from_settings(gw.settings)
    path = write_csv(tmp_path / "ratings.csv", [rating_row(n, **BAD_ROWS.get(n, {})) for n in range(12)])
    first = await import_file(gw.engine, importer(gw), path, policy)
    assert first.report == tmp_path / "ratings.csv.report.csv" and len(read_report(first.report)) == 5
    write_csv(path, [rating_row(n, **BAD_ROWS.get(n, {}) if n == 3 else {}) for n in range(12)])
    second = await import_file(gw.engine, importer(gw), path, policy)
    assert [r[0] for r in read_report(second.report)] == ["5"]  # this run's rows only
    write_csv(path, [rating_row(n) for n in range(12)])
    clean = await import_file(gw.engine, importer(gw), path, policy)
    assert (clean.rejected, clean.report, clean.removed_report) == (0, None, first.report)
    assert files_in(tmp_path) == ["ratings.csv"]
    again = await import_file(gw.engine, importer(gw), path, policy)
    assert again.removed_report is None  # nothing stale left to remove
