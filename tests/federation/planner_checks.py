"""What the planner's tests read off a plan: its fetches, a one-line outline of its shape, and the
checks every plan must pass whatever the operation (each fetch a valid operation for its subgraph,
entity fetches only into subgraphs that can resolve the representations they send, asking each entity
back with its type and a key of it there, so that the executor can tell it is the one sent, unless the
subgraph is trusted: the in-process one is asked nothing back)."""

from __future__ import annotations

from graphql import FieldNode, GraphQLSchema, InlineFragmentNode, SelectionSetNode, parse, print_ast, validate

from gateway.federation.model import Supergraph
from gateway.federation.query_plan import Fetch, Flatten, Parallel, PlanNode, QueryPlan, Sequence


def fetches(plan: QueryPlan) -> list[Fetch]:
    return plan.fetches()


def outline(node: PlanNode | None) -> str:
    """``Seq[orders, orders.@.buyer:accounts]``: root fetches by subgraph, entity fetches as path:subgraph."""
    if node is None:
        return "-"
    if isinstance(node, Fetch):
        return node.subgraph
    if isinstance(node, Flatten):
        return f"{'.'.join(node.path)}:{node.node.subgraph}"
    kind = "Seq" if isinstance(node, Sequence) else "Par"
    assert isinstance(node, Sequence | Parallel)
    return f"{kind}[{', '.join(outline(child) for child in node.nodes)}]"


def representation_types(fetch: Fetch) -> set[str]:
    assert fetch.requires is not None
    return {s.type_condition.name.value for s in fetch.requires.selections if isinstance(s, InlineFragmentNode)}


def check_plan(
    plan: QueryPlan,
    supergraph: Supergraph,
    schemas: dict[str, GraphQLSchema],
    trusted: frozenset[str] = frozenset(),
) -> None:
    """The checks every plan passes; an AssertionError says which fetch breaks which. ``trusted``: the
    subgraphs the plan was made to trust (plan_operation's ``trusted_subgraphs``)."""
    found = fetches(plan)
    assert plan.subgraphs == frozenset(f.subgraph for f in found)
    assert sorted(f.id for f in found) == list(range(1, len(found) + 1)), "fetch ids are 1..n"
    for fetch in found:
        problems = validate(schemas[fetch.subgraph], parse(fetch.operation))
        assert not problems, f"fetch {fetch.id} to {fetch.subgraph} is invalid there: {problems}\n{fetch.operation}"
        if fetch.requires is None:
            continue
        assert fetch.operation_kind == "query"
        if fetch.subgraph in trusted:
            assert fetch.keys is None, f"fetch {fetch.id} asks its entities back from trusted {fetch.subgraph}"
        for type_name in representation_types(fetch):
            sent_as = next(
                (r.set_value_to for r in fetch.input_rewrites if r.path == (f"... on {type_name}", "__typename")),
                type_name,
            )
            keys = supergraph.types[sent_as].keys_in(fetch.subgraph)
            assert any(k.resolvable for k in keys), (
                f"fetch {fetch.id} sends {sent_as} representations to {fetch.subgraph}, "
                f"which has no resolvable key for it:\n{print_ast(fetch.requires)}"
            )
            fragment = next(
                s
                for s in fetch.requires.selections
                if isinstance(s, InlineFragmentNode) and s.type_condition.name.value == type_name
            )
            sent = {s.name.value for s in fragment.selection_set.selections if isinstance(s, FieldNode)}
            assert "__typename" in sent, f"fetch {fetch.id}: representations need __typename"
            key_fields = [{name for _, name in _fields(k.fields.selections)} for k in keys if k.resolvable]
            if fetch.subgraph not in trusted:
                _check_asked_back(fetch, sent_as, key_fields)


def _check_asked_back(fetch: Fetch, sent_as: str, key_fields: list[set[str]]) -> None:
    """The entity fetch asks every ``sent_as`` entity back with ``__typename`` and a whole key of it
    in the subgraph, in its operation under the response keys ``keys`` reads them from."""
    assert fetch.keys is not None, f"fetch {fetch.id} asks nothing back of its entities"
    asked = _fields(_fragment(fetch.keys, sent_as))
    names = {name for _, name in asked}
    assert "__typename" in names, f"fetch {fetch.id} does not ask its {sent_as} entities' type back"
    assert any(key <= names for key in key_fields), f"fetch {fetch.id} asks no whole key of {sent_as} back: {names}"
    entities = parse(fetch.operation).definitions[0].selection_set.selections[0]  # type: ignore[attr-defined]
    assert asked <= _fields(_fragment(entities.selection_set, sent_as)), fetch.operation


def _fragment(selection_set: SelectionSetNode, type_name: str) -> SelectionSetNode:
    found = [
        s.selection_set
        for s in selection_set.selections
        if isinstance(s, InlineFragmentNode) and s.type_condition.name.value == type_name
    ]
    assert found, f"no fragment on {type_name} in {print_ast(selection_set)}"
    return found[0]


def _fields(selection_set: SelectionSetNode) -> set[tuple[str, str]]:
    """The top-level fields of a selection as (response key, name)."""
    return {((s.alias or s.name).value, s.name.value) for s in selection_set.selections if isinstance(s, FieldNode)}
