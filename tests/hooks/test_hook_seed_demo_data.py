"""``seed_demo_data``: ``credit-gateway demo`` calls it with the demo context, and seeding twice
changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_plugins import DEMO_RECORDS, DOMAIN, cli, cli_database, count_rows, install_entry_point, records_plugin


def test_hook_seed_demo_data(
    backend: str, database_url: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_entry_point(monkeypatch, tmp_path / "site", DOMAIN, "records_plugin")
    monkeypatch.setattr(records_plugin, "seeded", [])
    url = cli_database(backend, database_url, tmp_path)
    options = ["--database-url", url, "--plugins", DOMAIN, "--subjects", "12"]
    first = cli("demo", *options)
    assert first.exit_code == 0 and "12 new subjects" in first.output, first.output
    [context] = records_plugin.seeded
    assert len(context.subjects) == 12 and context.rng(DOMAIN) is context.rng(DOMAIN)
    assert count_rows(url, "hookfix_record") == DEMO_RECORDS
    records = count_rows(url, "credit_record")
    second = cli("demo", *options)
    assert second.exit_code == 0 and "0 new subjects" in second.output, second.output
    assert len(records_plugin.seeded) == 2  # called again, and wrote nothing new
    assert count_rows(url, "hookfix_record") == DEMO_RECORDS and count_rows(url, "credit_record") == records
