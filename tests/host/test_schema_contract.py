"""The published SDL in schema/ matches the code, and the hook API is documented and tested."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from gateway.cli.schema_export import SUBGRAPH_FILE, render_all
from gateway.hooks import specs as hookspecs
from gateway.kernel.settings import Settings
from testsupport.paths import ROOT


def test_checked_in_sdl_matches_the_code() -> None:
    expected = render_all(Settings())
    published = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "schema").glob("*.graphql")}
    assert set(published) == set(expected), "schema/ holds other files than `credit-gateway schema export` writes"
    for name, sdl in expected.items():
        assert published[name] == sdl, f"schema/{name} drifted: run `credit-gateway schema export`, review the diff"
    assert SUBGRAPH_FILE in expected


def _hook_names() -> list[str]:
    return [
        name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "credit_gateway_spec")
    ]


def test_every_hook_is_documented_with_returns_and_example() -> None:
    names = _hook_names()
    assert len(names) >= 9
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in names:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert "Returns" in doc and "Example" in doc, name
        assert f"`{name}`" in readme, f"README.md does not document hook {name}"


def _functions_defined_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


@pytest.mark.parametrize("name", _hook_names())
def test_every_hook_is_implemented_by_a_tested_plugin(name: str) -> None:
    """Each hook has its own test module, ``tests/hooks/test_hook_<name>.py``, whose ``test_hook_<name>``
    starts the gateway with a fixture plugin implementing the hook and checks what the hook does."""
    module = ROOT / "tests" / "hooks" / f"test_hook_{name}.py"
    assert module.is_file(), f"hook {name} has no test module {module.relative_to(ROOT)}"
    assert f"test_hook_{name}" in _functions_defined_in(module), (
        f"{module.relative_to(ROOT)} defines no test_hook_{name}"
    )


def test_built_in_plugins_import_only_the_public_api() -> None:
    for path in ROOT.glob("plugins/**/*.py"):
        if "tests" in path.relative_to(ROOT).parts:
            continue  # a plugin's own tests (plugins/<name>/tests) drive it through gateway.testing
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gateway"):
                assert node.module == "gateway.api", f"{path}: imports {node.module}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("gateway"), f"{path}: imports {alias.name}"


def test_gateway_names_no_domain() -> None:
    """Nothing in gateway/ imports a built-in plugin or names its domain in a string."""
    from gateway.host.loading import installed_entry_points

    built_in = {name for name, ep in installed_entry_points().items() if ep.value.startswith("plugins.")}
    assert built_in, "the built-in plugins are not installed"
    for path in (ROOT / "gateway").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] != "plugins", f"{path} imports {node.module}"
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "plugins" for a in node.names), f"{path} imports plugins"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in built_in, f"{path} names domain {node.value!r}"
