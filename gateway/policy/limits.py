"""Query limits per role, and the one walk over a parsed document that measures a request against them.

The walk runs before graphql-core's validation, because validation itself is what an alias or
fragment bomb attacks (overlapping-field checks are quadratic). It therefore tolerates documents
that validation would refuse: unknown fields count as plain leaves, fragment cycles count once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_introspection_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from gateway.auth.principal import Role
from gateway.kernel.document_memo import DOCUMENTS
from gateway.kernel.errors import ConfigurationError
from gateway.kernel.limits import MAX_NESTING

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
# Arguments that say how many items a list field returns: pages (`first`), batches (`codes`),
# federation look-ups (`representations`).
SIZE_ARGUMENTS = ("first", "codes", "representations")


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_tokens: int
    max_cost: int
    # Fields the document selects, each fragment counted wherever it is spread. graphql-core's check
    # of overlapping fields compares same-named fields pairwise and gives up ("Validation aborted.")
    # at about 700 of them in one selection set, so no default exceeds that.
    max_fields: int


# Why these numbers. The cost estimates the values a response holds (every field counts once per
# item of each list around it), so the ceiling is what the largest legitimate query of a role
# needs, with little room for repeating it under aliases. The public may batch 100 subjects with
# the unified four-domain profile (the README's promise; about 45,000), at depth 4 and some 150
# tokens; depth 8 and 2,000 tokens leave room for fragments, not for bombs. Subjects read only
# themselves. Portal apps render profiles for many users and, in development, introspect
# (GraphiQL's query is 13 levels deep). Partners look up batches across every domain; an agency reads the
# subjects it writes a report on, one or a few at a time, like the public's profile. Departments
# submit through variables, but may inline a batch of literals (tokens). The admin's limits only
# stop accidents.
DEFAULT_ROLE_LIMITS: dict[Role, Limits] = {
    Role.PUBLIC: Limits(max_depth=8, max_aliases=10, max_tokens=2_000, max_cost=50_000, max_fields=500),
    Role.SUBJECT: Limits(max_depth=10, max_aliases=20, max_tokens=3_000, max_cost=20_000, max_fields=500),
    Role.PORTAL: Limits(max_depth=15, max_aliases=30, max_tokens=5_000, max_cost=100_000, max_fields=700),
    Role.PARTNER: Limits(max_depth=10, max_aliases=30, max_tokens=5_000, max_cost=200_000, max_fields=700),
    Role.AGENCY: Limits(max_depth=10, max_aliases=20, max_tokens=3_000, max_cost=50_000, max_fields=500),
    Role.DEPARTMENT: Limits(max_depth=10, max_aliases=20, max_tokens=50_000, max_cost=50_000, max_fields=700),
    Role.ADMIN: Limits(max_depth=25, max_aliases=200, max_tokens=200_000, max_cost=2_000_000, max_fields=700),
}


def role_limits(overrides: Mapping[str, Mapping[str, int]]) -> dict[Role, Limits]:
    """The defaults with the settings' overrides applied; a typo stops the start rather than being ignored."""
    known = {f.name for f in fields(Limits)}
    result = dict(DEFAULT_ROLE_LIMITS)
    for role_name, values in overrides.items():
        try:
            role = Role(role_name)
        except ValueError:
            raise ConfigurationError(f"role_limits: unknown role {role_name!r}") from None
        unknown = set(values) - known
        if unknown:
            raise ConfigurationError(f"role_limits[{role_name!r}]: unknown keys {sorted(unknown)}")
        if any(int(v) < 1 for v in values.values()):
            raise ConfigurationError(f"role_limits[{role_name!r}]: limits must be positive")
        result[role] = replace(result[role], **{k: int(v) for k, v in values.items()})
    return result


class NestingTooDeep(Exception):
    """The document nests selections and fragment spreads past :data:`MAX_NESTING`."""

    def __init__(self, maximum: int) -> None:
        super().__init__(f"selections and fragments nested more than {maximum} levels deep")
        self.maximum = maximum


@dataclass(frozen=True, slots=True)
class ListSizes:
    """What the cost estimate assumes a list holds: ``default`` without a sizing argument, else the
    argument capped at what the resolvers accept (a larger one is refused there with its own error)."""

    default: int = 20
    max_page: int = 100
    max_batch: int = 100

    def cap(self, argument: str, size: int) -> int:
        return min(size, self.max_page if argument == "first" else self.max_batch)


@dataclass(slots=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0
    fields: int = 0
    introspection: bool = False

    def add(self, other: Measure) -> None:
        """Siblings: the deepest one counts for depth, everything else adds up."""
        self.depth = max(self.depth, other.depth)
        self.aliases += other.aliases
        self.cost += other.cost
        self.fields += other.fields
        self.introspection = self.introspection or other.introspection

    def first_over(self, limits: Limits) -> tuple[str, int, int] | None:
        """The first of depth, aliases, cost and fields over its limit: (name, maximum, measured), or None.
        The local /graphql and the federated endpoint refuse with it, in the same words."""
        for limit, maximum, actual in (
            ("depth", limits.max_depth, self.depth),
            ("aliases", limits.max_aliases, self.aliases),
            ("cost", limits.max_cost, self.cost),
            ("fields", limits.max_fields, self.fields),
        ):
            if actual > maximum:
                return limit, maximum, actual
        return None


def over_limit_message(limit: str, maximum: int, actual: int) -> str:
    """What a client reads when its query is over one of its role's limits (both endpoints say it so)."""
    return f"This query's {limit} ({actual}) is over this client's limit of {maximum}"


class _Walker:
    """One pass over the operations; each fragment is measured once (memoised) so that nested
    spreads cannot make the walk itself exponential, while their counts still multiply."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any], sizes: ListSizes
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.sizes = sizes
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.memo: dict[str, Measure] = {}
        self.visiting: set[str] = set()
        self.nesting = 0

    def selection_set(self, node: SelectionSetNode | None, parent: Any, paged: bool) -> Measure:
        total = Measure()
        if node is None:
            return total
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise NestingTooDeep(MAX_NESTING)
        try:
            if is_abstract_type(parent):
                return self._abstract_selection_set(node, parent, paged)
            for selection in node.selections:
                total.add(self._selection(selection, parent, paged))
        finally:
            self.nesting -= 1
        return total

    def _abstract_selection_set(self, node: SelectionSetNode, parent: Any, paged: bool) -> Measure:
        """Below a union or an interface each value is one object type, so only the selections that apply
        to that type cost anything for it: the cost is the dearest member's, not the sum of every type
        condition (a query that branches on the members of a union would otherwise be counted once per
        member, and refused for work it cannot cause). Depth, aliases and fields still count every branch,
        as the document holds them."""
        total = Measure()
        branches: list[tuple[frozenset[str] | None, int]] = []
        for selection in node.selections:
            measured = self._selection(selection, parent, paged)
            total.add(measured)
            branches.append((self._applies_to(selection), measured.cost))
        members = [member.name for member in self.schema.get_possible_types(parent)]
        if members:
            total.cost = max(
                sum(cost for applies_to, cost in branches if applies_to is None or member in applies_to)
                for member in members
            )
        return total

    def _applies_to(self, selection: Any) -> frozenset[str] | None:
        """The object types a selection applies to below an abstract parent; None for all of them."""
        condition: Any = None
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
        elif isinstance(selection, FragmentSpreadNode):
            definition = self.fragments.get(selection.name.value)
            condition = definition.type_condition if definition is not None else None
        if condition is None:
            return None
        target = self.schema.get_type(condition.name.value)
        if is_abstract_type(target):
            return frozenset(member.name for member in self.schema.get_possible_types(target))
        if isinstance(target, GraphQLObjectType):
            return frozenset((target.name,))
        return None  # unknown type: validation refuses the document afterwards

    def _selection(self, selection: Any, parent: Any, paged: bool) -> Measure:
        if isinstance(selection, FieldNode):
            return self.field(selection, parent, paged)
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = self.schema.get_type(condition.name.value) if condition else parent
            return self.selection_set(selection.selection_set, target, paged)
        if isinstance(selection, FragmentSpreadNode):
            return self.fragment(selection.name.value)
        return Measure()

    def fragment(self, name: str) -> Measure:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return Measure()  # unknown or cyclic: validation refuses the document afterwards
        self.visiting.add(name)
        measured = self.selection_set(
            definition.selection_set, self.schema.get_type(definition.type_condition.name.value), False
        )
        self.visiting.discard(name)
        self.memo[name] = measured
        return measured

    def field(self, node: FieldNode, parent: Any, paged: bool) -> Measure:
        name = node.name.value
        if name == "__schema":
            field_type: Any = SchemaMetaFieldDef.type
        elif name == "__type":
            field_type = TypeMetaFieldDef.type
        elif isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) and name in parent.fields:
            field_type = parent.fields[name].type
        else:
            field_type = None  # __typename, or a field validation will refuse
        named = get_named_type(field_type) if field_type is not None else None
        is_list = field_type is not None and isinstance(get_nullable_type(field_type), GraphQLList)
        size = self._size_argument(node)
        meta = is_introspection_type(named) if named is not None else False
        if meta:
            # Introspection answers are bounded by the schema, not by the query: count fields, not list sizes.
            multiplier, child_paged = 1, False
        elif size is not None:
            # A sized connection (`first`) holds its page in a list below it: that list is not multiplied again.
            multiplier, child_paged = size, not is_list
        elif is_list:
            multiplier, child_paged = (1 if paged else self.sizes.default), False
        else:
            multiplier, child_paged = 1, False
        below = self.selection_set(node.selection_set, named, child_paged)
        return Measure(
            depth=1 + below.depth,
            aliases=(1 if node.alias is not None else 0) + below.aliases,
            cost=1 + multiplier * below.cost,
            fields=1 + below.fields,
            introspection=name in INTROSPECTION_FIELDS or below.introspection,
        )

    def _size_argument(self, node: FieldNode) -> int | None:
        for argument in node.arguments or ():
            name = argument.name.value
            if name not in SIZE_ARGUMENTS:
                continue
            value: Any = argument.value
            if isinstance(value, VariableNode):
                value = self.variables.get(value.name.value)
            elif isinstance(value, IntValueNode):
                value = int(value.value)
            elif isinstance(value, ListValueNode):
                value = value.values
            if isinstance(value, bool):
                return None
            if isinstance(value, int):
                return self.sizes.cap(name, max(value, 0))
            if isinstance(value, list | tuple):
                return self.sizes.cap(name, len(value))
        return None


def measure_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    sizes: ListSizes | None = None,
) -> Measure:
    """Depth of the deepest operation; aliases, cost and fields of all operations together (every
    operation of a document is validated, whichever one runs). Raises :class:`NestingTooDeep`."""
    walker = _Walker(schema, document, variables or {}, sizes or ListSizes())
    result = Measure()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.get_root_type(definition.operation)
            result.add(walker.selection_set(definition.selection_set, root, False))
    return result


def measure_cached(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any], sizes: ListSizes
) -> Measure:
    """:func:`measure_document`, kept per document (gateway.kernel.document_memo): the measure depends
    on the document and on the sizes the variables give to list arguments, which are part of the key.
    A document that nests too deeply is measured (and refused) every time, as the walk stops early."""
    names = DOCUMENTS.get(document, "size-variables", lambda: size_variable_names(document))
    key = ("measure", schema, sizes, tuple(_size_key(variables.get(name)) for name in names))
    return DOCUMENTS.get(document, key, lambda: measure_document(schema, document, variables, sizes))


def size_variable_names(document: DocumentNode) -> tuple[str, ...]:
    """The variables given to a size argument (``first``, ``codes`` …) anywhere in the document."""
    from graphql.language import Visitor, visit

    names: set[str] = set()

    class Finder(Visitor):
        def enter_argument(self, node: Any, *_: Any) -> None:
            if node.name.value in SIZE_ARGUMENTS and isinstance(node.value, VariableNode):
                names.add(node.value.name.value)

    visit(document, Finder())
    return tuple(sorted(names))


def _size_key(value: Any) -> tuple[str, Any]:
    """What of a variable's value the walk reads (see _Walker._size_argument)."""
    if isinstance(value, bool):
        return ("none", None)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, list | tuple):
        return ("len", len(value))
    return ("none", None)
