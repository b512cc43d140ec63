"""``credit-gateway schema``: the published GraphQL contract (what it writes: gateway.cli.schema_export)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.cli.common import PluginsOption, build_settings, console, fail
from gateway.kernel.errors import ConfigurationError

schema_app = typer.Typer(help="The published GraphQL contract.", no_args_is_help=True)


@schema_app.command("export")
def schema_export(
    out: Annotated[Path, typer.Option("--out", help="Directory for the SDL files.")] = Path("schema"),
    plugins: PluginsOption = None,
) -> None:
    """Write the composed SDL into schema/ (the contract frontends and banks code against)."""
    # Imported here: it composes the plugins and builds the schema, which `--help` does not need.
    from gateway.cli.schema_export import export_schema

    try:
        written = export_schema(build_settings(plugins=plugins), out)
    except ConfigurationError as exc:
        raise fail(str(exc)) from exc
    for path in written:
        console.print(f"wrote {path}")
