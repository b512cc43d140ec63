"""Every fixed bound lives in gateway/kernel/limits.py: no other module defines its own MAX_* or MIN_*."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
while not (ROOT / "pyproject.toml").exists():  # wherever this file sits under the repository
    ROOT = ROOT.parent
BOUND = re.compile(r"^(MAX|MIN)_[A-Z0-9_]+$")
HOME = ROOT / "gateway" / "kernel" / "limits.py"


def _bounds_defined(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in tree.body:  # module level only: a bound is a module's constant
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        names += [t.id for t in targets if isinstance(t, ast.Name) and BOUND.match(t.id)]
    return names


def test_no_module_but_the_limits_defines_a_bound() -> None:
    strays = {
        str(path.relative_to(ROOT)): names
        for path in (ROOT / "gateway").rglob("*.py")
        if path != HOME and "template" not in path.parts and (names := _bounds_defined(path))
    }
    assert strays == {}, "define these in gateway/kernel/limits.py and import them"


def test_the_limits_module_defines_each_bound_once_with_a_reason() -> None:
    text = HOME.read_text(encoding="utf-8")
    names = _bounds_defined(HOME)
    assert len(names) >= 25 and len(names) == len(set(names))
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if BOUND.match(line.split(" ", 1)[0]):
            assert lines[index - 1].startswith("#"), f"{line}: say why, in a comment above it"
