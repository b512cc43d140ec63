"""Composing a supergraph from running subgraphs: fetch each one's SDL (``{ _service { sdl } }``)
and hand them to Apollo's composition library (npm ``@apollo/composition``) through ``compose.mjs``,
shipped beside this module and run with ``node``; and reading a supergraph from a file or URL."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from gateway.federation.supergraph import SupergraphError
from gateway.kernel.limits import MAX_SUBGRAPH_SDL_BYTES, MAX_SUPERGRAPH_BYTES

COMPOSITION_PACKAGE = "@apollo/composition@2.14.4"
COMPOSE_SCRIPT = Path(__file__).with_name("compose.mjs")
_SERVICE_QUERY = "{ _service { sdl } }"
# Composition of a large supergraph takes seconds; far longer means something hangs.
_COMPOSE_TIMEOUT_SECONDS = 300


class CompositionError(SupergraphError):
    """The subgraphs could not be fetched or composed; the message lists why."""


@dataclass(frozen=True)
class SubgraphSource:
    name: str
    url: str
    sdl: str


def fetch_subgraph_sdl(
    name: str, url: str, headers: Mapping[str, str] | None = None, timeout: float = 30.0
) -> SubgraphSource:
    try:
        response = httpx.post(url, json={"query": _SERVICE_QUERY}, headers=dict(headers or {}), timeout=timeout)
    except httpx.HTTPError as exc:
        raise CompositionError(f"subgraph {name!r} at {url}: {exc}") from exc
    if len(response.content) > MAX_SUBGRAPH_SDL_BYTES:
        raise CompositionError(f"subgraph {name!r}: its SDL is larger than {MAX_SUBGRAPH_SDL_BYTES} bytes")
    try:
        body = response.json()
    except ValueError as exc:
        raise CompositionError(f"subgraph {name!r} at {url} answered HTTP {response.status_code}, not JSON") from exc
    sdl = ((body.get("data") or {}).get("_service") or {}).get("sdl") if isinstance(body, dict) else None
    if not isinstance(sdl, str) or not sdl.strip():
        errors = body.get("errors") if isinstance(body, dict) else None
        raise CompositionError(f"subgraph {name!r} at {url} gave no _service.sdl: {errors or body!r}"[:1000])
    return SubgraphSource(name, url, sdl)


def composition_dir(configured: Path | str | None) -> Path:
    """The directory whose node_modules holds the composition library, or a clear error."""
    how = f"npm install {COMPOSITION_PACKAGE} --prefix DIR, then pass --node-modules DIR"
    if configured is None:
        raise CompositionError(f"composition needs Apollo's library: {how} (or set CREDIT_GATEWAY_COMPOSITION_DIR)")
    directory = Path(configured)
    if not (directory / "node_modules" / "@apollo" / "composition").is_dir():
        raise CompositionError(
            f"{directory} has no node_modules/@apollo/composition: "
            f"npm install {COMPOSITION_PACKAGE} --prefix {directory}"
        )
    return directory


def compose(subgraphs: list[SubgraphSource], node_modules: Path) -> tuple[str, list[str]]:
    """The supergraph SDL and composition's hints; CompositionError with every composition error."""
    if shutil.which("node") is None:
        raise CompositionError("composition runs on Node.js (20 or later): `node` is not on the PATH")
    payload = json.dumps([{"name": s.name, "url": s.url, "sdl": s.sdl} for s in subgraphs])
    try:
        result = subprocess.run(
            ["node", str(COMPOSE_SCRIPT), str(node_modules)],
            input=payload,
            capture_output=True,
            text=True,
            timeout=_COMPOSE_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        raise CompositionError(f"composition took longer than {_COMPOSE_TIMEOUT_SECONDS} s") from exc
    if result.returncode != 0:
        raise CompositionError(result.stderr.strip() or f"compose.mjs exited with {result.returncode}")
    outcome = json.loads(result.stdout)
    if not outcome["ok"]:
        listed = "\n".join(f"  {e['code']}: {e['message']}" for e in outcome["errors"])
        raise CompositionError(f"the subgraphs do not compose:\n{listed}")
    return outcome["supergraphSdl"], list(outcome.get("hints", []))


def read_supergraph_text(location: str, timeout: float = 30.0) -> str:
    """The SDL at a path or an http(s) URL, refused above MAX_SUPERGRAPH_BYTES before it is read whole."""
    too_large = f"{location} is larger than {MAX_SUPERGRAPH_BYTES} bytes"
    if location.startswith(("http://", "https://")):
        try:
            with httpx.stream("GET", location, timeout=timeout, follow_redirects=True) as response:
                response.raise_for_status()
                chunks: list[bytes] = []
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    if sum(map(len, chunks)) > MAX_SUPERGRAPH_BYTES:
                        raise SupergraphError(too_large)
                # Decoded here, in the try: a body that is not UTF-8 is a refused supergraph, not a crash.
                return b"".join(chunks).decode("utf-8")
        except (httpx.HTTPError, UnicodeDecodeError) as exc:
            raise SupergraphError(f"cannot fetch the supergraph from {location}: {exc}") from exc
    path = Path(location)
    try:
        if path.stat().st_size > MAX_SUPERGRAPH_BYTES:
            raise SupergraphError(too_large)
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SupergraphError(f"cannot read the supergraph {location}: {exc}") from exc
