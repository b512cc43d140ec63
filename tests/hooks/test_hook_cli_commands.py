"""``cli_commands``: an installed plugin's commands and groups join ``credit-gateway`` (the real entry
point, in a subprocess, so that the plugin is loaded as the command line starts); a plugin whose hook
raises is named in a warning and the rest of the command line works. The core's features add theirs
(``audit``, ``clients contract``) the same way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from gateway.api import CommandLine, DatabaseOption, command_group, hookimpl

CLI = Path(sys.executable).parent / "credit-gateway"


class Greeter:
    """A root command using the command line's settings, database check and failures, and a command
    added to the core's ``clients`` group."""

    @hookimpl
    def cli_commands(self, app: typer.Typer, cli: CommandLine) -> None:
        @app.command("hookfix-greet", help="Greet someone once the database answers.")
        def greet(name: str, database_url: DatabaseOption = None) -> None:
            if not name.strip():
                raise cli.fail("nobody to greet", 3)
            settings = cli.settings(database_url)
            cli.run(cli.check_database(settings))
            cli.print(f"hello {name}, from {settings.database_url}")

        @command_group(app, "clients").command("hookfix-ping", help="Answer from inside the clients group.")
        def ping() -> None:
            cli.print("pong")


class Broken:
    @hookimpl
    def cli_commands(self, app: typer.Typer) -> None:
        app.command("hookfix-half", help="Added before the plugin's bug.")(lambda: None)
        raise RuntimeError("the plugin's own bug")


greeter, broken = Greeter(), Broken()  # what the temporary entry points name


def _install(where: Path) -> dict[str, str]:
    """Install ``greeter`` and ``broken`` as plugins (a ``*.dist-info`` with entry points naming this
    module), and the environment of a command line that finds them and this module."""
    info = where / "hookfix_cli_fixture-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hookfix-cli-fixture\nVersion: 0\n", encoding="utf-8")
    entry_points = f"[credit_gateway]\nhookfix_greeter = {__name__}:greeter\nhookfix_broken = {__name__}:broken\n"
    (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDIT_GATEWAY_")}
    inherited = [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []
    env["PYTHONPATH"] = os.pathsep.join([str(where), str(Path(__file__).parent), *inherited])
    env["COLUMNS"] = "200"  # whole help lines, for the assertions
    env["CREDIT_GATEWAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{where / 'cli.sqlite3'}"
    return env


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, timeout=120)


def test_hook_cli_commands(tmp_path: Path) -> None:
    env = _install(tmp_path)
    helped = _cli("--help", env=env)
    assert helped.returncode == 0, helped.stderr
    assert "hookfix-greet" in helped.stdout and "Greet someone once the database answers." in helped.stdout
    assert "audit" in helped.stdout  # the core's commands are all still there
    assert "hookfix-half" not in helped.stdout  # what the broken plugin added is taken back
    warning = "warning: plugin 'hookfix_broken' could not add its commands (RuntimeError: the plugin's own bug)"
    assert warning in helped.stderr
    assert "hookfix_greeter" not in helped.stderr

    greeted = _cli("hookfix-greet", "Ada", env=env)
    assert (greeted.returncode, greeted.stdout) == (0, f"hello Ada, from {env['CREDIT_GATEWAY_DATABASE_URL']}\n")
    unreachable = f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'dir.sqlite3'}"
    refused = _cli("hookfix-greet", "Ada", "--database-url", unreachable, env=env)
    assert refused.returncode == 1 and "is unreachable" in refused.stderr and "hello" not in refused.stdout
    nobody = _cli("hookfix-greet", " ", env=env)
    assert nobody.returncode == 3 and "error: nobody to greet" in nobody.stderr

    pinged = _cli("clients", "hookfix-ping", env=env)
    assert (pinged.returncode, pinged.stdout) == (0, "pong\n")
    clients = _cli("clients", "--help", env=env).stdout
    assert "hookfix-ping" in clients and "contract" in clients and "create" in clients


def test_the_core_features_add_their_commands_through_the_hook(tmp_path: Path) -> None:
    from gateway.cli.main import app

    runner = CliRunner()
    assert "contract" in runner.invoke(app, ["clients", "--help"], env={"COLUMNS": "200"}).stdout
    # `audit verify` (the audit feature's) on a database without the query record: no verdict, exit 2.
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    result = runner.invoke(app, ["audit", "verify", "--database-url", url])
    assert result.exit_code == 2
    assert "could not read the query record" in result.stderr
