"""The client's operation as the positions of its response: where an error of a plan's run may point.

A fetch's operation holds the client's fields and the planner's own: ``__typename``, the keys and
@requires inputs of later fetches (aliased ``<name>__key`` where the client uses the name for another
field), and client fields under an alias of the planner's (``<key>__alias_<n>``, renamed back by the
fetch's ``output_rewrites``). An error's path must point into the client's response (the spec's
``path``): a failed fetch's errors go to the keys the client selected, and an error under a key of the
planner's own to the nearest position the client has. Else the shaping, finding the client's field
null with no error at it, reports the same failure a second time.

Positions are matched by response key, list indexes passed over. Type conditions are not checked (two
fragments' fields of one response key are one position of the response); ``@skip`` and ``@include``
are, with the request's variables, as the shaping does (:func:`included`). The positions are read
only when a run has an error to place, once per response path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
)

from gateway.federation.executor.errors import Path

# The response keys at one position, each with the selection sets of its fields (none for a leaf).
_Level = dict[str, list[SelectionSetNode]]


def included(node: Any, variables: Mapping[str, Any]) -> bool:
    """Whether ``@skip``/``@include`` on a selection keep it, with the request's coerced variables."""
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        condition = next((arg.value for arg in directive.arguments if arg.name.value == "if"), None)
        if isinstance(condition, VariableNode):
            value = variables.get(condition.name.value)
        else:
            value = isinstance(condition, BooleanValueNode) and condition.value
        if (name == "skip") == (value is True):
            return False
    return True


class ClientOperation:
    """The positions of one request's response: its operation's root selection set, its document's
    fragments and its variables."""

    def __init__(
        self,
        selection_set: SelectionSetNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self._root = selection_set
        self._fragments = fragments
        self._variables = variables
        # By the response keys of a path (its list indexes left out); None: no such position.
        self._levels: dict[tuple[str, ...], _Level | None] = {}

    def keys_at(self, path: Path) -> Mapping[str, Any]:
        """The response keys the client selects on the object at ``path`` (none when the path is not
        a position of its response)."""
        return self._level(tuple(e for e in path if isinstance(e, str))) or {}

    def clip(self, path: Path) -> Path:
        """``path`` up to its last element that is a position of the client's response (list indexes
        under a position kept): ``()`` when even its first key is not the client's."""
        keys: tuple[str, ...] = ()
        end = 0
        for at, element in enumerate(path):
            if isinstance(element, str):
                level = self._level(keys)
                if level is None or element not in level:
                    break
                keys = (*keys, element)
            end = at + 1
        return path[:end]

    def _level(self, keys: tuple[str, ...]) -> _Level | None:
        if keys in self._levels:
            return self._levels[keys]
        if not keys:
            level: _Level | None = self._collect((self._root,))
        else:
            parent = self._level(keys[:-1])
            sets = parent.get(keys[-1]) if parent is not None else None
            level = self._collect(sets) if sets else None
        self._levels[keys] = level
        return level

    def _collect(self, selection_sets: Iterable[SelectionSetNode]) -> _Level:
        level: _Level = {}
        visited: set[str] = set()
        for selection_set in selection_sets:
            self._collect_into(selection_set, level, visited)
        return level

    def _collect_into(self, selection_set: SelectionSetNode, level: _Level, visited: set[str]) -> None:
        for selection in selection_set.selections:
            if not included(selection, self._variables):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                sets = level.setdefault(key, [])
                if selection.selection_set is not None:
                    sets.append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                self._collect_into(selection.selection_set, level, visited)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragments.get(name)
                if fragment is not None and name not in visited:
                    visited.add(name)
                    self._collect_into(fragment.selection_set, level, visited)
