"""``python -m gateway.cli``: the command line."""

from gateway.cli.main import app

app()
