"""Shaping the merged tree to the client's operation, against the API schema.

The merged tree holds what the fetches answered, keyed by response key, with extra fields the plan
needed (keys, @requires inputs). The shaped response has exactly the client's fields, in document
order, with aliases, fragments and type conditions applied (the runtime type read from
``__typename``), ``@skip``/``@include`` evaluated, ``__typename`` filled in, and nulls handled as the
spec's value completion does: a null (or missing) non-null field makes its parent null, up to the
nearest nullable position, with an error at the field's path unless an error already explains it
(one at the path, above it or below it). Enum values the API schema lacks (@inaccessible ones a
subgraph returned) are errors too; other leaf values are passed as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
)

from gateway.federation.executor.errors import Path, error_entry
from gateway.kernel.errors import SUBGRAPH_INVALID_VALUE

_BUBBLE = object()  # "this position is null and must not be": its parent becomes null
Shaped = GraphQLObjectType | GraphQLInterfaceType  # a runtime type (an interface when the answer named none)
# One collected field of an object: response key, field name, its definition (None: not of this type),
# and the selection sets its value is shaped with.
_Entry = tuple[str, str, Any, tuple[SelectionSetNode, ...]]


class Shaper:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        errors: list[dict[str, Any]],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.errors = errors
        self._error_paths: set[Path] = set()
        # Fields collected per (runtime type, selection sets): every element of a list of objects has the
        # same ones (variables are fixed for the request, so @skip/@include are too).
        self._entries: dict[tuple[str, tuple[int, ...]], list[_Entry]] = {}
        self._error_prefixes: set[Path] = set()
        for error in errors:
            self._note(error)

    def shape_root(
        self, root_type: GraphQLObjectType, selection_set: SelectionSetNode, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        shaped = self._object(root_type, (selection_set,), data, ())
        return None if shaped is _BUBBLE else shaped

    # --- errors ----------------------------------------------------------------------------------------

    def _note(self, error: dict[str, Any]) -> None:
        path = error.get("path")
        if isinstance(path, list):
            key = tuple(path)
            self._error_paths.add(key)
            self._error_prefixes.update(key[:n] for n in range(len(key) + 1))

    def _explained(self, path: Path) -> bool:
        return path in self._error_prefixes or any(path[:n] in self._error_paths for n in range(len(path)))

    def _error(self, message: str, path: Path) -> None:
        error = error_entry(message, SUBGRAPH_INVALID_VALUE, path)
        self.errors.append(error)
        self._note(error)

    # --- selections ------------------------------------------------------------------------------------

    def _object(
        self, runtime: Shaped, selection_sets: tuple[SelectionSetNode, ...], value: dict[str, Any], path: Path
    ) -> Any:
        out: dict[str, Any] = {}
        for key, name, definition, sets in self._fields(runtime, selection_sets):
            at = (*path, key)
            if name == "__typename":
                if isinstance(runtime, GraphQLObjectType):
                    out[key] = runtime.name
                else:
                    self._error(f"the type of the {runtime.name} at this path is unknown", at)
                    out[key] = None
                continue
            if definition is None:
                # Introspection (__schema, __type) and fields of no type here: the serving layer answers those.
                out[key] = None
                continue
            completed = self._complete(definition.type, sets, value.get(key), at, runtime.name, name)
            if completed is _BUBBLE:
                return _BUBBLE
            out[key] = completed
        return out

    def _complete(
        self, type_: GraphQLOutputType, sets: tuple[SelectionSetNode, ...], raw: Any, path: Path, parent: str, name: str
    ) -> Any:
        if isinstance(type_, GraphQLNonNull):
            completed = self._complete_nullable(type_.of_type, sets, raw, path, parent, name)
            if completed is None:
                if not self._explained(path):
                    self._error(f"Cannot return null for non-nullable field {parent}.{name}.", path)
                return _BUBBLE
            return completed
        completed = self._complete_nullable(type_, sets, raw, path, parent, name)
        return None if completed is _BUBBLE else completed

    def _complete_nullable(
        self, type_: GraphQLOutputType, sets: tuple[SelectionSetNode, ...], raw: Any, path: Path, parent: str, name: str
    ) -> Any:
        if raw is None:
            return None
        if is_leaf_type(type_) and not isinstance(type_, GraphQLEnumType):
            return raw  # the commonest case first
        if isinstance(type_, GraphQLList):
            if not isinstance(raw, list):
                self._error(f"a subgraph answered a non-list for the list field {parent}.{name}", path)
                return None
            items = []
            for index, item in enumerate(raw):
                completed = self._complete(type_.of_type, sets, item, (*path, index), parent, name)
                if completed is _BUBBLE:
                    return _BUBBLE
                items.append(completed)
            return items
        if isinstance(type_, GraphQLEnumType):
            if not isinstance(raw, str) or raw not in type_.values:
                self._error(f"Enum {type_.name!r} cannot represent value: {str(raw)[:100]!r}", path)
                return None
            return raw
        if not isinstance(raw, dict):
            self._error(f"a subgraph answered a non-object for the field {parent}.{name}", path)
            return None
        runtime = self._runtime_type(type_, raw)
        if runtime is None:
            self._error(f"the type {raw.get('__typename')!r} is not one of {type_.name}'s", path)  # type: ignore[union-attr]
            return None
        return self._object(runtime, sets, raw, path)

    def _runtime_type(self, declared: Any, raw: dict[str, Any]) -> Shaped | None:
        if not is_abstract_type(declared):
            return declared
        named = self.schema.get_type(raw.get("__typename") or "")
        if isinstance(named, GraphQLObjectType) and self.schema.is_sub_type(declared, named):
            return named
        # No concrete type in the answer (an @interfaceObject's own fields only): the interface's fields
        # can still be shaped; a union's cannot.
        return declared if isinstance(declared, GraphQLInterfaceType) else None

    def _fields(self, runtime: Shaped, selection_sets: tuple[SelectionSetNode, ...]) -> list[_Entry]:
        memo = (runtime.name, tuple(id(selection_set) for selection_set in selection_sets))
        entries = self._entries.get(memo)
        if entries is None:
            entries = []
            for key, nodes in self._collect(runtime, selection_sets).items():
                name = nodes[0].name.value
                definition = None if name == "__typename" else runtime.fields.get(name)
                sets = tuple(node.selection_set for node in nodes if node.selection_set is not None)
                entries.append((key, name, definition, sets))
            self._entries[memo] = entries
        return entries

    def _collect(self, runtime: Shaped, selection_sets: tuple[SelectionSetNode, ...]) -> dict[str, list[FieldNode]]:
        fields: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        for selection_set in selection_sets:
            self._collect_into(runtime, selection_set, fields, visited)
        return fields

    def _collect_into(
        self, runtime: Shaped, selection_set: SelectionSetNode, fields: dict[str, list[FieldNode]], visited: set[str]
    ) -> None:
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                if condition is None or self._applies(condition, runtime):
                    self._collect_into(runtime, selection.selection_set, fields, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self._applies(fragment.type_condition.name.value, runtime):
                    self._collect_into(runtime, fragment.selection_set, fields, visited)

    def _applies(self, condition: str, runtime: Shaped) -> bool:
        if condition == runtime.name:
            return True
        target = self.schema.get_type(condition)
        if isinstance(runtime, GraphQLObjectType):
            return isinstance(target, GraphQLInterfaceType | GraphQLUnionType) and self.schema.is_sub_type(
                target, runtime
            )
        return isinstance(target, GraphQLInterfaceType) and target in runtime.interfaces

    def _included(self, node: Any) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            condition = next((arg.value for arg in directive.arguments if arg.name.value == "if"), None)
            if isinstance(condition, VariableNode):
                value = self.variables.get(condition.name.value)
            else:
                value = isinstance(condition, BooleanValueNode) and condition.value
            if (name == "skip") == (value is True):
                return False
        return True
