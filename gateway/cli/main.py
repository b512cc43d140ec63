"""The ``credit-gateway`` command line: the root app, ``--version``, and each command group from its
own module (serve, demo, importing, plugins, db, clients_commands, schema, audit)."""

from __future__ import annotations

from typing import Annotated

import typer

from gateway import __version__
from gateway.cli.audit import audit_app
from gateway.cli.clients_commands import clients_app
from gateway.cli.common import console
from gateway.cli.db import db_app
from gateway.cli.demo import demo_seed
from gateway.cli.importing import import_records
from gateway.cli.plugins import list_plugins, plugin_app
from gateway.cli.schema import schema_app
from gateway.cli.serve import serve

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
app.add_typer(audit_app, name="audit")


if __name__ == "__main__":  # python -m gateway.cli.main
    app()
