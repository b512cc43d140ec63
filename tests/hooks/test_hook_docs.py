"""The README's plugin guide ("### Hooks") documents every hook the gateway defines: a heading with
the hook's signature, then what it receives, what it returns and an example."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pluggy
import pytest

from gateway.host.loading import load_plugins

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "### Hooks"


def hookspecs() -> dict[str, Callable[..., Any]]:
    """Every hookspec the gateway registers, by name (from its plugin manager, wherever the specs live)."""
    manager, _ = load_plugins(allow_list=[])
    callers = vars(manager.hook).items()
    return {name: c.spec.function for name, c in sorted(callers) if isinstance(c, pluggy.HookCaller) and c.spec}


def signature_heading(name: str, spec: Callable[..., Any]) -> str:
    """``#### name(parameters)`` as ``inspect.signature`` renders the hook without annotations."""
    signature = inspect.signature(spec)
    bare = signature.replace(
        parameters=[p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()],
        return_annotation=inspect.Signature.empty,
    )
    return f"#### {name}{bare}"


def hook_subsections() -> dict[str, str]:
    """The ``####`` subsections of the README's "### Hooks" section: heading line -> text under it."""
    lines = README.read_text(encoding="utf-8").splitlines()
    assert SECTION in lines, f"README.md has no {SECTION!r} section"
    start = lines.index(SECTION) + 1
    end = next((i for i in range(start, len(lines)) if re.match(r"#{1,3} ", lines[i])), len(lines))
    subsections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines[start:end]:
        if line.startswith("#### "):
            current = subsections.setdefault(line.rstrip(), [])
        elif current is not None:
            current.append(line)
    return {heading: "\n".join(text).strip() for heading, text in subsections.items()}


SPECS = hookspecs()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_hook_has_a_subsection_with_its_signature(name: str) -> None:
    heading = signature_heading(name, SPECS[name])
    subsections = hook_subsections()
    assert heading in subsections, f"README.md {SECTION}: no heading {heading!r}; headings: {sorted(subsections)}"
    text = subsections[heading]
    for part in ("Receives:", "Returns:", "Example"):
        assert re.search(rf"^{part}", text, re.MULTILINE), f"{heading}: no line starting {part!r}"
    receives = re.search(r"^Receives:(.*?)(?=^Returns:)", text, re.MULTILINE | re.DOTALL)
    assert receives is not None, f"{heading}: 'Receives:' must come before 'Returns:'"
    parameters = list(inspect.signature(SPECS[name]).parameters)
    if parameters:  # each parameter named and explained
        for parameter in parameters:
            assert f"`{parameter}`" in receives.group(1), f"{heading}: 'Receives:' does not name `{parameter}`"
    else:
        assert receives.group(1).strip() == "nothing.", f"{heading}: the hook takes no arguments"
    example = text[re.search(r"^Example", text, re.MULTILINE).start() :]  # type: ignore[union-attr]
    assert "`" in example, f"{heading}: the example has no code"


def test_every_hook_subsection_is_a_hook() -> None:
    """No heading for a hook that does not exist, or with a stale signature."""
    expected = {signature_heading(name, spec) for name, spec in SPECS.items()}
    stale = set(hook_subsections()) - expected
    assert not stale, f"README.md {SECTION} documents what is no hook (or an old signature): {sorted(stale)}"
