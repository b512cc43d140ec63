"""The sample import files in samples/imports, which the README's import examples use, import whole:
one file per importer of the built-in plugins, named ``<domain>-<kind>.<csv|jsonl>``, every row
created on a fresh database through the CLI, nothing reported. So the samples cannot rot as the
importers change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli.main import app
from gateway.host.loading import installed_entry_points
from gateway.kernel.settings import Settings
from gateway.server.app import compose_plugins
from testsupport.paths import ROOT

SAMPLES = ROOT / "samples" / "imports"
# Judged as of a fixed day, so validity dates in the samples never age into a different result.
AS_OF = "2026-11-01"


def domain_and_kind(sample: Path) -> tuple[str, str]:
    domain, _, kind = sample.stem.partition("-")
    return domain, kind


def samples() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.suffix in (".csv", ".jsonl") and not p.name.endswith(".report.csv"))


def test_there_is_a_sample_for_every_importer() -> None:
    built_in = [name for name, ep in installed_entry_points().items() if ep.value.startswith("plugins.")]
    composition = compose_plugins(Settings(plugins=built_in))
    importers = {(domain, kind) for domain, kinds in composition.importers.items() for kind in kinds}
    shipped = [domain_and_kind(sample) for sample in samples()]
    assert sorted(shipped) == sorted(importers)


def test_every_sample_imports_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("CREDIT_GATEWAY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CREDIT_GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'samples.sqlite3'}")
    monkeypatch.setenv("CREDIT_GATEWAY_AS_OF", AS_OF)
    runner = CliRunner()
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    for sample in samples():
        domain, kind = domain_and_kind(sample)
        lines = sample.read_text(encoding="utf-8").splitlines()  # no cell of a sample spans lines
        rows = len(lines) - 1 if sample.suffix == ".csv" else len(lines)
        report = tmp_path / f"{sample.name}.report.csv"
        command = ["import", "--domain", domain, "--kind", kind, "--report", str(report), str(sample)]
        result = runner.invoke(app, command)
        assert result.exit_code == 0, f"{sample.name}: {result.output}"
        assert f"{rows} created, 0 unchanged, 0 rejected" in result.output, f"{sample.name}: {result.output}"
        assert not report.exists() or report.read_text(encoding="utf-8-sig").splitlines()[1:] == [], sample.name
