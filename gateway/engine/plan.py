"""Compiling a query operation into a plan: what every field of every level does, worked out once.

A plan depends on the audience schema, the document, the operation name and the boolean values of
the variables that ``@include``/``@skip`` read; nothing else in a request changes it. It holds:

* per object type, the response keys in order and, per key, how the value is obtained (a
  :class:`FieldKind`): the ``__typename``, a plain attribute read, a plain method of the parent, a
  plugin's batch form, or the field's full resolver (strawberry's, with an ``Info``);
* per field, how the value completes (:class:`Completion`): nullability, lists, leaves with their
  output coercion, objects with their sub-selection, abstract types with one selection per
  possible type (type conditions and fragments are resolved here, not per object);
* arguments coerced once when they read no variable.

Anything the engine does not run (introspection, ``@defer``/``@stream``, fragment variables, a
middleware that cannot say which fields it wraps) raises :class:`Unsupported`, and the operation
runs on graphql-core instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from graphql import (
    FieldNode,
    GraphQLAbstractType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    OperationDefinitionNode,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_fields, collect_subfields
from graphql.execution.values import VariableValues, get_argument_values
from graphql.language import ArgumentNode, ListValueNode, ObjectValueNode, ValueNode
from strawberry.types.arguments import convert_arguments

from gateway.engine.batch import batch_form_of
from gateway.engine.leaves import exact_leaf_type, leaf_coercer

BATCH_ATTRIBUTE_DEFINITION = "strawberry-definition"


class Unsupported(Exception):
    """The operation uses something the engine leaves to graphql-core."""


class FieldKind(IntEnum):
    TYPENAME = 0  # the object type's name
    ATTRIBUTE = 1  # getattr(parent, attribute): strawberry's basic field
    METHOD = 2  # function(parent): a resolver that takes only its parent, no info, no arguments
    BATCH = 3  # function(parents, info, **arguments): a plugin's batch form, once per level
    RESOLVER = 4  # the GraphQL field's resolve(parent, info, **arguments), per parent
    # a plugin's resolver that takes info (or its parent by name), called per parent with the arguments
    # strawberry would pass it, without strawberry's wrapper (which converts the arguments on every call)
    DIRECT = 5


class CompletionKind(IntEnum):
    LEAF = 0
    LIST = 1
    OBJECT = 2
    ABSTRACT = 3


@dataclass(slots=True, eq=False)
class Selection:
    """The fields selected on one object type, in response order."""

    type: GraphQLObjectType
    keys: tuple[str, ...]
    fields: list[PlanField]
    # is_type_of of the type, checked once per Python class of the values (strawberry's is by class)
    is_type_of: Callable[[Any, Any], Any] | None


@dataclass(slots=True, eq=False)
class Completion:
    """How a resolved value becomes response data, for one level of the field's type wrapping."""

    kind: CompletionKind
    nullable: bool
    coerce: Callable[[Any], Any] | None = None  # LEAF
    # LEAF: the Python type whose values are answered as they are, with no call (str for String and ID,
    # bool for Boolean: what leaf_coercer passes through for them); None where every value is coerced.
    exact: type | None = None
    item: Completion | None = None  # LIST
    selection: Selection | None = None  # OBJECT
    abstract_type: GraphQLAbstractType | None = None  # ABSTRACT
    # ABSTRACT: the selection per possible type name, compiled when a value of that type first comes
    # (an interface or union may have many types, a response few of them)
    selections: dict[str, Selection] = field(default_factory=dict)
    compile_for: Callable[[GraphQLObjectType], Selection] | None = None


@dataclass(slots=True, eq=False)
class PlanField:
    key: str  # response key (the alias, or the name)
    name: str
    kind: FieldKind
    parent_type: GraphQLObjectType
    definition: GraphQLField | None  # None for __typename
    details: list[FieldDetails]
    nodes: list[FieldNode]
    completion: Completion | None
    attribute: str | None = None  # ATTRIBUTE
    function: Callable[..., Any] | None = None  # METHOD, BATCH, RESOLVER
    method_takes_parent: bool = True  # METHOD: whether the function takes the parent
    method_arguments: dict[str, Any] = field(default_factory=dict)  # METHOD: its (constant) arguments
    # DIRECT: the parameters that receive the parent (parent or root) and the info, by name
    source_parameters: tuple[str, ...] = ()
    info_parameter: str | None = None
    arguments: dict[str, Any] | None = None  # coerced once, when no variable is read
    reads_variables: bool = False
    guarded: bool = False  # goes through the schema's middleware (partner field groups)
    strawberry_field: Any = None


@dataclass(slots=True, eq=False)
class Plan:
    operation: OperationDefinitionNode
    root: Selection
    fields_count: int


class Compiler:
    """Compiles one operation against one schema, with the directive variables of one request."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDetails],
        operation: OperationDefinitionNode,
        variable_values: VariableValues,
        guarded_field: Callable[[GraphQLObjectType, str], bool],
        directive_names: tuple[str, ...] = (),
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.operation = operation
        # Only what @include/@skip read: the plan is kept (and compiles abstract selections later), and
        # must hold nothing else of the request that compiled it (a large variable, say).
        self.variable_values = VariableValues(
            {name: variable_values.sources[name] for name in directive_names if name in variable_values.sources},
            {name: variable_values.coerced[name] for name in directive_names if name in variable_values.coerced},
        )
        self.guarded_field = guarded_field
        self.fields_count = 0
        self._empty_variables = VariableValues({}, {})

    def compile(self) -> Plan:
        if any(f.variable_signatures for f in self.fragments.values()):
            raise Unsupported("fragment variables")
        root_type = self.schema.query_type
        if root_type is None:
            raise Unsupported("no query type")
        collected = collect_fields(self.schema, self.fragments, self.variable_values, root_type, self.operation)
        if collected.new_defer_usages:
            raise Unsupported("@defer")
        root = self._selection(root_type, collected.grouped_field_set, root=True)
        return Plan(self.operation, root, self.fields_count)

    def _selection(
        self, object_type: GraphQLObjectType, grouped: dict[str, list[FieldDetails]], root: bool = False
    ) -> Selection:
        fields: list[PlanField] = []
        for key, details in grouped.items():
            name = details[0].node.name.value
            if name.startswith("__") and name != "__typename":
                raise Unsupported("introspection")  # __schema, __type: graphql-core answers them
            if any(d.fragment_variable_values is not None for d in details):
                raise Unsupported("fragment variables")
            if root and name == "__typename":
                fields.append(self._typename(key, object_type, details))
                continue
            if name == "__typename":
                fields.append(self._typename(key, object_type, details))
                continue
            definition = object_type.fields.get(name)
            if definition is None:  # validation ran: only a field hidden from this audience, never here
                continue
            fields.append(self._field(key, name, object_type, definition, details))
        self.fields_count += len(fields)
        return Selection(object_type, tuple(f.key for f in fields), fields, object_type.is_type_of)

    def _typename(self, key: str, object_type: GraphQLObjectType, details: list[FieldDetails]) -> PlanField:
        nodes = [d.node for d in details]
        return PlanField(key, "__typename", FieldKind.TYPENAME, object_type, None, details, nodes, None)

    def _field(
        self,
        key: str,
        name: str,
        parent_type: GraphQLObjectType,
        definition: GraphQLField,
        details: list[FieldDetails],
    ) -> PlanField:
        nodes = [d.node for d in details]
        node = nodes[0]
        if node.directives and any(d.name.value in ("defer", "stream") for d in node.directives):
            raise Unsupported("@stream")
        plan_field = PlanField(
            key,
            name,
            FieldKind.RESOLVER,
            parent_type,
            definition,
            details,
            nodes,
            None,
            function=definition.resolve,
        )
        plan_field.guarded = self.guarded_field(parent_type, name)
        strawberry_field = (definition.extensions or {}).get(BATCH_ATTRIBUTE_DEFINITION)
        plan_field.strawberry_field = strawberry_field
        plan_field.reads_variables = any(_reads_variables(argument) for argument in node.arguments or ())
        if not plan_field.reads_variables and (definition.args or node.arguments):
            plan_field.arguments = get_argument_values(definition, node, self._empty_variables)
        elif not definition.args:
            plan_field.arguments = {}
        self._choose_kind(plan_field, definition, strawberry_field)
        plan_field.completion = self._completion(definition.type, details)
        return plan_field

    def _choose_kind(self, plan_field: PlanField, definition: GraphQLField, strawberry_field: Any) -> None:
        """The cheapest way to get this field's value that gives the very value the resolver would."""
        if plan_field.guarded or strawberry_field is None or definition.resolve is None:
            return  # the full resolver (through the middleware when guarded)
        if getattr(definition.resolve, "_is_default", False):
            plan_field.kind = FieldKind.ATTRIBUTE
            plan_field.attribute = strawberry_field.python_name
            return
        resolver = strawberry_field.base_resolver
        if resolver is None or strawberry_field.extensions:
            return
        batch = batch_form_of(resolver.wrapped_func)
        if batch is not None:
            plan_field.kind = FieldKind.BATCH
            plan_field.function = batch
            return
        if _has_exception_handlers(self.schema):
            return  # strawberry's wrapper may turn a resolver's exception into a result: only it knows how
        plain = (
            # arguments only when they are constant: converted here, once, as strawberry would per call
            (not strawberry_field.arguments or plan_field.arguments is not None)
            and resolver.info_parameter is None
            and getattr(resolver, "parent_parameter", None) is None
            and not resolver.is_async
        )
        if plain:
            try:
                method_arguments = python_arguments(self.schema, strawberry_field, plan_field.arguments or {})
            except Exception:  # strawberry cannot convert them ahead: the full resolver, per parent
                return
            plan_field.kind = FieldKind.METHOD
            plan_field.function = resolver.wrapped_func
            plan_field.method_takes_parent = resolver.self_parameter is not None or resolver.root_parameter is not None
            plan_field.method_arguments = method_arguments
            return
        # The rest, as strawberry's wrapper calls them (strawberry.schema.schema_converter.get_arguments):
        # the parent first when the function takes self, by name when it takes parent or root; the info by
        # name. Constant arguments are converted here, once; others once per level (gateway.engine.run).
        if plan_field.arguments is not None:
            try:
                plan_field.method_arguments = python_arguments(self.schema, strawberry_field, plan_field.arguments)
            except Exception:  # strawberry cannot convert them ahead: the full resolver, per parent
                return
        plan_field.kind = FieldKind.DIRECT
        plan_field.function = resolver.wrapped_func
        plan_field.method_takes_parent = resolver.self_parameter is not None
        plan_field.source_parameters = tuple(
            parameter.name
            for parameter in (resolver.parent_parameter, resolver.root_parameter)
            if parameter is not None
        )
        plan_field.info_parameter = resolver.info_parameter.name if resolver.info_parameter is not None else None

    def _completion(self, output_type: GraphQLOutputType, details: list[FieldDetails]) -> Completion:
        nullable = not is_non_null_type(output_type)
        inner = output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type
        if is_list_type(inner):
            assert isinstance(inner, GraphQLList)
            return Completion(CompletionKind.LIST, nullable, item=self._completion(inner.of_type, details))
        if is_leaf_type(inner):
            return Completion(CompletionKind.LEAF, nullable, coerce=leaf_coercer(inner), exact=exact_leaf_type(inner))
        if is_object_type(inner):
            assert isinstance(inner, GraphQLObjectType)
            return Completion(CompletionKind.OBJECT, nullable, selection=self._subselection(inner, details))
        if is_abstract_type(inner):
            completion = Completion(CompletionKind.ABSTRACT, nullable, abstract_type=inner)  # type: ignore[arg-type]
            completion.compile_for = lambda possible: self._subselection(possible, details)
            return completion
        raise Unsupported(f"output type {inner}")  # pragma: no cover (every output type is one of the above)

    def _subselection(self, object_type: GraphQLObjectType, details: list[FieldDetails]) -> Selection:
        collected = collect_subfields(
            self.schema, self.fragments, self.variable_values, self.operation, object_type, details
        )
        if collected.new_defer_usages:
            raise Unsupported("@defer")
        return self._selection(object_type, collected.grouped_field_set)


def _has_exception_handlers(schema: GraphQLSchema) -> bool:
    strawberry_schema = getattr(schema, "_strawberry_schema", None)
    converter = getattr(strawberry_schema, "schema_converter", None)
    return bool(getattr(converter, "_exception_handler_specs", True))


def python_arguments(schema: GraphQLSchema, strawberry_field: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    """Coerced GraphQL arguments as a resolver receives them from strawberry (Python names, input
    types built): once per plan for a plain method's constant arguments, per level for a batch form."""
    if not arguments:
        return {}
    strawberry_schema = schema._strawberry_schema  # type: ignore[attr-defined]
    return convert_arguments(
        arguments,
        strawberry_field.arguments,
        scalar_registry=strawberry_schema.schema_converter.scalar_registry,
        config=strawberry_schema.config,
    )


def _reads_variables(node: ArgumentNode | ValueNode) -> bool:
    value = node.value if isinstance(node, ArgumentNode) else node
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_reads_variables(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_reads_variables(f.value) for f in value.fields)
    return False


def directive_variables(operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]) -> tuple[str, ...]:
    """The variables that ``@include``/``@skip`` read anywhere in the operation: part of the plan's key."""
    from graphql.language import Visitor, visit

    names: list[str] = []

    class Finder(Visitor):
        def enter_directive(self, node: Any, *_: Any) -> None:
            if node.name.value in ("include", "skip"):
                for argument in node.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        names.append(argument.value.name.value)

    visit(operation, Finder())
    for fragment in fragments.values():
        visit(fragment.definition, Finder())
    return tuple(sorted(set(names)))
