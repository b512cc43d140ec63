"""Federation v2 supergraphs: the model of which subgraph owns what (:mod:`.model`), read from a
supergraph SDL (:mod:`.supergraph`), and composing one from running subgraphs (:mod:`.compose`).

The query planner and executor that serve remote subgraphs build on this; they do not exist yet."""

from gateway.federation.model import (
    EntityKey,
    FieldInSubgraph,
    FieldSet,
    Subgraph,
    Supergraph,
    SupergraphField,
    SupergraphType,
    TypeInSubgraph,
)
from gateway.federation.supergraph import SupergraphError, parse_supergraph

__all__ = [
    "EntityKey",
    "FieldInSubgraph",
    "FieldSet",
    "Subgraph",
    "Supergraph",
    "SupergraphError",
    "SupergraphField",
    "SupergraphType",
    "TypeInSubgraph",
    "parse_supergraph",
]
