"""Shaping the merged tree to the client's operation, against the API schema.

The merged tree holds what the fetches answered, keyed by response key, with extra fields the plan
needed (keys, @requires inputs). The shaped response has exactly the client's fields, in document
order, with aliases, fragments and type conditions applied (the runtime type read from
``__typename``), ``@skip``/``@include`` evaluated, ``__typename`` filled in, and nulls handled as the
spec's value completion does: a null (or missing) non-null field makes its parent null, up to the
nearest nullable position, with an error at the field's path unless an error already explains it
(one at the path, above it or below it). Enum values the API schema lacks (@inaccessible ones a
subgraph returned) are errors too, and so are scalar values of the wrong kind or nested too deep
(:mod:`.leaves`). An object of a type the audience's schema lacks, or the API schema (@inaccessible), is
never shown: its position is null.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    visit,
)

from gateway.federation.executor.client_operation import included
from gateway.federation.executor.errors import Path, error_entry
from gateway.federation.executor.leaves import fast_types, valid_leaf
from gateway.kernel.document_memo import DOCUMENTS
from gateway.kernel.errors import LIMIT_EXCEEDED, SUBGRAPH_INVALID_VALUE
from gateway.kernel.limits import MAX_ERRORS_PER_FETCH

_BUBBLE = object()  # "this position is null and must not be": its parent becomes null
_HIDDEN = object()  # "an object of a type the audience's schema lacks": null, with an error
_AT = object()  # in the errors' trie: an error's path ends here
Shaped = GraphQLObjectType | GraphQLInterfaceType  # a runtime type (an interface when the answer named none)
# One collected field of an object: response key, field name, its definition (None: not of this type),
# the selection sets its value is shaped with, and whether it is a scalar (not an enum) field: None if
# not, else whether it is non-null and the Python types its values are valid as (leaves.fast_types). Such
# a value is passed as given, so most fields of an answer skip value completion (and building their
# path, needed only for an error); any other goes through it, and is checked there (leaves.valid_leaf).
_Entry = tuple[str, str, Any, tuple[SelectionSetNode, ...], tuple[bool, frozenset[type]] | None]


class ShapeMemo:
    """The fields collected per (runtime type, selection sets), and the root's selection sets, for one
    request, or for every request of a document whose collected fields do not depend on its variables."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, int], tuple[tuple[SelectionSetNode, ...], list[_Entry]]] = {}
        self._roots: dict[int, tuple[SelectionSetNode]] = {}
        self._fragments: tuple[DocumentNode, dict[str, FragmentDefinitionNode]] | None = None

    def fragments_of(self, document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
        if self._fragments is None or self._fragments[0] is not document:
            found = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            self._fragments = (document, found)
        return self._fragments[1]

    def root(self, selection_set: SelectionSetNode) -> tuple[SelectionSetNode]:
        """One tuple per root selection set, so that the entries below it are found again by identity."""
        known = self._roots.get(id(selection_set))
        if known is None or known[0] is not selection_set:
            known = self._roots[id(selection_set)] = (selection_set,)
        return known


def shape_memo(document: DocumentNode, schema: GraphQLSchema) -> ShapeMemo:
    """A document's memo for shaping with ``schema``: shared by its requests (kept with the document in
    gateway.kernel.document_memo) unless a ``@skip`` or ``@include`` takes a variable, which makes the
    collected fields depend on the request. Only for a document kept across requests (the parse cache's):
    a document made for one request would take the place of a kept one in the bounded memo."""
    if DOCUMENTS.get(document, ("conditional on variables",), lambda: _conditional_on_variables(document)):
        return ShapeMemo()
    return DOCUMENTS.get(document, ("shape memo", schema), ShapeMemo)


def _conditional_on_variables(document: DocumentNode) -> bool:
    class Finder(Visitor):
        def __init__(self) -> None:
            super().__init__()
            self.found = False

        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            if node.name.value in ("skip", "include") and any(
                isinstance(argument.value, VariableNode) for argument in node.arguments or ()
            ):
                self.found = True

    finder = Finder()
    visit(document, finder)
    return finder.found


class Shaper:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        errors: list[dict[str, Any]],
        *,
        visible: GraphQLSchema | None = None,
        memo: ShapeMemo | None = None,
    ) -> None:
        self.schema = schema
        # The audience's schema: an object of a type missing from it is never shown to this client, even
        # through an interface or union it does see (the fields come from ``schema``, which also holds the
        # fields the gateway added to the client's operation).
        self.visible = visible if visible is not None else schema
        self.fragments = fragments
        self.variables = variables
        self.errors = errors
        # The errors' paths as a trie (element -> subtree; _AT marks a path that ends there): whether an
        # error is at, above or below a path costs that path's length, and each error its own (a set
        # of every prefix cost the square of a path's length: a subgraph chooses its errors' paths).
        self._error_tree: dict[Any, Any] = {}
        self._own_errors = 0  # the shaper's errors, capped as a fetch's are (MAX_ERRORS_PER_FETCH)
        # Fields collected per (runtime type, selection sets): every element of a list of objects has the
        # same ones (variables are fixed for the request, so @skip/@include are too). Keyed by the id of
        # the selection sets' tuple, which is kept with the entry (the tuples are the entries' own, so one
        # list's elements all pass the same one); the identity check guards against a reused id.
        # ``memo``: the same, kept with the document across requests when its fields do not depend on the
        # variables (:func:`shape_memo`).
        self._memo = memo if memo is not None else ShapeMemo()
        self._entries = self._memo.entries
        for error in errors:
            self._note(error)

    def shape_root(
        self, root_type: GraphQLObjectType, selection_set: SelectionSetNode, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        shaped = self._object(root_type, self._memo.root(selection_set), data, ())
        return None if shaped is _BUBBLE else shaped

    # --- errors ----------------------------------------------------------------------------------------

    def _note(self, error: dict[str, Any]) -> None:
        path = error.get("path")
        if isinstance(path, list):
            node = self._error_tree
            for element in path:
                if _AT in node:
                    return  # an error above explains everything below it already
                node = node.setdefault(element, {})
            node[_AT] = True

    def _explained(self, path: Path) -> bool:
        """Whether an error is at ``path``, above it or below it."""
        node = self._error_tree
        for element in path:
            if _AT in node:
                return True
            node = node.get(element)
            if node is None:
                return False
        return True

    def _error(self, message: str, path: Path) -> None:
        self._own_errors += 1
        if self._own_errors > MAX_ERRORS_PER_FETCH:
            if self._own_errors == MAX_ERRORS_PER_FETCH + 1:
                left_out = (
                    f"more invalid values of the subgraphs' answers were left out (at most {MAX_ERRORS_PER_FETCH})"
                )
                self.errors.append(error_entry(left_out, LIMIT_EXCEEDED))
            return
        error = error_entry(message, SUBGRAPH_INVALID_VALUE, path)
        self.errors.append(error)
        self._note(error)

    # --- selections ------------------------------------------------------------------------------------

    def _object(
        self, runtime: Shaped, selection_sets: tuple[SelectionSetNode, ...], value: dict[str, Any], path: Path
    ) -> Any:
        out: dict[str, Any] = {}
        for key, name, definition, sets, scalar in self._fields(runtime, selection_sets):
            if scalar is not None:
                raw = value.get(key)
                if raw is None:
                    if not scalar[0]:
                        out[key] = None
                        continue
                elif type(raw) in scalar[1]:
                    out[key] = raw
                    continue
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
        if isinstance(type_, GraphQLScalarType):  # the commonest case first
            if valid_leaf(type_, raw):
                return raw
            self._error(f"{type_.name} cannot represent the value a subgraph answered for {parent}.{name}", path)
            return None
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
        if runtime is _HIDDEN:
            # Not named: the type's name is as much the audience's secret as its fields.
            self._error("a subgraph answered an object of a type this client cannot see", path)
            return None
        if runtime is None:
            typename = raw.get("__typename")
            if isinstance(typename, str) and self.schema.get_type(typename) is None:
                # A type the API schema lacks (@inaccessible, or none at all): null, and not named.
                self._error("a subgraph answered an object of a type this schema does not have", path)
                return None
            self._error(f"the type {typename!r} is not one of {type_.name}'s", path)  # type: ignore[union-attr]
            return None
        return self._object(runtime, sets, raw, path)

    def _runtime_type(self, declared: Any, raw: dict[str, Any]) -> Any:
        """The object's type, or None (not one of the declared type's), or _HIDDEN (not the audience's)."""
        if not isinstance(declared, GraphQLInterfaceType | GraphQLUnionType):
            return declared
        typename = raw.get("__typename")
        named = self.schema.get_type(typename or "")
        if isinstance(named, GraphQLObjectType) and self.schema.is_sub_type(declared, named):
            if self.visible is not self.schema and self.visible.get_type(named.name) is None:
                return _HIDDEN
            return named
        if isinstance(typename, str) and named is None:
            return None  # a type the API schema hides (@inaccessible): the object cannot be shown
        # No concrete type in the answer (an @interfaceObject's own fields only): the interface's fields
        # can still be shaped; a union's cannot.
        return declared if isinstance(declared, GraphQLInterfaceType) else None

    def _fields(self, runtime: Shaped, selection_sets: tuple[SelectionSetNode, ...]) -> list[_Entry]:
        memo = (runtime.name, id(selection_sets))
        known = self._entries.get(memo)
        if known is not None and known[0] is selection_sets:
            return known[1]
        entries: list[_Entry] = []
        for key, nodes in self._collect(runtime, selection_sets).items():
            name = nodes[0].name.value
            definition = None if name == "__typename" else runtime.fields.get(name)
            sets = tuple(node.selection_set for node in nodes if node.selection_set is not None)
            entries.append((key, name, definition, sets, _scalar(definition)))
        self._entries[memo] = (selection_sets, entries)
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
            if not included(selection, self.variables):
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


def _scalar(definition: Any) -> tuple[bool, frozenset[type]] | None:
    """For a field entry: None unless its type is a scalar (not an enum, not a list), else whether it is
    non-null and the Python types of its values valid as they are (leaves.fast_types)."""
    if definition is None:
        return None
    type_ = definition.type
    non_null = isinstance(type_, GraphQLNonNull)
    named = type_.of_type if non_null else type_
    return (non_null, fast_types(named)) if isinstance(named, GraphQLScalarType) else None
