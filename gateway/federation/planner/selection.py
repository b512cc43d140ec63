"""A mutable selection set that the planner grows while it walks the client's operation, then freezes
into a graphql-core AST once (:meth:`Selections.to_ast`).

Fields merge by response key, name, arguments and directives; inline fragments by type condition and
directives. So the same field added twice (the client asked for it and a key needs it) is sent once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    DirectiveNode,
    FieldNode,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    SelectionNode,
    SelectionSetNode,
    print_ast,
)


@dataclass
class FieldEntry:
    name: str
    alias: str | None
    arguments: tuple[ArgumentNode, ...]
    directives: tuple[DirectiveNode, ...]
    # The field's type as the subgraph declares it: two entries of one response key must agree.
    subgraph_type: str
    children: Selections | None = None

    @property
    def response_key(self) -> str:
        return self.alias or self.name


@dataclass
class FragmentEntry:
    type_condition: str | None
    directives: tuple[DirectiveNode, ...]
    children: Selections


@dataclass
class Selections:
    items: dict[tuple[str, ...], FieldEntry | FragmentEntry] = field(default_factory=dict)

    def add_field(
        self,
        name: str,
        *,
        alias: str | None = None,
        arguments: tuple[ArgumentNode, ...] = (),
        directives: tuple[DirectiveNode, ...] = (),
        subgraph_type: str = "",
        composite: bool = False,
    ) -> FieldEntry:
        key = ("field", alias or name, name, printed(arguments), printed(directives))
        entry = self.items.get(key)
        if entry is None:
            entry = FieldEntry(name, alias, arguments, directives, subgraph_type, Selections() if composite else None)
            self.items[key] = entry
        assert isinstance(entry, FieldEntry)
        return entry

    def fragment(self, type_condition: str | None, directives: tuple[DirectiveNode, ...] = ()) -> Selections:
        if type_condition is None and not directives:
            return self
        key = ("fragment", type_condition or "", printed(directives))
        entry = self.items.get(key)
        if entry is None:
            entry = FragmentEntry(type_condition, directives, Selections())
            self.items[key] = entry
        assert isinstance(entry, FragmentEntry)
        return entry.children

    def conditional(self, conditions: tuple[DirectiveNode, ...]) -> Selections:
        """Where a client field under ``@include``/``@skip`` fragments goes: one wrapper per condition set."""
        return self.fragment(None, conditions) if conditions else self

    def fields_with_key(self, response_key: str) -> list[FieldEntry]:
        """Every field of this level (fragments included) answering under ``response_key``."""
        found: list[FieldEntry] = []
        for entry in self.items.values():
            if isinstance(entry, FieldEntry):
                if entry.response_key == response_key:
                    found.append(entry)
            else:
                found.extend(entry.children.fields_with_key(response_key))
        return found

    def include(self, other: Selections) -> None:
        """Add every selection of ``other`` (merged with the equal ones already here)."""
        for entry in other.items.values():
            if isinstance(entry, FieldEntry):
                added = self.add_field(
                    entry.name,
                    alias=entry.alias,
                    arguments=entry.arguments,
                    directives=entry.directives,
                    subgraph_type=entry.subgraph_type,
                    composite=entry.children is not None,
                )
                if entry.children is not None and added.children is not None:
                    added.children.include(entry.children)
            else:
                self.fragment(entry.type_condition, entry.directives).include(entry.children)

    def has_fragment(self, type_condition: str) -> bool:
        return any(isinstance(e, FragmentEntry) and e.type_condition == type_condition for e in self.items.values())

    def is_empty(self) -> bool:
        return not self.items

    def to_ast(self) -> SelectionSetNode:
        selections: list[SelectionNode] = []
        for entry in self.items.values():
            if isinstance(entry, FieldEntry):
                children = entry.children
                if children is not None and children.is_empty():
                    # A composite field needs a selection; __typename is always valid there.
                    children.add_field("__typename")
                selections.append(
                    FieldNode(
                        alias=NameNode(value=entry.alias) if entry.alias else None,
                        name=NameNode(value=entry.name),
                        arguments=entry.arguments,
                        directives=entry.directives,
                        selection_set=children.to_ast() if children is not None else None,
                    )
                )
            elif not entry.children.is_empty():
                condition = entry.type_condition
                selections.append(
                    InlineFragmentNode(
                        type_condition=NamedTypeNode(name=NameNode(value=condition)) if condition else None,
                        directives=entry.directives,
                        selection_set=entry.children.to_ast(),
                    )
                )
        return SelectionSetNode(selections=tuple(selections))


def printed(nodes: tuple[ArgumentNode, ...] | tuple[DirectiveNode, ...]) -> str:
    """Arguments or directives as text: what tells two selections of one name apart."""
    if not nodes:
        return ""
    return " ".join(print_ast(node) for node in nodes)
