"""Merging the fetches one wave sends to one subgraph into one operation, and splitting its answer.

A :class:`~gateway.federation.query_plan.Parallel` node's fetches run in the same wave; those bound for
the same subgraph become one request (one round trip, one slot of the subgraph's concurrency limit).
Each fetch keeps its own part of the merged operation:

- an entity fetch's ``_entities`` field is aliased ``_e<i>`` and its ``$representations`` becomes
  ``$_r<i>``;
- a root fetch's top-level fields are aliased ``_f<i>_<response key>``;
- every other variable of part ``i`` becomes ``$_v<i>_<name>`` and every fragment ``_F<i>_<name>``.

GraphQL names cannot start with a digit, so no two parts' names can clash. The answer is split back into
one GraphQL response per fetch, shaped as the fetch alone would have received it (its own keys, error
paths rewritten from the aliases), so the executor takes it exactly as it takes an unmerged answer. An
error without a path, or with a path outside every part, belongs to the whole request: every fetch gets it.

Merged operations are cached by the texts of their parts (plans are cached, so the same parts recur).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

from gateway.kernel.limits import MAX_MERGED_OPERATIONS

_ENTITIES = "_entities"
_REPRESENTATIONS = "representations"


@dataclass(frozen=True)
class Part:
    """One fetch's place in a merged operation."""

    entity: bool
    # The fetch's variable name -> its name in the merged operation.
    variables: dict[str, str]
    # Alias in the merged operation -> the response key the fetch alone would have seen.
    keys: dict[str, str]


@dataclass(frozen=True)
class MergedOperation:
    text: str
    parts: tuple[Part, ...]

    def variables(self, per_part: list[dict[str, Any]]) -> dict[str, Any]:
        """The merged request's variables from each part's own (names as the fetch alone sends them)."""
        out: dict[str, Any] = {}
        for part, values in zip(self.parts, per_part, strict=True):
            for name, value in values.items():
                renamed = part.variables.get(name)
                if renamed is not None:  # a variable the operation does not declare would be refused
                    out[renamed] = value
        return out

    def split(self, answer: dict[str, Any]) -> list[dict[str, Any]]:
        """The merged answer as one GraphQL response per part, in the parts' order."""
        data = answer.get("data")
        owner: dict[str, int] = {alias: index for index, part in enumerate(self.parts) for alias in part.keys}
        out: list[dict[str, Any]] = []
        for part in self.parts:
            own: dict[str, Any] | None = None
            if isinstance(data, dict):
                own = {key: data[alias] for alias, key in part.keys.items() if alias in data}
            out.append({"data": own, "errors": []})
        for raw in answer.get("errors") or ():
            path = raw.get("path") if isinstance(raw, dict) else None
            first = path[0] if isinstance(path, list) and path else None
            index = owner.get(first) if isinstance(first, str) else None
            if index is None:
                for response in out:
                    response["errors"].append(raw)
                continue
            assert isinstance(path, list) and isinstance(first, str)
            # type(raw): an in-process subgraph's error stays marked as such (errors.TrustedError).
            out[index]["errors"].append(type(raw)({**raw, "path": [self.parts[index].keys[first], *path[1:]]}))
        return out


def merge(operations: tuple[tuple[str, bool], ...]) -> MergedOperation | None:
    """The merged operation of ``(operation text, is an entity fetch)`` parts, all queries; None when
    some part has a shape this module does not merge (the fetches are then sent one by one)."""
    return _merge_cached(operations)


@lru_cache(maxsize=MAX_MERGED_OPERATIONS)
def _merge_cached(operations: tuple[tuple[str, bool], ...]) -> MergedOperation | None:
    definitions: list[Any] = []
    selections: list[Any] = []
    fragments: list[FragmentDefinitionNode] = []
    parts: list[Part] = []
    for index, (text, entity) in enumerate(operations):
        try:
            document = parse(text, no_location=True)
        except GraphQLError:
            return None
        operation = _only_query(document)
        if operation is None:
            return None
        variables = {
            d.variable.name.value: _variable_name(index, d.variable.name.value, entity)
            for d in operation.variable_definitions or ()
        }
        fragment_names = {
            d.name.value: f"_F{index}_{d.name.value}"
            for d in document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        document = visit(document, _Renamer(variables, fragment_names))
        operation = _only_query(document)
        assert operation is not None  # renaming keeps the document's shape
        aliased = _alias_top_level(operation.selection_set, index, entity)
        if aliased is None:
            return None
        keys, fields = aliased
        definitions.extend(operation.variable_definitions or ())
        selections.extend(fields)
        fragments.extend(d for d in document.definitions if isinstance(d, FragmentDefinitionNode))
        parts.append(Part(entity, variables, keys))
    merged = OperationDefinitionNode(
        operation=OperationType.QUERY,
        variable_definitions=tuple(definitions),
        directives=(),
        selection_set=SelectionSetNode(selections=tuple(selections)),
    )
    text = print_ast(DocumentNode(definitions=(merged, *fragments)))
    return MergedOperation(text, tuple(parts))


def _only_query(document: DocumentNode) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    if operations[0].directives:
        return None  # directives of a whole operation have no place in a merged one
    return operations[0]


def _variable_name(index: int, name: str, entity: bool) -> str:
    return f"_r{index}" if entity and name == _REPRESENTATIONS else f"_v{index}_{name}"


def _alias_top_level(
    selection_set: SelectionSetNode, index: int, entity: bool
) -> tuple[dict[str, str], list[FieldNode]] | None:
    """The part's top-level fields aliased, with alias -> original response key; None if unmergeable."""
    keys: dict[str, str] = {}
    fields: list[FieldNode] = []
    for selection in selection_set.selections:
        if not isinstance(selection, FieldNode):
            return None  # a fragment at the root: its fields could not be told apart in the answer
        key = selection.alias.value if selection.alias else selection.name.value
        if entity and (selection.name.value != _ENTITIES or len(selection_set.selections) != 1):
            return None
        alias = f"_e{index}" if entity else f"_f{index}_{key}"
        fields.append(
            FieldNode(
                alias=NameNode(value=alias),
                name=selection.name,
                arguments=selection.arguments,
                directives=selection.directives,
                selection_set=selection.selection_set,
            )
        )
        keys[alias] = key
    return keys, fields


class _Renamer(Visitor):
    """Renames one part's variables and fragments (graphql-core's nodes are immutable: visit copies)."""

    def __init__(self, variables: dict[str, str], fragments: dict[str, str]) -> None:
        super().__init__()
        self.variables = variables
        self.fragments = fragments

    def enter_variable(self, node: VariableNode, *_: Any) -> VariableNode | None:
        name = self.variables.get(node.name.value)
        return None if name is None else VariableNode(name=NameNode(value=name))

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> FragmentSpreadNode | None:
        name = self.fragments.get(node.name.value)
        return None if name is None else FragmentSpreadNode(name=NameNode(value=name), directives=node.directives)

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> FragmentDefinitionNode | None:
        name = self.fragments.get(node.name.value)
        if name is None:
            return None
        return FragmentDefinitionNode(
            name=NameNode(value=name),
            type_condition=node.type_condition,
            variable_definitions=node.variable_definitions,
            directives=node.directives,
            selection_set=node.selection_set,
        )
