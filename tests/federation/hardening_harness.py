"""Small supergraphs for the hardening tests: SDLs composed by the real composition (compose.mjs, the
one ``credit-gateway supergraph compose`` ships) and served by the real FederatedGateway, its remote
subgraphs answered by :class:`CannedSubgraphs`, a transport standing in for services that misbehave on
purpose (a wrong type, a hidden type, a code of their choosing, a path 16,000 elements long): what no
well-behaved @apollo/subgraph server can be made to answer. Everything of the gateway runs for real."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.federation.query_plan import OperationKind
from gateway.federation.serving import FederatedGateway, ServingConfig
from gateway.policy.limits import ListSizes, role_limits
from tests.federation.planner_supergraphs import compose_sdl_text

FEDERATION_LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible"])\n'
)
# (operation, variables) -> the subgraph's GraphQL response, or an awaitable of it.
Answer = Callable[[str, dict[str, Any]], dict[str, Any] | Awaitable[dict[str, Any]]]


def supergraph_text_of(sdls: Mapping[str, str]) -> str:
    """The supergraph of ``{subgraph name: SDL}`` (the federation link added), URLs on a closed port."""
    return compose_sdl_text({name: FEDERATION_LINK + sdl for name, sdl in sdls.items()})


@dataclass
class CannedSubgraphs:
    """A SubgraphTransport answering each subgraph's fetches with its :data:`Answer`."""

    answers: dict[str, Answer]
    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    closed: bool = False

    async def send(
        self, subgraph: str, operation: str, variables: dict[str, Any], *, operation_kind: OperationKind
    ) -> dict[str, Any]:
        self.sent.append((subgraph, operation, variables))
        answer = self.answers[subgraph](operation, variables)
        return await answer if isinstance(answer, Awaitable) else answer

    async def aclose(self) -> None:
        self.closed = True


def canned_gateway(
    supergraph_text: str,
    visibilities: Mapping[str, str],
    answers: dict[str, Answer],
    folder: Path,
) -> tuple[FederatedGateway, CannedSubgraphs]:
    """The real FederatedGateway serving ``supergraph_text`` (written under ``folder``) over ``answers``."""
    path = folder / "supergraph.graphql"
    path.write_text(supergraph_text)
    canned = CannedSubgraphs(answers)
    config = ServingConfig(location=str(path), visibilities=visibilities, local_subgraph="credit-gateway")
    gateway = FederatedGateway.start(
        config,
        limits=role_limits({}),
        sizes=ListSizes(),
        development_mode=False,
        transport_factory=lambda urls: canned,  # type: ignore[arg-type,return-value]
    )
    return gateway, canned
