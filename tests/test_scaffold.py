"""`credit-gateway plugin new` makes a package that installs and is served by the gateway."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli.scaffold import ScaffoldError, scaffold_plugin


def test_scaffolded_plugin_installs_and_its_field_is_served(tmp_path: Path) -> None:
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
    assert "parking" in listed.stdout and "submitParkingRecords" in listed.stdout
    # The generated package's own tests: submit through the mutation, read CreditSubject.parking.
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout


@pytest.mark.parametrize("name", ["Parking", "1x", "a-b", "x" * 40, "../evil"])
def test_bad_plugin_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ScaffoldError):
        scaffold_plugin(name, tmp_path)


def test_existing_directory_is_not_overwritten(tmp_path: Path) -> None:
    scaffold_plugin("parking", tmp_path)
    with pytest.raises(ScaffoldError, match="already exists"):
        scaffold_plugin("parking", tmp_path)
