"""Running credit-gateway's executor over a family's real Node subgraphs (no Hive Gateway): the
subgraphs started and composed by the oracle harness, the supergraph parsed, and an HttpTransport
over the URLs composition wrote into it. Used by test_executor_*.py and test_ours_families.py."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import SelectionSetNode, parse

from gateway.federation import Supergraph, parse_supergraph
from gateway.federation.executor import HttpTransport, execute_plan
from gateway.federation.query_plan import OperationKind, QueryPlan
from tests.federation.oracle import FAMILIES_DIR, FAULTS_DIR, compose, ensure_node_modules, start_subgraphs


@dataclass
class RunningFamily:
    family: str
    supergraph: Supergraph

    @property
    def urls(self) -> dict[str, str]:
        return {name: subgraph.url for name, subgraph in self.supergraph.subgraphs.items()}

    def transport(self, **options: Any) -> RecordingTransport:
        return RecordingTransport(HttpTransport(self.urls, **options))

    async def run(
        self,
        plan: QueryPlan,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        operation_name: str | None = None,
        transport: RecordingTransport | None = None,
    ) -> dict[str, Any]:
        own = transport is None
        used = transport or self.transport()
        try:
            return await execute_plan(
                plan,
                supergraph=self.supergraph,
                document=parse(query),
                operation_name=operation_name,
                variables=variables or {},
                transport=used,
            )
        finally:
            if own:
                await used.aclose()


@dataclass
class RecordingTransport:
    """The real HttpTransport, with every request it sent written down (what the tests count)."""

    inner: HttpTransport
    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    async def send(
        self, subgraph: str, operation: str, variables: dict[str, Any], *, operation_kind: OperationKind
    ) -> dict[str, Any]:
        self.sent.append((subgraph, operation, variables))
        return await self.inner.send(subgraph, operation, variables, operation_kind=operation_kind)

    async def aclose(self) -> None:
        await self.inner.aclose()


@contextmanager
def running_family(family: str, url_suffix: dict[str, str] | None = None) -> Iterator[RunningFamily]:
    ensure_node_modules()
    workdir = Path(tempfile.mkdtemp(prefix=f"executor-{family}-"))
    process = None
    try:
        process, ready = start_subgraphs(family, workdir)
        folder = FAULTS_DIR if family == "faults" else FAMILIES_DIR / family
        yield RunningFamily(family, parse_supergraph(compose(folder, ready, url_suffix)))
    finally:
        if process is not None:
            process.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def selection(text: str) -> SelectionSetNode:
    """A ``requires`` selection set from its text, e.g. ``"... on User { __typename id }"``."""
    operation = parse("{ " + text + " }").definitions[0]
    return operation.selection_set  # type: ignore[attr-defined]


def entities_operation(typename: str, fields: str) -> str:
    head = "query($representations:[_Any!]!){_entities(representations:$representations)"
    return head + "{... on " + typename + "{" + fields + "}}}"
