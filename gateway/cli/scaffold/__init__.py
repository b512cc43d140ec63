"""``credit-gateway plugin new NAME``: a pip-installable plugin package that works out of the box.

The template under ``template/`` uses ``{{name}}`` (the plugin and domain name), ``{{Camel}}``
(its CamelCase form) and ``{{camel}}`` (camelCase, the CreditSubject field) placeholders.
"""

from __future__ import annotations

import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


class ScaffoldError(Exception):
    pass


def _names(name: str) -> dict[str, str]:
    parts = name.split("_")
    camel_case = "".join(p.capitalize() for p in parts)
    return {"{{name}}": name, "{{Camel}}": camel_case, "{{camel}}": parts[0] + camel_case[len(parts[0]) :]}


def _render(text: str, names: dict[str, str]) -> str:
    for placeholder, value in names.items():
        text = text.replace(placeholder, value)
    return text


def _copy(source: Traversable, target: Path, names: dict[str, str]) -> None:
    for entry in source.iterdir():
        if entry.name == "__pycache__":
            continue
        rendered_name = _render(
            entry.name.replace("package", "credit_gateway_{{name}}", 1) if entry.name == "package" else entry.name,
            names,
        ).removesuffix(".tmpl")
        destination = target / rendered_name
        if entry.is_dir():
            destination.mkdir()
            _copy(entry, destination, names)
        else:
            destination.write_text(_render(entry.read_text(encoding="utf-8"), names), encoding="utf-8")


def scaffold_plugin(name: str, directory: Path) -> Path:
    """Create ``credit-gateway-<name>/`` in ``directory`` and return its path."""
    if not NAME_PATTERN.match(name):
        raise ScaffoldError(f"plugin name {name!r} must match {NAME_PATTERN.pattern} (lower case, digits, _)")
    target = directory / f"credit-gateway-{name.replace('_', '-')}"
    if target.exists():
        raise ScaffoldError(f"{target} already exists")
    target.mkdir(parents=True)
    _copy(files("gateway.cli.scaffold") / "template", target, _names(name))
    return target
