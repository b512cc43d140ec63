"""What every command module shares: the output consoles, the common options, settings from flags,
and the plain failure every command reports instead of a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from gateway.kernel.errors import ConfigurationError
from gateway.kernel.settings import Settings

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DatabaseOption = Annotated[str | None, typer.Option("--database-url", help="Overrides CREDIT_GATEWAY_DATABASE_URL.")]
PluginsOption = Annotated[str | None, typer.Option("--plugins", help="Comma-separated plugin allow-list.")]

T = TypeVar("T")


def build_settings(database_url: str | None = None, plugins: str | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, with the flags a command was given (None: not given) on top."""
    values: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    if database_url:
        values["database_url"] = database_url
    if plugins is not None:
        values["plugins"] = plugins
    return Settings(**values)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error and return the exit to raise (``raise fail(...)``)."""
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to completion; a configuration error becomes a plain failure (exit 1)."""
    try:
        return asyncio.run(coroutine)
    except ConfigurationError as exc:
        raise fail(str(exc)) from exc
