"""The transport one federated request uses: the in-process subgraph run on the plugins' own schema
(no HTTP, no serialisation), every other subgraph over the shared HTTP transport; and which subgraphs
the request called, for its record.

The local runner is made by the server for the request's principal (gateway.server.app): this package
does not import the server, which imports it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from gateway.federation.executor.errors import TrustedError
from gateway.federation.query_plan import OperationKind, SubgraphTransport, SubgraphUnavailable

# (operation text, variables, operation kind) -> the GraphQL response of the in-process graph.
LocalRunner = Callable[[str, dict[str, Any], OperationKind], Awaitable[dict[str, Any]]]


class LocalTransport:
    """The in-process subgraph as a :class:`SubgraphTransport`: the fetch's operation runs on the
    plugins' schema for the caller's audience, so the local fields keep their own policy, partner
    checks and query record (the schema's extensions run as for any local request)."""

    def __init__(self, name: str, run: LocalRunner) -> None:
        self.name = name
        self.run = run

    async def send(
        self, subgraph: str, operation: str, variables: dict[str, Any], *, operation_kind: OperationKind
    ) -> dict[str, Any]:
        if subgraph != self.name:
            raise SubgraphUnavailable(subgraph, f"{subgraph!r} is not the in-process subgraph {self.name!r}")
        answer = await self.run(operation, variables, operation_kind)
        errors = answer.get("errors")
        if errors:
            # The local engine's errors are already coded and masked by its own error policy: marked so
            # that the federated masking shows them as the local /graphql would.
            trusted = [TrustedError(error) if isinstance(error, dict) else error for error in errors]
            answer = {**answer, "errors": trusted}
        return answer


class RequestTransport:
    """Routes each fetch to the local or the remote transport, and notes the subgraphs it called."""

    def __init__(self, remote: SubgraphTransport, local: LocalTransport | None) -> None:
        self.remote = remote
        self.local = local
        self.called: set[str] = set()

    async def send(
        self, subgraph: str, operation: str, variables: dict[str, Any], *, operation_kind: OperationKind
    ) -> dict[str, Any]:
        self.called.add(subgraph)
        if self.local is not None and subgraph == self.local.name:
            return await self.local.send(subgraph, operation, variables, operation_kind=operation_kind)
        return await self.remote.send(subgraph, operation, variables, operation_kind=operation_kind)
