"""Federation v2: serving a supergraph of remote subgraphs (and, as one of them, this gateway).

- :mod:`.model` and :mod:`.supergraph`: the supergraph SDL read into an immutable model of which subgraph
  defines, keys, resolves, requires and provides what; :mod:`.compose` composes one from running subgraphs.
- :mod:`.query_plan`: the plan, the contract between the next two.
- :mod:`.planner`: an operation planned into fetches (Sequence, Parallel, Flatten), cached per operation.
- :mod:`.executor`: a plan run over the subgraphs (HTTP, or in process for the local one), merged and
  shaped to the client's operation.
- :mod:`.serving`: the audiences' views of the supergraph, the request path, reloading.
"""

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
