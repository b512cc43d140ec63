"""Supergraphs for the planner's tests, composed once per test session (Apollo's composition library,
through the compose.mjs that `supergraph compose` ships) from the SDL files alone: planning needs no
running subgraph, so the URLs are placeholders.

Also each subgraph's own schema as graphql-core builds it (plus the ``_entities`` field its
``@apollo/subgraph`` server adds), so that a test can check that every fetch is a valid operation for
the subgraph it is sent to.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from graphql import GraphQLSchema, build_ast_schema, parse

from gateway.federation import Supergraph, parse_supergraph
from tests.federation.oracle import FAMILIES_DIR, HERE, compose, ensure_node_modules

BENCH_SCHEMA_DIR = HERE.parent.parent / "bench" / "peers" / "schema"
# The five Apollo subgraphs of bench/peers (W6), as bench/peers/src/compose.mjs assembles them.
BENCH_SUBGRAPHS = ("subjects", "tax", "urban_management", "culture", "construction")


@cache
def family_supergraph(family: str) -> Supergraph:
    folder = FAMILIES_DIR / family
    return compose_sdls({p.stem: p.read_text() for p in sorted(folder.glob("*.graphql"))})


@cache
def family_subgraph_schemas(family: str) -> dict[str, GraphQLSchema]:
    return {p.stem: subgraph_schema(p.read_text()) for p in sorted((FAMILIES_DIR / family).glob("*.graphql"))}


def subgraph_schema(sdl: str) -> GraphQLSchema:
    """The schema a subgraph serves: its SDL (federation directives not checked) plus ``_entities``."""
    entities = sorted(set(re.findall(r"^type\s+(\w+)[^{]*@key\(", sdl, flags=re.MULTILINE)))
    extra = "scalar _Any\n"
    if entities:
        extra += f"union _Entity = {' | '.join(entities)}\n"
        has_query = re.search(r"^type\s+Query\b", sdl, flags=re.MULTILINE) is not None
        extra += "extend " * has_query + "type Query { _entities(representations: [_Any!]!): [_Entity]! }\n"
    return build_ast_schema(parse(sdl + "\n" + extra), assume_valid_sdl=True)


def _bench_sdl(name: str) -> str:
    parts = [(BENCH_SCHEMA_DIR / f"{name}.graphql").read_text()]
    if name != "subjects":
        parts.append((BENCH_SCHEMA_DIR / "common.graphql").read_text())
    if name in {"urban_management", "culture"}:
        parts.append((BENCH_SCHEMA_DIR / "formats.graphql").read_text())
    return "\n".join(parts)


@cache
def bench_supergraph() -> Supergraph:
    """The bench's five subgraphs composed, as bench/peers/src/compose.mjs assembles their SDL."""
    return compose_sdls({name: _bench_sdl(name) for name in BENCH_SUBGRAPHS})


def bench_subgraph_schemas() -> dict[str, GraphQLSchema]:
    return {name: subgraph_schema(_bench_sdl(name)) for name in BENCH_SUBGRAPHS}


def compose_sdls(sdls: Mapping[str, str]) -> Supergraph:
    """A supergraph of subgraphs given as SDL text (a test's own small schemas)."""
    return parse_supergraph(compose_sdl_text(sdls))


def compose_sdl_text(sdls: Mapping[str, str]) -> str:
    """The supergraph SDL of ``{subgraph name: SDL}``, composed by Apollo's library; URLs on a closed port."""
    ensure_node_modules()
    with tempfile.TemporaryDirectory(prefix="compose-sdl-") as scratch:
        folder = Path(scratch)
        ready = {}
        for name, sdl in sdls.items():
            (folder / f"{name}.graphql").write_text(sdl)
            ready[name] = {"url": f"http://127.0.0.1:9/{name}", "sdl": f"{name}.graphql"}
        return compose(folder, ready)
