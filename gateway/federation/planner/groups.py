"""Fetch groups: the fetches of a plan while it is being built, and how they become plan nodes.

A group is one future :class:`~gateway.federation.query_plan.Fetch`: a root fetch, or an entity fetch
at a response path. Groups depend on the groups whose data they need (keys, @requires fields); the
plan runs them in waves: every group of a wave depends only on groups of earlier waves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import VariableDefinitionNode

from gateway.federation.planner.printer import print_operation
from gateway.federation.planner.selection import Selections
from gateway.federation.query_plan import (
    Fetch,
    Flatten,
    KeyRenamer,
    OperationKind,
    Parallel,
    PlanNode,
    Sequence,
    ValueSetter,
)


@dataclass(eq=False)
class FetchGroup:
    subgraph: str
    # The response path of the objects an entity fetch completes; () for a root fetch.
    path: tuple[str, ...]
    is_entity: bool
    # Root fetch: the operation's selection; entity fetch: the selection under _entities.
    selections: Selections = field(default_factory=Selections)
    # Entity fetch: the selection that builds each representation.
    requires: Selections = field(default_factory=Selections)
    # Entity fetch: what each entity is asked back with to check it against its representation (its
    # type and key). Kept apart from ``selections`` while the walk goes on: a group that ends up with
    # no field of the client's is no fetch at all, and root choice counts the client's fields only.
    # Left out of the fetch to a trusted subgraph (:func:`to_fetch_node`).
    keys: Selections = field(default_factory=Selections)
    deps: set[FetchGroup] = field(default_factory=set)
    input_rewrites: list[ValueSetter] = field(default_factory=list)
    output_rewrites: list[KeyRenamer] = field(default_factory=list)

    def ancestors(self) -> set[FetchGroup]:
        """Every group this one waits for, directly or not."""
        seen: set[FetchGroup] = set()
        stack = list(self.deps)
        while stack:
            group = stack.pop()
            if group not in seen:
                seen.add(group)
                stack.extend(group.deps)
        return seen

    def wave(self, memo: dict[FetchGroup, int]) -> int:
        if self not in memo:
            memo[self] = 1 + max((dep.wave(memo) for dep in self.deps), default=-1)
        return memo[self]


def groups_to_node(
    groups: list[FetchGroup],
    kind: OperationKind,
    variables: dict[str, VariableDefinitionNode],
    first_id: int,
    trusted: frozenset[str] = frozenset(),
) -> tuple[PlanNode | None, int]:
    """The plan node running ``groups`` in waves, and the next free fetch id. The entity fetches to
    ``trusted`` subgraphs ask nothing back (:func:`to_fetch_node`)."""
    memo: dict[FetchGroup, int] = {}
    waves: dict[int, list[FetchGroup]] = {}
    for group in groups:
        if not group.selections.is_empty():
            waves.setdefault(group.wave(memo), []).append(group)
    next_id = first_id
    steps: list[PlanNode] = []
    for index in sorted(waves):
        nodes: list[PlanNode] = []
        for group in waves[index]:
            nodes.append(to_fetch_node(group, kind, variables, next_id, trusted))
            next_id += 1
        steps.append(nodes[0] if len(nodes) == 1 else Parallel(tuple(nodes)))
    if not steps:
        return None, next_id
    return (steps[0] if len(steps) == 1 else Sequence(tuple(steps))), next_id


def to_fetch_node(
    group: FetchGroup,
    kind: OperationKind,
    variables: dict[str, VariableDefinitionNode],
    fetch_id: int,
    trusted: frozenset[str] = frozenset(),
) -> PlanNode:
    """The fetch of ``group``. An entity fetch asks its keys back, unless its subgraph is ``trusted``:
    the in-process subgraph answers in order by construction, and answers some keys in another form
    than it was sent (a natural person's code masked, every code normalised), so a check would refuse
    its right answers; asking nothing back also keeps the key out of what its query record sees."""
    operation_kind: OperationKind = "query" if group.is_entity else kind
    selections = group.selections
    asks_back = group.is_entity and group.subgraph not in trusted
    if asks_back:
        # The key first, as in a representation; a key field the client asked for too is sent once.
        selections = Selections()
        selections.include(group.keys)
        selections.include(group.selections)
    text, used = print_operation(operation_kind, selections, variables, entity=group.is_entity)
    fetch = Fetch(
        subgraph=group.subgraph,
        operation=text,
        operation_kind=operation_kind,
        variable_usages=used,
        requires=group.requires.to_ast() if group.is_entity else None,
        keys=group.keys.to_ast() if asks_back else None,
        input_rewrites=tuple(group.input_rewrites),
        output_rewrites=tuple(group.output_rewrites),
        id=fetch_id,
    )
    return Flatten(group.path, fetch) if group.is_entity else fetch
