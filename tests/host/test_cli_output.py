"""`credit-gateway plugins` read in an 80-column terminal or a pipe: every name whole, one a line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gateway.cli.main import app
from gateway.kernel.settings import Settings
from gateway.server.app import compose_plugins


@pytest.mark.parametrize("columns", ["80", "40"])
def test_plugins_shows_every_name_whole(columns: str) -> None:
    result = CliRunner().invoke(app, ["plugins"], env={"COLUMNS": columns, "CREDIT_GATEWAY_PLUGINS": ""})
    assert result.exit_code == 0 and result.stdout.strip() == "no plugins loaded"

    result = CliRunner().invoke(app, ["plugins"], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "…" not in result.stdout
    composition = compose_plugins(Settings())
    assert composition.plugins
    for plugin in composition.plugins:
        assert f"{plugin.name} {plugin.version} ({plugin.module})" in lines
        for kind, names in composition.contributions_of(plugin.name).items():
            for name in names:
                # The name ends its line: a grep for it finds it, and nothing cut it short.
                assert any(line.endswith(f"  {name}") for line in lines), (kind, name, result.stdout)


def test_plugins_shows_the_partner_grantable_fields_by_group() -> None:
    """What `clients contract --groups` accepts, and which fields each group hands out."""
    result = CliRunner().invoke(app, ["plugins"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    groups = compose_plugins(Settings()).policies.partner_groups()
    assert groups, "the built-in plugins declare partner-grantable groups"
    for group, fields in groups.items():
        first = next(i for i, line in enumerate(lines) if line.strip().startswith(f"partner:{group} "))
        shown = [line.split()[-1] for line in lines[first : first + len(fields)]]
        assert shown == fields, (group, result.stdout)
