"""Apollo's composition library (npm @apollo/composition) for the supergraph model's tests: real
supergraphs, composed the way users will compose theirs (gateway/federation/compose.mjs)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.federation import Supergraph, parse_supergraph
from gateway.federation.compose import SubgraphSource, compose
from testsupport.paths import ROOT

SUBGRAPHS = Path(__file__).with_name("subgraphs")
HARNESS = ROOT / "tests" / "federation"  # its package.json pins the same @apollo/composition


def _has_composition(directory: Path) -> bool:
    return (directory / "node_modules" / "@apollo" / "composition").is_dir()


@pytest.fixture(scope="session")
def composition_dir() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are needed to run Apollo's composition library")
    configured = os.environ.get("CREDIT_GATEWAY_COMPOSITION_DIR")
    if configured and _has_composition(Path(configured)):
        return Path(configured)
    if not _has_composition(HARNESS):
        installed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(HARNESS)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if installed.returncode != 0:
            pytest.skip(f"npm ci failed (offline?): {installed.stderr[-500:]}")
    return HARNESS


ComposeFn = Callable[..., Supergraph]


@pytest.fixture(scope="session")
def compose_supergraph(composition_dir: Path) -> ComposeFn:
    """compose_supergraph(name=sdl, …) -> the parsed supergraph of those subgraphs."""

    def run(**sdls: str) -> Supergraph:
        sources = [SubgraphSource(name, f"http://{name}.test/graphql", sdl) for name, sdl in sdls.items()]
        sdl, _hints = compose(sources, composition_dir)
        return parse_supergraph(sdl)

    return run


def subgraph_sdl(name: str) -> str:
    return (SUBGRAPHS / f"{name}.graphql").read_text()
