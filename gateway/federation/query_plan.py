"""A federated query plan: what the planner (:mod:`gateway.federation.planner`) produces and the
executor (:mod:`gateway.federation.executor`) runs. This module is the contract between the two.

The shape follows the query-plan semantics every Federation v2 gateway shares:

- a :class:`Fetch` sends one operation to one subgraph. A root fetch (``requires`` is None) sends the
  operation as is; its ``data`` is merged into the response at the root. An entity fetch sits under a
  :class:`Flatten`: the executor collects the objects at the flatten ``path``, builds one
  representation per object from ``requires`` (a selection set whose inline fragments are keyed by
  ``__typename``; objects that match no fragment, or whose key fields are null, are skipped),
  deduplicates them, sends them as ``$representations`` to ``_entities`` and merges each returned
  entity back into the object(s) it came from. The entities come back in the representations'
  order, and nothing else ties one to its object: so every entity fetch to a remote subgraph asks each
  entity back with ``__typename`` and the key its representation was built from (``keys``), and the
  executor refuses an entity whose key is not its representation's (an answer in another order, say).
  Fetches to the in-process subgraph ask nothing back and are not checked: they answer in order by
  construction, and some keys in another form (a natural person's code masked);
- :class:`Sequence` runs its nodes one after the other, :class:`Parallel` concurrently;
- ``path`` elements are response keys, with ``"@"`` standing for "every element of this list";
- ``input_rewrites`` change a representation before it is sent (``@interfaceObject``: the concrete
  ``__typename`` becomes the interface's name); ``output_rewrites`` rename keys of the fetch's result
  before the merge (a field aliased in the subgraph operation because another subgraph types it
  differently is renamed back to the client's key).

The executor merges every fetch's data into one response tree, then shapes it to the client's
operation against the API schema (fields, aliases, fragments, ``__typename``, null bubbling), so a
fetch may ask for more than the client did (key and @requires fields).

Plans are immutable and shared between requests through the plan cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from graphql import SelectionSetNode, print_ast

OperationKind = Literal["query", "mutation"]
LIST_ELEMENT = "@"


@dataclass(frozen=True)
class ValueSetter:
    """Set the value at ``path`` (inside a representation) to ``set_value_to``.

    Path elements are field names, or ``"... on Type"`` to apply only to objects of that type."""

    path: tuple[str, ...]
    set_value_to: Any


@dataclass(frozen=True)
class KeyRenamer:
    """Rename the key at ``path`` (inside a fetch's result data) to ``rename_key_to``.

    Path elements are response keys, ``"@"`` for list elements, or ``"... on Type"``."""

    path: tuple[str, ...]
    rename_key_to: str


@dataclass(frozen=True)
class Fetch:
    subgraph: str
    # The GraphQL document sent to the subgraph, printed once at planning time.
    operation: str
    operation_kind: OperationKind = "query"
    # Names of the client's variables the operation uses (sent along, the others are not).
    variable_usages: tuple[str, ...] = ()
    # Entity fetches: the selection that builds each representation; None for a root fetch.
    requires: SelectionSetNode | None = None
    input_rewrites: tuple[ValueSetter, ...] = ()
    output_rewrites: tuple[KeyRenamer, ...] = ()
    # Entity fetches: what the operation asks back of each entity to tell which one it is, in the form
    # of ``requires`` (fragments on the types the representations are sent as, response keys as
    # aliases): ``__typename`` and the key fields. None: nothing asked back, nothing to check (a fetch
    # to the in-process subgraph, which answers in order by construction; a plan written by hand).
    keys: SelectionSetNode | None = None
    # Stable within a plan, for extensions.queryPlan and error messages.
    id: int = 0

    @property
    def is_entity_fetch(self) -> bool:
        return self.requires is not None


@dataclass(frozen=True)
class Flatten:
    path: tuple[str, ...]
    node: Fetch


@dataclass(frozen=True)
class Sequence:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True)
class Parallel:
    nodes: tuple[PlanNode, ...]


PlanNode = Fetch | Flatten | Sequence | Parallel


@dataclass(frozen=True)
class QueryPlan:
    operation_kind: OperationKind
    # None: nothing to fetch (an operation of only __typename, say); the executor shapes an empty tree.
    node: PlanNode | None
    # The subgraphs the plan may call, for the query record and extensions.queryPlan.
    subgraphs: frozenset[str] = field(default_factory=frozenset)

    def fetches(self) -> list[Fetch]:
        """Every fetch of the plan, in plan order (the query record, caps and tests count them)."""
        return fetches_of(self.node)

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON for ``extensions.queryPlan`` (an admin's debugging aid; not a stable API)."""
        return {"kind": "QueryPlan", "node": None if self.node is None else node_to_json(self.node)}


def fetches_of(node: PlanNode | None) -> list[Fetch]:
    """The fetches under ``node``, in plan order."""
    if node is None:
        return []
    if isinstance(node, Fetch):
        return [node]
    if isinstance(node, Flatten):
        return [node.node]
    return [fetch for child in node.nodes for fetch in fetches_of(child)]


def node_to_json(node: PlanNode) -> dict[str, Any]:
    if isinstance(node, Fetch):
        out: dict[str, Any] = {"kind": "Fetch", "id": node.id, "serviceName": node.subgraph}
        out["operation"] = node.operation
        if node.variable_usages:
            out["variableUsages"] = list(node.variable_usages)
        if node.requires is not None:
            out["requires"] = print_ast(node.requires)
        if node.input_rewrites:
            out["inputRewrites"] = [{"path": list(r.path), "setValueTo": r.set_value_to} for r in node.input_rewrites]
        if node.output_rewrites:
            renames = node.output_rewrites
            out["outputRewrites"] = [{"path": list(r.path), "renameKeyTo": r.rename_key_to} for r in renames]
        return out
    if isinstance(node, Flatten):
        return {"kind": "Flatten", "path": list(node.path), "node": node_to_json(node.node)}
    kind = "Sequence" if isinstance(node, Sequence) else "Parallel"
    return {"kind": kind, "nodes": [node_to_json(child) for child in node.nodes]}


class SubgraphTransport(Protocol):
    """How the executor reaches a subgraph: HTTP for remote ones, the in-process engine for the local one.

    Returns the subgraph's GraphQL response (``data`` and/or ``errors``) as parsed JSON. Raises
    :class:`SubgraphUnavailable` when no well-formed GraphQL response came back (refused, timed out,
    non-JSON, 5xx without a GraphQL body, over the size cap)."""

    async def send(
        self, subgraph: str, operation: str, variables: dict[str, Any], *, operation_kind: OperationKind
    ) -> dict[str, Any]: ...


class SubgraphUnavailable(Exception):
    """A subgraph gave no usable GraphQL response; ``code`` is the stable extensions.code to report."""

    def __init__(self, subgraph: str, message: str, code: str = "SUBGRAPH_UNAVAILABLE") -> None:
        super().__init__(message)
        self.subgraph = subgraph
        self.code = code
