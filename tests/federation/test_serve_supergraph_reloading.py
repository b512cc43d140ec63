"""Reloading a served supergraph without a restart: on SIGHUP and by polling (``supergraph_poll_seconds``),
as the app's lifespan runs them (gateway.federation.serving.reloading), over the "root_fields" family's
real Node subgraphs. A bad supergraph is refused and the old one keeps serving."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.federation.serving import FederatedGateway
from gateway.federation.serving.reloading import reloading
from gateway.testing import GatewayHarness
from tests.federation.oracle import FAMILIES_DIR, compose, ensure_node_modules, start_subgraphs

FAMILY = "root_fields"
# How long a test waits for a reload it caused before it fails: generous, never a timing assertion.
PATIENCE_S = 30.0


@pytest.fixture(scope="module")
def composed() -> Iterator[tuple[Path, str]]:
    ensure_node_modules()
    with tempfile.TemporaryDirectory(prefix="serve-supergraph-reloading-") as tmp:
        process, ready = start_subgraphs(FAMILY, Path(tmp))
        try:
            yield Path(tmp), compose(FAMILIES_DIR / FAMILY, ready)
        finally:
            process.stop()


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def served_sha_becomes(gateway: FederatedGateway, expected: str) -> None:
    step = 0.02
    for _ in range(int(PATIENCE_S / step)):
        if gateway.loaded.sha256 == expected:
            return
        await asyncio.sleep(step)
    raise AssertionError(f"still serving {gateway.loaded.sha256} after {PATIENCE_S} s, not {expected}")


async def left(harness: GatewayHarness) -> object:
    return (await harness.client.post("/graphql", json={"query": "{ left }"})).json()


async def test_polling_serves_a_changed_supergraph_and_keeps_the_old_one_when_it_is_bad(
    composed: tuple[Path, str],
) -> None:
    workdir, sdl = composed
    path = workdir / "polled.graphql"
    path.write_text(sdl)
    async with GatewayHarness.start(plugins=[], supergraph=str(path), subgraph_visibility={"*": "public"}) as gw:
        gateway: FederatedGateway = gw.app.state.federated_gateway
        try:
            async with reloading(gateway, poll_seconds=0.05):
                path.write_text("type Query { broken")
                # The refusal is logged on each poll; the old supergraph still answers meanwhile.
                for _ in range(3):
                    await asyncio.sleep(0.1)
                    assert gateway.loaded.sha256 == sha(sdl)
                    assert await left(gw) == {"data": {"left": 1}}
                changed = sdl + "\n# the next release\n"
                path.write_text(changed)
                await served_sha_becomes(gateway, sha(changed))
                assert await left(gw) == {"data": {"left": 1}}
        finally:
            await gateway.aclose()


async def test_sighup_reloads_the_supergraph(composed: tuple[Path, str]) -> None:
    workdir, sdl = composed
    path = workdir / "hangup.graphql"
    path.write_text(sdl)
    async with GatewayHarness.start(plugins=[], supergraph=str(path), subgraph_visibility={"*": "public"}) as gw:
        gateway: FederatedGateway = gw.app.state.federated_gateway
        try:
            async with reloading(gateway, poll_seconds=0):
                changed = sdl + "\n# reloaded on SIGHUP\n"
                path.write_text(changed)
                os.kill(os.getpid(), signal.SIGHUP)
                await served_sha_becomes(gateway, sha(changed))
        finally:
            await gateway.aclose()
