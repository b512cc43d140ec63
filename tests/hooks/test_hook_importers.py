"""``importers``: ``credit-gateway import --domain <plugin> FILE`` imports a file through the plugin's
importer, reports invalid rows with their row number, and adds nothing when run again."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fixture_plugins import BUREAU, COLUMNS, DOMAIN, cli, cli_database, count_rows, install_entry_point

from gateway.host.demo import demo_subjects

HEADINGS = [column.headings[0] for column in COLUMNS]


def _write(path: Path, subjects: int, bad_row: bool) -> Path:
    organisations = [s for s in demo_subjects(20) if not s.code.is_natural_person][:subjects]
    rows = [[s.code.value, s.name, f"HF-IMP-{n}", "2025年4月10日", f"imported {n}", "福州市测试局", BUREAU]
            for n, s in enumerate(organisations)]  # fmt: skip
    if bad_row:
        rows.append(["not-a-code", "无名", "HF-IMP-BAD", "2025-04-10", "bad", "福州市测试局", BUREAU])
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADINGS)
        writer.writerows(rows)
    return path


def test_hook_importers(
    backend: str, database_url: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_entry_point(monkeypatch, tmp_path / "site", DOMAIN, "records_plugin")
    url = cli_database(backend, database_url, tmp_path)
    env = {"CREDIT_GATEWAY_PLUGINS": DOMAIN, "CREDIT_GATEWAY_DATABASE_URL": url}
    assert cli("db", "upgrade", env=env).exit_code == 0
    good = _write(tmp_path / "records.csv", 4, bad_row=False)
    first = cli("import", "--domain", DOMAIN, str(good), env=env)
    assert first.exit_code == 0, first.output
    assert "4 created, 0 unchanged, 0 rejected" in first.output
    assert count_rows(url, "hookfix_record") == 4
    again = cli("import", "--domain", DOMAIN, "--kind", "records", str(good), env=env)
    assert again.exit_code == 0 and "0 created, 4 unchanged" in again.output, again.output
    bad = _write(tmp_path / "bad.csv", 5, bad_row=True)
    mixed = cli("import", "--domain", DOMAIN, str(bad), env=env)
    assert mixed.exit_code == 1 and "1 created, 4 unchanged, 1 rejected" in mixed.output, mixed.output
    assert count_rows(url, "hookfix_record") == 5
    with (tmp_path / "bad.csv.report.csv").open(encoding="utf-8-sig", newline="") as report:
        rejected = list(csv.reader(report))[1:]
    assert len(rejected) == 1 and "7" in rejected[0], rejected  # the heading is row 1: the bad row is row 7
