"""``tables``: the plugin's tables are its contribution (listed by ``credit-gateway plugins``), match
what its migrations create, and may not take a name the core or another plugin has."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from fixture_plugins import DOMAIN, TablesPlugin, cli, cli_database, hookfix_record, install_entry_point, table_columns

from gateway.api import hookimpl
from gateway.kernel.errors import ConfigurationError
from gateway.testing import GatewayHarness


def test_hook_tables(backend: str, database_url: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_entry_point(monkeypatch, tmp_path / "site", DOMAIN, "records_plugin")
    listed = cli("plugins", "--plugins", DOMAIN)
    assert listed.exit_code == 0, listed.output
    assert any(line.split()[-1:] == ["hookfix_record"] for line in listed.output.splitlines()), listed.output
    url = cli_database(backend, database_url, tmp_path)
    assert cli("db", "upgrade", "--database-url", url, "--plugins", DOMAIN).exit_code == 0
    declared = {column.name: column.nullable for column in hookfix_record.columns}
    assert table_columns(url, hookfix_record.name) == declared


class SubjectTablePlugin:
    """Declares a table named like the core's ``subject``."""

    @hookimpl
    def tables(self) -> Sequence[sa.Table]:
        return [sa.Table("subject", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))]


async def test_a_table_name_claimed_twice_stops_the_start() -> None:
    with pytest.raises(ConfigurationError, match="'subject' of plugin 'hookfix' clashes with the core"):
        async with GatewayHarness.start(plugins=[DOMAIN], extra_plugins=[(DOMAIN, SubjectTablePlugin())]):
            pass
    with pytest.raises(
        ConfigurationError, match="'hookfix_record' is claimed by both plugin 'alpha' and plugin 'beta'"
    ):
        async with GatewayHarness.start(
            plugins=["alpha", "beta"], extra_plugins=[("alpha", TablesPlugin()), ("beta", TablesPlugin())]
        ):
            pass
