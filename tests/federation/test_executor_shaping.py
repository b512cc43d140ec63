"""Shaping a merged tree to the client's operation (gateway.federation.executor.shape), on its own:
fields in document order with aliases, fragments on objects, interfaces and unions, @skip/@include,
__typename, enum values the API schema lacks, and null bubbling at several depths."""

from __future__ import annotations

from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, build_schema, parse

from gateway.federation.executor.shape import Shaper

SCHEMA = build_schema(
    """
    type Query { shelf: [Media!]! featured: Media box: Box hits: [Hit] }
    interface Media { id: ID! title: String! }
    type Book implements Media { id: ID! title: String! pages: Int tier: Tier }
    type Movie implements Media { id: ID! title: String! minutes: Int! }
    union Hit = Book | Movie
    type Box { inner: Inner! label: String }
    type Inner { deep: Deep! }
    type Deep { value: Int! }
    enum Tier { GOLD SILVER }
    """
)


def shape(query: str, data: dict[str, Any], variables: dict[str, Any] | None = None, errors: list | None = None):
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    errors = errors if errors is not None else []
    shaped = Shaper(SCHEMA, fragments, variables or {}, errors).shape_root(
        SCHEMA.query_type,  # type: ignore[arg-type]
        operation.selection_set,
        data,
    )
    return shaped, errors


BOOK = {"__typename": "Book", "id": "b1", "title": "Dune", "pages": 600, "tier": "GOLD", "extra": "planner's"}
MOVIE = {"__typename": "Movie", "id": "m1", "title": "Alien", "minutes": 117}


def test_fields_aliases_fragments_and_typename_in_document_order() -> None:
    shaped, errors = shape(
        "fragment T on Media { title } "
        "{ shelf { kind: __typename ...T id ... on Book { pages } ... on Movie { minutes } } }",
        {"shelf": [BOOK, MOVIE]},
    )
    assert errors == []
    assert shaped == {
        "shelf": [
            {"kind": "Book", "title": "Dune", "id": "b1", "pages": 600},
            {"kind": "Movie", "title": "Alien", "id": "m1", "minutes": 117},
        ]
    }
    assert list(shaped["shelf"][0]) == ["kind", "title", "id", "pages"]


def test_a_fragment_on_an_interface_inside_a_union_selection() -> None:
    shaped, _ = shape("{ hits { ... on Media { id } ... on Movie { minutes } } }", {"hits": [BOOK, None, MOVIE]})
    assert shaped == {"hits": [{"id": "b1"}, None, {"id": "m1", "minutes": 117}]}


def test_skip_and_include_with_variables() -> None:
    shaped, _ = shape(
        "query ($yes: Boolean!) "
        "{ featured { id @include(if: $yes) title @skip(if: $yes) t: title @include(if: false) } }",
        {"featured": BOOK},
        {"yes": True},
    )
    assert shaped == {"featured": {"id": "b1"}}


def test_an_enum_value_the_schema_lacks_is_an_error_and_null() -> None:
    shaped, errors = shape("{ shelf { id ... on Book { tier } } }", {"shelf": [{**BOOK, "tier": "SECRET"}]})
    assert shaped == {"shelf": [{"id": "b1", "tier": None}]}
    assert [e["path"] for e in errors] == [["shelf", 0, "tier"]]


def test_a_missing_non_null_leaf_bubbles_to_the_nearest_nullable_parent() -> None:
    # box.inner.deep.value is Int!, deep Deep!, inner Inner!: box (nullable) becomes null.
    shaped, errors = shape("{ box { label inner { deep { value } } } }", {"box": {"label": "x", "inner": {"deep": {}}}})
    assert shaped == {"box": None}
    assert [(e["path"], e["message"]) for e in errors] == [
        (["box", "inner", "deep", "value"], "Cannot return null for non-nullable field Deep.value.")
    ]


def test_a_null_in_a_non_null_list_bubbles_to_data() -> None:
    shaped, errors = shape("{ shelf { id title } featured { id } }", {"shelf": [BOOK, {**MOVIE, "title": None}]})
    assert shaped is None
    assert [e["path"] for e in errors] == [["shelf", 1, "title"]]


def test_a_null_in_a_nullable_list_stays_in_place() -> None:
    shaped, errors = shape("{ hits { ... on Movie { minutes } } }", {"hits": [{**MOVIE, "minutes": None}, BOOK]})
    assert shaped == {"hits": [None, {}]}
    assert [e["path"] for e in errors] == [["hits", 0, "minutes"]]


def test_an_error_already_at_or_above_the_path_is_not_repeated() -> None:
    subgraph_error = {"message": "down", "path": ["box", "inner"], "extensions": {"code": "SUBGRAPH_TIMEOUT"}}
    shaped, errors = shape("{ box { inner { deep { value } } } }", {"box": {}}, errors=[subgraph_error])
    assert shaped == {"box": None}
    assert errors == [subgraph_error]
    below = {"message": "no value", "path": ["box", "inner", "deep", "value"]}
    shaped, errors = shape("{ box { inner { deep { value } } } }", {"box": {"inner": {"deep": None}}}, errors=[below])
    assert shaped == {"box": None}
    assert errors == [below]


def test_an_abstract_value_of_an_unknown_type() -> None:
    # Without a concrete __typename, an interface's own fields still shape (an @interfaceObject's
    # answer); __typename cannot, and a union member cannot.
    shaped, errors = shape(
        "{ featured { id __typename } hits { ... on Book { id } } }",
        {
            "featured": {"__typename": "Media", "id": "b1"},
            "hits": [{"__typename": "Podcast"}],
        },
    )
    assert shaped == {"featured": {"id": "b1", "__typename": None}, "hits": [None]}
    assert [e["path"] for e in errors] == [["featured", "__typename"], ["hits", 0]]


def test_root_typename() -> None:
    assert shape("{ __typename }", {}) == ({"__typename": "Query"}, [])
