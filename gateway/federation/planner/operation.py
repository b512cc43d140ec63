"""Planning one operation: its root fields to root fetches, the rest by the walker, then plan nodes.

A query's root fields go to as few subgraphs as possible (a field several subgraphs serve joins a
subgraph already chosen, else the one that serves the most of the operation's root fields); their
root fetches run in parallel. A mutation's root fields run one after the other, as the spec says:
consecutive fields of one subgraph form one fetch, and each fetch's entity fetches finish before the
next mutation is sent.
"""

from __future__ import annotations

from collections import Counter

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableDefinitionNode,
)

from gateway.federation.model import Supergraph
from gateway.federation.planner.errors import PlanningError
from gateway.federation.planner.field_sets import shadowed_names
from gateway.federation.planner.groups import groups_to_node
from gateway.federation.planner.views import View
from gateway.federation.planner.walker import Walker
from gateway.federation.query_plan import OperationKind, PlanNode, QueryPlan, Sequence, fetches_of
from gateway.kernel.limits import MAX_PLAN_FETCHES

_CONDITIONS = frozenset({"include", "skip"})
RootField = tuple[FieldNode, tuple[DirectiveNode, ...]]


def plan_operation(
    supergraph: Supergraph,
    document: DocumentNode,
    operation_name: str | None,
    trusted_subgraphs: frozenset[str] = frozenset(),
) -> QueryPlan:
    """The plan of the operation. Entity fetches to ``trusted_subgraphs`` (the in-process one) ask no
    key back, and the executor checks none of their entities (:func:`.groups.to_fetch_node`)."""
    operation = _operation(document, operation_name)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    variables = {d.variable.name.value: d for d in operation.variable_definitions or ()}
    shadowed = shadowed_names(document)
    if operation.operation == OperationType.SUBSCRIPTION:
        raise PlanningError("subscriptions are not served over federated subgraphs")
    kind: OperationKind = "mutation" if operation.operation == OperationType.MUTATION else "query"
    root_type = supergraph.mutation_type if kind == "mutation" else supergraph.query_type
    if root_type is None:
        raise PlanningError(f"the supergraph has no {kind} type")
    fields = [
        f for f in _root_fields(operation.selection_set.selections, fragments, ()) if f[0].name.value != "__typename"
    ]
    if kind == "mutation":
        node = _plan_mutation(supergraph, fragments, shadowed, variables, root_type, fields, trusted_subgraphs)
    else:
        walker = Walker(supergraph, fragments, shadowed)
        _place_root_fields(walker, root_type, fields, None)
        node, _ = groups_to_node(walker.groups, kind, variables, 1, trusted_subgraphs)
    fetches = fetches_of(node)
    if len(fetches) > MAX_PLAN_FETCHES:
        raise PlanningError(f"the operation needs {len(fetches)} fetches; a plan may hold {MAX_PLAN_FETCHES}")
    return QueryPlan(kind, node, frozenset(f.subgraph for f in fetches))


def _operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        named = [o for o in operations if o.name is not None and o.name.value == operation_name]
        if not named:
            raise PlanningError(f"the document has no operation named {operation_name!r}")
        return named[0]
    if len(operations) != 1:
        raise PlanningError("the document has several operations: say which with operationName")
    return operations[0]


def _root_fields(
    selections: tuple[SelectionNode, ...] | list[SelectionNode],
    fragments: dict[str, FragmentDefinitionNode],
    conditions: tuple[DirectiveNode, ...],
) -> list[RootField]:
    """The root fields in document order, each with the @include/@skip of the fragments around it."""
    found: list[RootField] = []
    for selection in selections:
        if isinstance(selection, FieldNode):
            found.append((selection, conditions))
            continue
        inner_conditions = conditions + tuple(d for d in selection.directives or () if d.name.value in _CONDITIONS)
        if isinstance(selection, FragmentSpreadNode):
            inner = fragments[selection.name.value].selection_set.selections
        else:
            assert isinstance(selection, InlineFragmentNode)
            inner = selection.selection_set.selections
        found.extend(_root_fields(tuple(inner), fragments, inner_conditions))
    return found


def _resolvers(supergraph: Supergraph, root_type: str, node: FieldNode) -> list[str]:
    sfield = supergraph.types[root_type].fields.get(node.name.value)
    if sfield is None:
        raise PlanningError(f"{root_type}.{node.name.value} is not a field of the supergraph")
    resolvers = [e.subgraph for e in sfield.subgraphs if e.resolvable and e.requires is None]
    if not resolvers:
        raise PlanningError(f"no subgraph resolves {root_type}.{node.name.value}")
    return resolvers


def _place_root_fields(walker: Walker, root_type: str, fields: list[RootField], subgraph: str | None) -> None:
    supergraph = walker.supergraph
    served = Counter(s for node, _ in fields for s in _resolvers(supergraph, root_type, node))
    for node, conditions in fields:
        resolvers = _resolvers(supergraph, root_type, node)
        if subgraph is None and len(resolvers) > 1:
            group = walker.root_group(_cheapest_root(walker, root_type, node, resolvers, served))
        else:
            group = walker.root_group(subgraph or resolvers[0])
        view = View(group, group.selections, group.selections, root_type, ())
        walker.plan_field(view, (), node, conditions)


def _cheapest_root(walker: Walker, root_type: str, node: FieldNode, resolvers: list[str], served: Counter[str]) -> str:
    """Of the subgraphs serving a shareable root field: the one whose root fetch is already there or
    costs the fewest fetches; then the one leaving the fewest fields to entity fetches (they wait for
    the root fetch, a second root fetch does not); then one already fetched, then the one serving the
    most root fields of the operation."""
    order = list(walker.supergraph.subgraphs)
    chosen = {g.subgraph for g in walker.groups if not g.is_entity}

    def cost(candidate: str) -> tuple[float, bool, int, int, int]:
        fetches, later = _trial_fetches(walker, root_type, node, candidate)
        return (
            fetches - (candidate in chosen),
            later,
            candidate not in chosen,
            -served[candidate],
            order.index(candidate),
        )

    return min(resolvers, key=cost)


def _trial_fetches(walker: Walker, root_type: str, node: FieldNode, subgraph: str) -> tuple[float, int]:
    """How many fetches the root field alone needs from ``subgraph`` (a shareable root field goes
    where its whole selection costs the fewest fetches), and how many fields its entity fetches
    select: of two roots costing as many fetches, the one that answers more itself (with its
    @provides, say) leaves less to the later fetches."""
    trial = Walker(walker.supergraph, walker.fragments, walker.shadowed)
    group = trial.root_group(subgraph)
    try:
        trial.plan_field(View(group, group.selections, group.selections, root_type, ()), (), node, ())
    except PlanningError:
        return float("inf"), 0
    fetched = [g for g in trial.groups if not g.selections.is_empty()]
    return len(fetched), sum(_field_count(g.selections.to_ast()) for g in fetched if g.is_entity)


def _field_count(selection_set: SelectionSetNode) -> int:
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode) and selection.name.value != "__typename":
            count += 1
        inner = getattr(selection, "selection_set", None)
        if inner is not None:
            count += _field_count(inner)
    return count


def _plan_mutation(
    supergraph: Supergraph,
    fragments: dict[str, FragmentDefinitionNode],
    shadowed: frozenset[str],
    variables: dict[str, VariableDefinitionNode],
    root_type: str,
    fields: list[RootField],
    trusted: frozenset[str],
) -> PlanNode | None:
    runs: list[tuple[str, list[RootField]]] = []
    for root_field in fields:
        resolvers = _resolvers(supergraph, root_type, root_field[0])
        if runs and runs[-1][0] in resolvers:
            runs[-1][1].append(root_field)
        else:
            runs.append((resolvers[0], [root_field]))
    steps: list[PlanNode] = []
    next_id = 1
    for subgraph, run in runs:
        walker = Walker(supergraph, fragments, shadowed)
        _place_root_fields(walker, root_type, run, subgraph)
        node, next_id = groups_to_node(walker.groups, "mutation", variables, next_id, trusted)
        if node is not None:
            steps.append(node)
    if not steps:
        return None
    return steps[0] if len(steps) == 1 else Sequence(tuple(steps))
