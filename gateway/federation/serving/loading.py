"""Loading a supergraph to serve: read it (file or URL), parse and check it, build each audience's
schema and a fresh plan cache. Everything is built before anything is swapped in, so a supergraph that
fails any step is refused whole and the one being served stays."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from graphql import GraphQLSchema

from gateway.auth.principal import Role
from gateway.federation.compose import read_supergraph_text
from gateway.federation.model import Supergraph
from gateway.federation.planner import PlanCache
from gateway.federation.serving.audiences import LocalVisibility, audience_schemas, check_declarations
from gateway.federation.serving.consent import ConsentRules
from gateway.federation.serving.headers import HeaderRules
from gateway.federation.serving.subgraph_limits import SubgraphLimits
from gateway.federation.supergraph import parse_supergraph


@dataclass(frozen=True)
class ServingConfig:
    """What serving a supergraph needs from the settings and from the in-process graph."""

    location: str
    visibilities: Mapping[str, str]
    local_subgraph: str
    # How the in-process graph shows its fields per audience; None: no in-process graph to consult.
    local_visible: LocalVisibility | None = None
    # Which client headers go to which subgraph, and fixed ones (setting subgraph_headers).
    headers: HeaderRules = field(default_factory=HeaderRules)
    # Each remote subgraph's timeout and concurrency limit (settings subgraph_timeouts, subgraph_concurrency).
    subgraph_limits: SubgraphLimits = field(default_factory=SubgraphLimits)


@dataclass(frozen=True)
class LoadedSupergraph:
    supergraph: Supergraph
    text: str  # as read: what the other workers are handed (gateway.federation.serving.siblings)
    sha256: str
    schemas: Mapping[Role, GraphQLSchema | None]
    plans: PlanCache
    # The subgraphs reached over HTTP (every one but the in-process one), by name.
    remote_urls: Mapping[str, str]
    # The supergraph includes the in-process subgraph: its fetches run in process.
    includes_local: bool
    # Which objects are about a subject, which remote fields are consent-scoped (partner:<group>).
    consent: ConsentRules = field(default_factory=lambda: ConsentRules({}, {}, {}))
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def describe(self) -> dict[str, object]:
        """For /healthz and the reload endpoint: which supergraph is served."""
        return {
            "sha256": self.sha256,
            "subgraphs": sorted(self.supergraph.subgraphs),
            "includesLocal": self.includes_local,
            "loadedAt": self.loaded_at.isoformat(),
        }


def read_text(location: str) -> str:
    """The supergraph's text (blocking: a file read or an HTTP GET); SupergraphError when unreadable."""
    return read_supergraph_text(location)


def load(text: str, config: ServingConfig) -> LoadedSupergraph:
    """Raises SupergraphError (a ConfigurationError) or ConfigurationError, naming what is wrong."""
    supergraph = parse_supergraph(text)
    declarations = check_declarations(config.visibilities, supergraph, config.local_subgraph)
    config.headers.check_subgraphs(supergraph.subgraphs)
    config.subgraph_limits.check_subgraphs(supergraph.subgraphs, config.local_subgraph)
    includes_local = config.local_subgraph in supergraph.subgraphs
    schemas = audience_schemas(
        supergraph, declarations, config.local_subgraph, config.local_visible if includes_local else None
    )
    remote = {
        s.name: s.url for s in supergraph.subgraphs.values() if not (includes_local and s.name == config.local_subgraph)
    }
    return LoadedSupergraph(
        supergraph=supergraph,
        text=text,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        schemas=schemas,
        # The in-process subgraph is not asked its entities' keys back (planner.groups.to_fetch_node).
        plans=PlanCache(supergraph, trusted_subgraphs=frozenset({config.local_subgraph} if includes_local else ())),
        remote_urls=remote,
        includes_local=includes_local,
        consent=ConsentRules.build(supergraph, declarations, config.local_subgraph),
    )
