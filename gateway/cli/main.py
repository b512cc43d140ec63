"""The ``credit-gateway`` command line: the root app, ``--version``, each command group from its
own module (serve, demo, importing, plugins, db, clients_commands, schema), then the commands of the
plugins (``cli_commands``): the core's features add theirs this way (``audit``, ``clients contract``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from gateway import __version__
from gateway.cli.clients_commands import clients_app
from gateway.cli.common import build_settings, console, err, fail, run_coroutine
from gateway.cli.db import check_database, db_app
from gateway.cli.demo import demo_seed
from gateway.cli.importing import import_records
from gateway.cli.plugins import list_plugins, plugin_app
from gateway.cli.schema import schema_app
from gateway.cli.serve import serve
from gateway.cli.supergraph import supergraph_app
from gateway.hooks.specs import CommandLine
from gateway.host.loading import each_implementation, installed_plugin_manager
from gateway.kernel.settings import Settings
from gateway.policy.visibility import Policies

app = typer.Typer(help="credit-gateway: one credit-subject graph over the public credit domains.", no_args_is_help=True)


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False) -> None:
    if version:
        console.print(__version__)
        raise typer.Exit()


# `--help` lists the commands in this order, then the groups in theirs.
app.command("serve")(serve)
app.command("demo")(demo_seed)
app.command("import")(import_records)
app.command("plugins")(list_plugins)
app.add_typer(db_app, name="db")
app.add_typer(clients_app, name="clients")
app.add_typer(plugin_app, name="plugin")
app.add_typer(schema_app, name="schema")
app.add_typer(supergraph_app, name="supergraph")


def _composition(settings: Settings) -> Any:
    from gateway.server.app import compose_plugins  # composing is costly: only for the commands that need it

    return compose_plugins(settings)


def _policies(settings: Settings) -> Policies:
    return _composition(settings).policies


COMMAND_LINE = CommandLine(
    settings=build_settings,
    run=run_coroutine,
    check_database=check_database,
    policies=_policies,
    composition=_composition,
    print=console.print,
    fail=fail,
)


def add_plugin_commands(root: typer.Typer) -> None:
    """Let every plugin add its commands (``cli_commands``): the default plugins, then the installed
    ones by name, whatever the allow-list (no settings are read). A plugin that fails to load, or whose
    ``cli_commands`` raises, is named in a warning on stderr; what it added at the root is taken back,
    and the rest of the command line works."""
    manager, broken = installed_plugin_manager()
    for name, reason in broken.items():
        _warn(name, f"could not be loaded ({reason})")
    for name, call in reversed(each_implementation(manager, "cli_commands")):  # registration order
        commands, groups = len(root.registered_commands), len(root.registered_groups)
        try:
            call(app=root, cli=COMMAND_LINE)
        except Exception as exc:  # a plugin's bug must not cost the user the whole command line
            del root.registered_commands[commands:], root.registered_groups[groups:]
            _warn(name, f"could not add its commands ({type(exc).__name__}: {exc})")


def _warn(plugin: str, what: str) -> None:
    err.print(f"[bold yellow]warning:[/] plugin {escape(repr(plugin))} {escape(what)}")


add_plugin_commands(app)  # here, not in a callback: `--help` and command parsing need them first


if __name__ == "__main__":  # python -m gateway.cli.main
    app()
