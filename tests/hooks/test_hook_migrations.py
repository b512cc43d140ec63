"""``migrations``: ``credit-gateway db upgrade`` applies the plugin's own Alembic history."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_plugins import DOMAIN, cli, cli_database, install_entry_point, table_columns


def test_hook_migrations(
    backend: str, database_url: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_entry_point(monkeypatch, tmp_path / "site", DOMAIN, "records_plugin")
    url = cli_database(backend, database_url, tmp_path)
    options = ["--database-url", url, "--plugins", DOMAIN]
    assert table_columns(url, "hookfix_record") == {}
    behind = cli("db", "status", *options)
    assert behind.exit_code == 1 and DOMAIN in behind.output, behind.output
    upgraded = cli("db", "upgrade", *options)
    assert upgraded.exit_code == 0, upgraded.output
    assert f"{DOMAIN}: hookfix_0001" in upgraded.output
    assert table_columns(url, "hookfix_record") == {"record_id": False, "note": False}
    assert table_columns(url, f"alembic_version_{DOMAIN}"), "the plugin's history has its own version table"
    status = cli("db", "status", *options)
    assert status.exit_code == 0 and "up to date" in status.output, status.output
