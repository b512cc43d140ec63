"""What shaping learns about a document is kept for its next requests (gateway.federation.executor.shape.
shape_memo): the same document shaped again gives the same answer from the kept fields, and a document whose
@skip/@include take variables is never shared, so each request's variables decide its fields."""

from __future__ import annotations

from typing import Any

from graphql import OperationDefinitionNode, build_schema, parse

from gateway.federation.executor.shape import ShapeMemo, Shaper, shape_memo

SCHEMA = build_schema(
    """
    type Query { shelf: [Book!]! }
    type Book { id: ID! title: String! pages: Int }
    """
)
DATA = {"shelf": [{"id": "b1", "title": "Dune", "pages": 600}, {"id": "b2", "title": "Emma", "pages": 400}]}


def shape(document: Any, memo: ShapeMemo, variables: dict[str, Any]) -> Any:
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    shaper = Shaper(SCHEMA, memo.fragments_of(document), variables, [], memo=memo)
    return shaper.shape_root(SCHEMA.query_type, operation.selection_set, DATA)  # type: ignore[arg-type]


def test_a_document_without_variable_conditions_shares_its_memo() -> None:
    document = parse("fragment P on Book { pages } { shelf { id ...P title @include(if: true) } }")
    memo = shape_memo(document, SCHEMA)
    assert shape_memo(document, SCHEMA) is memo
    first = shape(document, memo, {})
    assert memo.entries  # learnt once ...
    assert shape(document, memo, {}) == first  # ... and used again
    assert first == {
        "shelf": [{"id": "b1", "pages": 600, "title": "Dune"}, {"id": "b2", "pages": 400, "title": "Emma"}]
    }
    # Another schema (another supergraph after a reload) has a memo of its own.
    assert shape_memo(document, build_schema("type Query { x: Int }")) is not memo


def test_variable_conditions_are_decided_per_request() -> None:
    document = parse("query ($full: Boolean!) { shelf { id title @include(if: $full) pages @skip(if: $full) } }")
    assert shape_memo(document, SCHEMA) is not shape_memo(document, SCHEMA)
    full = shape(document, shape_memo(document, SCHEMA), {"full": True})
    short = shape(document, shape_memo(document, SCHEMA), {"full": False})
    assert full["shelf"][0] == {"id": "b1", "title": "Dune"}
    assert short["shelf"][0] == {"id": "b1", "pages": 600}
