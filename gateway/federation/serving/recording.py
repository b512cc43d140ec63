"""What one federated request needs of the caller's consent and query record, decided before it runs, so
that a request with nothing to check or record costs nothing: no request context, no walk of the response.

- The response is walked (gateway.federation.serving.subjects.find_accessed) when the subject codes were
  added to the operation (objects about a subject may come back, and the added aliases must come out), or
  when the operation selects a remote field the query record keeps about no subject
  (``ConsentRules.recorded``). The latter is worked out from the operation alone, once per document
  (:func:`operation_selects_recorded`), never from a response.
- The caller's consent and query record are opened (the request context and ``served_federated``) when the
  response is walked, or when the plan calls the in-process subgraph, whose operations set aside for the
  request's one record what they hand out.

Anything else (a keyed request to remote subgraphs that selects nothing about a subject and no recorded
field) hands out nothing the record keeps, so it is neither checked nor recorded, like the public's.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)

from gateway.federation.serving.consent import ConsentRules
from gateway.federation.serving.request import Prepared
from gateway.kernel.document_memo import DOCUMENTS


def selects_recorded(prepared: Prepared, schema: GraphQLSchema, rules: ConsentRules) -> bool:
    """Whether the client's operation may select a remote field the query record keeps about no subject: on an
    abstract type, a field that any of its possible types has recorded (a response only narrows that)."""
    if not rules.recorded:
        return False
    definitions = prepared.document.definitions
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    visited: set[str] = set()  # a fragment is walked once, under its own type condition, wherever spread

    def walk(selection_set: SelectionSetNode, parent: object) -> bool:
        if isinstance(parent, GraphQLInterfaceType | GraphQLUnionType):
            possible = [t.name for t in schema.get_possible_types(parent)]
        else:
            possible = [getattr(parent, "name", "")]
        fields: Mapping[str, GraphQLField] = getattr(parent, "fields", {})
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if any((type_name, name) in rules.recorded for type_name in possible):
                    return True
                definition = fields.get(name)
                child = get_named_type(definition.type) if definition is not None else None
                if selection.selection_set is not None and child is not None and walk(selection.selection_set, child):
                    return True
            elif isinstance(selection, InlineFragmentNode):
                condition = schema.get_type(selection.type_condition.name.value) if selection.type_condition else None
                if walk(selection.selection_set, condition or parent):
                    return True
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in visited:
                visited.add(selection.name.value)
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    condition = schema.get_type(fragment.type_condition.name.value)
                    if walk(fragment.selection_set, condition or parent):
                        return True
        return False

    operation = prepared.operation
    return walk(operation.selection_set, schema.get_root_type(operation.operation))


def operation_selects_recorded(prepared: Prepared, schema: GraphQLSchema, rules: ConsentRules) -> bool:
    """:func:`selects_recorded`, worked out once per document (the parse cache hands out one per text) and
    operation, and kept with the document (gateway.kernel.document_memo). ``schema`` is the loaded
    supergraph's API schema: a reload brings a new one with new ``rules``, so it is part of the key."""
    if not rules.recorded:
        return False
    key = ("selects recorded", schema, prepared.operation_name)
    return DOCUMENTS.get(prepared.document, key, lambda: selects_recorded(prepared, schema, rules))
