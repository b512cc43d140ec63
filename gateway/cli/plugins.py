"""``credit-gateway plugins`` (what the loaded plugins contribute) and ``credit-gateway plugin``
(plugin development: ``plugin new``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.cli.common import PluginsOption, build_settings, console, fail
from gateway.kernel.errors import ConfigurationError

plugin_app = typer.Typer(help="Plugin development.", no_args_is_help=True)


def list_plugins(plugins: PluginsOption = None) -> None:
    """List the loaded plugins, their versions, what each contributes and its partner-grantable
    field groups (partner:<group>, for `clients contract --groups`)."""
    from rich.text import Text

    from gateway.server.app import compose_plugins

    try:
        composition = compose_plugins(build_settings(plugins=plugins))
    except ConfigurationError as exc:
        raise fail(str(exc)) from exc
    if not composition.plugins:
        console.print("no plugins loaded")
        return
    policies = composition.policies
    for plugin in composition.plugins:
        parts = {kind: names for kind, names in composition.contributions_of(plugin.name).items() if names}
        for group, fields in policies.partner_groups().items():
            owned = [f for f in fields if policies.owners[f] == plugin.name]
            if owned:
                parts[f"partner:{group}"] = owned
        console.print(Text.assemble((plugin.name, "bold"), f" {plugin.version} ({plugin.module})"))
        if not parts:
            console.print("  contributes nothing")
        # Plain lines, one name each, never cut or padded (no table): whole names in a narrow terminal
        # (it wraps a long line itself) and in a pipe, where grep finds them.
        width = max((len(kind) for kind in parts), default=0)
        for kind, names in parts.items():
            for i, name in enumerate(names):
                label = kind if i == 0 else ""
                console.print(Text.assemble("  ", (f"{label:<{width}}", "cyan"), "  ", name), soft_wrap=True)


@plugin_app.command("new")
def plugin_new(
    name: Annotated[str, typer.Argument(help="The plugin's name: lower case letters, digits and _.")],
    directory: Annotated[Path, typer.Option("--directory", "-d", help="Where to create the package.")] = Path("."),
) -> None:
    """Scaffold a pip-installable plugin package: entry point, table, migration, record type,
    a CreditSubject field, a loader, a submission mutation and a test."""
    from gateway.cli.scaffold import ScaffoldError, scaffold_plugin

    try:
        target = scaffold_plugin(name, directory)
    except ScaffoldError as exc:
        raise fail(str(exc)) from exc
    console.print(f"Created {target}. Next: pip install -e {target} && credit-gateway plugins")
