"""The run-time half of consent over remote fields: which subjects a federated response hands out,
which of their consent-scoped fields the caller may see, and what the query record notes.

1. :func:`with_subject_codes` adds to the client's operation, wherever an object about a subject
   (gateway.federation.serving.consent) may be selected, the field naming its subject and its
   ``__typename``, under aliases of the gateway's own (``_cg_…``), so the plan fetches them even when the
   client did not ask. A client may not use these aliases itself.
2. After execution, :func:`find_accessed` walks the response along that operation and lists each object
   about a subject with the fields selected of it, and takes the added aliases out again; on objects
   about no subject it notes the remote fields the query record keeps (``ConsentRules.recorded``), as
   ``Type.field@subgraph``.
3. :func:`enforce` asks the :class:`SubjectGuard` (made by the server for the caller: partner access
   and the query record are plugins, which this package does not import) for the subjects' ids and the
   caller's right to each group, nulls a refused field with a ``FORBIDDEN_FIELD`` error at its path, and
   returns what the query record must note: per subject, the remote fields handed out, each as
   ``field@subgraph`` (so the record names the subgraphs that served that subject).
4. :meth:`SubjectGuard.record` hands all of it to the query record with the subgraphs the request called.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    parse,
    print_ast,
)

from gateway.federation.executor.type_conditions import type_matches
from gateway.federation.serving.consent import ConsentRules
from gateway.kernel.errors import FORBIDDEN_FIELD

ALIAS_PREFIX = "_cg_"
TYPENAME_ALIAS = f"{ALIAS_PREFIX}type"
Path = tuple[str | int, ...]


class SubjectGuard(Protocol):
    """The caller's side of consent, for one request (gateway.server.federated_subjects makes it)."""

    async def subject_ids(self, codes: Sequence[str]) -> dict[str, int]:
        """The ids of the codes on file (unknown or malformed codes are left out)."""
        ...

    async def allowed(self, checks: Sequence[tuple[str, int | None]]) -> list[bool]:
        """For each (group, subject id or None), whether the caller sees that group of that subject."""
        ...

    async def record(
        self,
        operation: str,
        subgraphs: Sequence[str],
        subjects: Sequence[tuple[int, tuple[str, ...]]],
        about_no_subject: Sequence[str],
    ) -> None:
        """Write the request to the query record: the subgraphs it called, the (subject id, remote fields)
        handed out, the remote fields about no subject, with what its in-process operations set aside;
        raises when it could not be written."""
        ...


def code_alias(code_field: str) -> str:
    return f"{ALIAS_PREFIX}{code_field}"


def uses_gateway_aliases(document: DocumentNode) -> bool:
    """Whether the client's document uses an alias the gateway reserves."""
    found = False

    def walk(selection_set: SelectionSetNode | None) -> None:
        nonlocal found
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode) and selection.alias and selection.alias.value.startswith(ALIAS_PREFIX):
                found = True
            walk(getattr(selection, "selection_set", None))

    for definition in document.definitions:
        walk(getattr(definition, "selection_set", None))
    return found


def with_subject_codes(document: DocumentNode, schema: GraphQLSchema, rules: ConsentRules) -> DocumentNode | None:
    """The document with the subject codes added (and the ``__typename`` of abstract-typed objects whose
    fields may be recorded), or None when it selects nothing that needs them."""
    added = False

    def rewrite(selection_set: SelectionSetNode, parent: Any, root: bool) -> SelectionSetNode:
        nonlocal added
        selections: list[Any] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode) and selection.selection_set is not None:
                definition = parent.fields.get(selection.name.value) if hasattr(parent, "fields") else None
                if definition is not None:
                    child = get_named_type(definition.type)
                    selection = _copy(selection, selection_set=rewrite(selection.selection_set, child, False))
            elif isinstance(selection, InlineFragmentNode):
                condition = schema.get_type(selection.type_condition.name.value) if selection.type_condition else None
                selection = _copy(selection, selection_set=rewrite(selection.selection_set, condition or parent, root))
            selections.append(selection)
        extra = [] if root else _subject_selections(schema, parent, rules)
        added = added or bool(extra)
        return SelectionSetNode(selections=tuple(selections + extra))

    definitions: list[Any] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root_type = schema.get_root_type(definition.operation)
            definition = _copy(definition, selection_set=rewrite(definition.selection_set, root_type, True))
        elif isinstance(definition, FragmentDefinitionNode):
            condition = schema.get_type(definition.type_condition.name.value)
            definition = _copy(definition, selection_set=rewrite(definition.selection_set, condition, False))
        definitions.append(definition)
    if not added:
        return None
    # Printed and parsed again: the planner and the executor get a document like any client's.
    return parse(print_ast(DocumentNode(definitions=tuple(definitions))))


def _copy(node: Any, **changes: Any) -> Any:
    values = {key: getattr(node, key) for key in node.keys if key != "loc"}
    values.update(changes)
    return type(node)(**values)


def _field(alias: str, name: str) -> FieldNode:
    return FieldNode(alias=NameNode(value=alias), name=NameNode(value=name), arguments=(), directives=())


def _subject_selections(schema: GraphQLSchema, parent: Any, rules: ConsentRules) -> list[Any]:
    if isinstance(parent, GraphQLObjectType):
        code_field = rules.tied.get(parent.name)
        return (
            []
            if code_field is None
            else [_field(TYPENAME_ALIAS, "__typename"), _field(code_alias(code_field), code_field)]
        )
    if not isinstance(parent, GraphQLInterfaceType | GraphQLUnionType):
        return []
    extra: list[Any] = []
    typed = False  # whether the walk needs each object's type: its fields may be recorded
    for possible in schema.get_possible_types(parent):
        code_field = rules.tied.get(possible.name)
        typed = typed or possible.name in rules.recorded_types
        if code_field is not None:
            extra.append(
                InlineFragmentNode(
                    type_condition=NamedTypeNode(name=NameNode(value=possible.name)),
                    directives=(),
                    selection_set=SelectionSetNode(selections=(_field(code_alias(code_field), code_field),)),
                )
            )
    return [_field(TYPENAME_ALIAS, "__typename"), *extra] if extra or typed else []


@dataclass
class SubjectObject:
    """One object of the response about a subject: where it is, whose it is, what was selected of it."""

    path: Path
    type_name: str
    code: str | None
    value: dict[str, Any]
    fields: dict[str, str] = field(default_factory=dict)  # response key -> field name


def find_accessed(
    data: Any, document: DocumentNode, operation_name: str | None, schema: GraphQLSchema, rules: ConsentRules
) -> tuple[list[SubjectObject], list[str]]:
    """Every object about a subject in ``data``, and the recorded remote fields about no subject
    (``Type.field@subgraph``); removes the gateway's aliases from ``data`` as it goes."""
    operation = next(
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    )
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walker = _Walker(schema, fragments, rules)
    root = schema.get_root_type(operation.operation)
    if isinstance(data, dict) and root is not None:
        walker.object(data, root, [operation.selection_set], ())
    return walker.found, list(walker.about_no_subject)


class _Walker:
    def __init__(
        self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode], rules: ConsentRules
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.rules = rules
        self.found: list[SubjectObject] = []
        self.about_no_subject: dict[str, None] = {}  # Type.field@subgraph, in the order met

    def value(self, value: Any, declared: Any, sets: list[SelectionSetNode], path: Path) -> None:
        if isinstance(value, list):
            for index, item in enumerate(value):
                self.value(item, declared, sets, (*path, index))
        elif isinstance(value, dict):
            runtime = self.schema.get_type(value.get(TYPENAME_ALIAS) or value.get("__typename") or "") or declared
            self.object(value, runtime, sets, path)

    def object(self, value: dict[str, Any], runtime: Any, sets: list[SelectionSetNode], path: Path) -> None:
        collected: dict[str, list[FieldNode]] = {}
        for selection_set in sets:
            _collect(selection_set, runtime.name, self.schema, self.fragments, collected, set())
        code_field = self.rules.tied.get(runtime.name)
        if code_field is not None and path:
            code = value.get(code_alias(code_field))
            subject = SubjectObject(path, runtime.name, code if isinstance(code, str) else None, value)
            subject.fields = {
                key: nodes[0].name.value for key, nodes in collected.items() if not key.startswith(ALIAS_PREFIX)
            }
            self.found.append(subject)
        elif code_field is None:
            for key, nodes in collected.items():
                # A field in the response was handed out, null or not (as a subject's fields are noted).
                serving = self.rules.recorded.get((runtime.name, nodes[0].name.value)) if key in value else None
                for subgraph in serving or ():
                    self.about_no_subject[f"{runtime.name}.{nodes[0].name.value}@{subgraph}"] = None
        for key in [k for k in value if k.startswith(ALIAS_PREFIX)]:
            del value[key]
        fields = getattr(runtime, "fields", {})
        for key, nodes in collected.items():
            definition = fields.get(nodes[0].name.value)
            child_sets = [n.selection_set for n in nodes if n.selection_set is not None]
            if definition is not None and child_sets and key in value:
                self.value(value[key], get_named_type(definition.type), child_sets, (*path, key))


def _collect(
    selection_set: SelectionSetNode,
    runtime: str,
    schema: GraphQLSchema,
    fragments: Mapping[str, FragmentDefinitionNode],
    into: dict[str, list[FieldNode]],
    visited: set[str],
) -> None:
    # @skip and @include need no evaluation here: what they left out is not in the shaped response.
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            into.setdefault(selection.alias.value if selection.alias else selection.name.value, []).append(selection)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else runtime
            if type_matches(schema, condition, runtime):
                _collect(selection.selection_set, runtime, schema, fragments, into, visited)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in visited:
            visited.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
            if fragment is not None and type_matches(schema, fragment.type_condition.name.value, runtime):
                _collect(fragment.selection_set, runtime, schema, fragments, into, visited)


async def enforce(
    subjects: Sequence[SubjectObject], rules: ConsentRules, guard: SubjectGuard, errors: list[dict[str, Any]]
) -> list[tuple[int, tuple[str, ...]]]:
    """Null the consent-scoped fields the caller may not see (an error each, appended to ``errors``) and
    return the query record's entries: (subject id, remote fields handed out as ``field@subgraph``)."""
    ids = await guard.subject_ids(sorted({s.code for s in subjects if s.code is not None}))
    scoped = [
        (subject, key, group)
        for subject in subjects
        for key, name in subject.fields.items()
        if (group := rules.groups.get((subject.type_name, name))) is not None
    ]
    checks = list(dict.fromkeys((group, ids.get(s.code) if s.code else None) for s, _, group in scoped))
    decisions = dict(zip(checks, await guard.allowed(checks), strict=True)) if checks else {}
    refused: list[Path] = []
    for subject, key, group in scoped:
        if not decisions[(group, ids.get(subject.code) if subject.code else None)] and key in subject.value:
            subject.value[key] = None
            refused.append((*subject.path, key))
            errors.append(
                {
                    "message": f"{subject.type_name}.{subject.fields[key]} (field group {group}) is not yours to see "
                    "for this subject.",
                    "path": [*subject.path, key],
                    "extensions": {"code": FORBIDDEN_FIELD, "group": group},
                }
            )
    # A subject inside a refused field was not handed out.
    handed_out = [s for s in subjects if not any(s.path[: len(p)] == p for p in refused)]
    return _accesses(handed_out, ids, rules)


def _accesses(
    subjects: Iterable[SubjectObject], ids: Mapping[str, int], rules: ConsentRules
) -> list[tuple[int, tuple[str, ...]]]:
    by_subject: dict[int, dict[str, None]] = {}
    for subject in subjects:
        subject_id = ids.get(subject.code) if subject.code else None
        if subject_id is None:
            continue  # not on file: nobody to tell, and the record's rows name a subject
        for name in subject.fields.values():
            for subgraph in rules.remote.get((subject.type_name, name), ()):
                by_subject.setdefault(subject_id, {})[f"{name}@{subgraph}"] = None
    return [(subject_id, tuple(fields)) for subject_id, fields in by_subject.items()]
