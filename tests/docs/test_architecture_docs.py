"""The README's "Architecture" and "Layout" say what the tree and the import contracts say."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent
while not (ROOT / "pyproject.toml").exists():  # wherever this file sits under the repository
    ROOT = ROOT.parent


def _section(title: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"## {title}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end != -1 else None]


def test_the_architecture_table_lists_the_layers_of_the_import_contract_in_order() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    layers = [name.strip() for layer in contract["layers"] for name in layer.split("|")]
    documented = re.findall(r"^\| `(gateway(?:\.\w+)?)` \|", _section("Architecture"), re.M)
    # The table names gateway.features once for its two contract rows.
    expected = list(dict.fromkeys(re.sub(r"^(gateway\.features)\.\w+$", r"\1", layer) for layer in layers))
    assert documented == expected


def test_the_layout_names_every_package_of_the_core() -> None:
    layout = _section("Layout")
    packages = sorted(p.parent.name for p in (ROOT / "gateway").glob("*/__init__.py"))
    missing = [name for name in packages if f"  {name}/" not in layout]
    assert missing == []
    named = re.findall(r"^  (\w+)/", layout, re.M)
    assert [name for name in named if not (ROOT / "gateway" / name).is_dir()] == []
