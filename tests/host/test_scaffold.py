"""`credit-gateway plugin new` makes a package that installs and is served by the gateway."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli.scaffold import ScaffoldError, scaffold_plugin

# The modules of a built-in domain (plugins/tax), and what the package ships beside them.
GENERATED_FILES = [
    "pyproject.toml",
    "README.md",
    "samples/records.csv",
    "tests/test_plugin.py",
    *(
        f"credit_gateway_parking/{module}.py"
        for module in ("__init__", "rules", "tables", "types", "submissions", "importing", "loaders", "queries", "demo")
    ),
    "credit_gateway_parking/migrations/versions/0001_initial.py",
]


def test_scaffold_has_the_built_in_domains_shape(tmp_path: Path) -> None:
    package = scaffold_plugin("parking", tmp_path)
    assert [f for f in GENERATED_FILES if not (package / f).is_file()] == []
    code = {p.name: p.read_text(encoding="utf-8") for p in (package / "credit_gateway_parking").glob("*.py")}
    # Only the public API, and the core's helpers rather than hand-made mutations or lists.
    assert not [
        line
        for text in code.values()
        for line in text.splitlines()
        if re.match(r"(from|import) gateway\.(?!api\b)", line)
    ]
    assert "submission_mutation(" in code["__init__.py"] and "MutationField(" not in code["__init__.py"]
    assert "read_envelope_fields(" in code["submissions.py"] and "query_chunks(" in code["submissions.py"]
    assert "published_page(" in code["queries.py"]
    assert "ImportColumn(" in code["importing.py"] and "seed_demo_data" in code["__init__.py"]
    assert "credit-gateway import --domain parking --kind records samples/records.csv" in (
        package / "README.md"
    ).read_text(encoding="utf-8")
    assert "{{" not in "".join(p.read_text(encoding="utf-8") for p in package.rglob("*") if p.is_file())


def test_scaffold_is_ruff_clean(tmp_path: Path) -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    for name in ("parking", "street_parking"):  # a one-part and a two-part name (camelCase differs)
        package = scaffold_plugin(name, tmp_path)
        checked = subprocess.run([ruff, "check", "."], cwd=package, capture_output=True, text=True, timeout=120)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_scaffolded_plugin_installs_and_its_own_tests_pass(tmp_path: Path) -> None:
    package = scaffold_plugin("parking", tmp_path)
    site = tmp_path / "site"
    # Installed into its own directory, not this environment, so no other test sees the plugin.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(package),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("CREDIT_GATEWAY_PLUGINS", None)
    listed = subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", "plugins"], env=env, capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    parking = _contributions(listed.stdout, "parking")
    assert parking["mutations"] == ["submitParkingRecords"]
    assert parking["query fields"] == ["parkingRecords"]
    assert parking["subject fields"] == ["parking"]
    assert parking["importers"] == ["records"]
    assert parking["tables"] == ["parking_record"]
    # The generated package's own tests: submission, import, list, demo and the subject field.
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    collected = re.search(r"(\d+) passed", tests.stdout)
    assert collected is not None and int(collected.group(1)) >= 6, tests.stdout
    assert "failed" not in tests.stdout and "skipped" not in tests.stdout


def _contributions(listing: str, plugin: str) -> dict[str, list[str]]:
    """One plugin's part of ``credit-gateway plugins``: its header line, then indented lines of
    ``kind  name`` (the kind only on a kind's first line)."""
    lines = listing.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{plugin} "))
    parts: dict[str, list[str]] = {}
    kind = ""
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        label, _, name = line.strip().rpartition("  ")
        kind = label.strip() or kind
        parts.setdefault(kind, []).append(name.strip())
    return parts


@pytest.mark.parametrize("name", ["Parking", "1x", "a-b", "x" * 40, "../evil"])
def test_bad_plugin_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ScaffoldError):
        scaffold_plugin(name, tmp_path)


def test_existing_directory_is_not_overwritten(tmp_path: Path) -> None:
    scaffold_plugin("parking", tmp_path)
    with pytest.raises(ScaffoldError, match="already exists"):
        scaffold_plugin("parking", tmp_path)
