"""A text that is not a supergraph the gateway can serve is refused with SupergraphError, whose message
says what is wrong and, where the parser knows it, on which line."""

from __future__ import annotations

import pytest

from gateway.federation import SupergraphError, parse_supergraph
from gateway.kernel.limits import MAX_SUPERGRAPH_BYTES
from tests.federation_model.conftest import ComposeFn, subgraph_sdl


@pytest.fixture(scope="module")
def good_sdl(compose_supergraph: ComposeFn) -> str:
    names = ("accounts", "reviews", "catalog")
    return compose_supergraph(**{name: subgraph_sdl(name) for name in names}).sdl


def _refused(sdl: str) -> str:
    with pytest.raises(SupergraphError) as refused:
        parse_supergraph(sdl)
    return str(refused.value)


def _replace(sdl: str, old: str, new: str) -> str:
    assert old in sdl
    return sdl.replace(old, new, 1)


def test_a_syntax_error_names_its_line() -> None:
    message = _refused("schema { query: Query }\n\ntype Query {\n  a: Int\n")
    assert "does not parse" in message and "line 5" in message


def test_a_plain_schema_is_not_a_supergraph() -> None:
    assert "not a supergraph" in _refused("type Query { a: Int }")


def test_an_unsupported_join_version(good_sdl: str) -> None:
    sdl = _replace(good_sdl, "https://specs.apollo.dev/join/v0.4", "https://specs.apollo.dev/join/v0.9")
    assert "join spec v0.9 is not supported" in _refused(sdl)


def test_an_unknown_graph(good_sdl: str) -> None:
    sdl = _replace(
        good_sdl, '@join__type(graph: REVIEWS, key: "id", resolvable: false)', '@join__type(graph: LOANS, key: "id")'
    )
    message = _refused(sdl)
    assert "Org: @join__type names graph LOANS, which join__Graph does not list (line" in message


def test_an_unknown_graph_on_a_field(good_sdl: str) -> None:
    sdl = _replace(good_sdl, "@join__field(graph: REVIEWS, provides:", "@join__field(graph: LOANS, provides:")
    assert "Review.author: @join__field names graph LOANS" in _refused(sdl)


def test_a_key_naming_a_missing_field(good_sdl: str) -> None:
    sdl = _replace(good_sdl, 'key: "org { id } login"', 'key: "org { uuid } login"')
    message = _refused(sdl)
    assert "User key: field set 'org { uuid } login' names Org.uuid, which the supergraph does not define" in message


def test_requires_on_a_missing_type(good_sdl: str) -> None:
    sdl = _replace(good_sdl, 'requires: "login ... on User {', 'requires: "login ... on Person {')
    assert "names type Person, which the supergraph does not define" in _refused(sdl)


def test_a_field_set_that_does_not_parse(good_sdl: str) -> None:
    sdl = _replace(good_sdl, 'provides: "name"', 'provides: "name {"')
    assert "Review.author @provides: field set 'name {' does not parse" in _refused(sdl)


def test_a_subgraph_without_its_url(good_sdl: str) -> None:
    sdl = _replace(good_sdl, '@join__graph(name: "reviews", url: "http://reviews.test/graphql")', "")
    assert "join__Graph.REVIEWS needs exactly one @join__graph" in _refused(sdl)


def test_an_inaccessible_type_still_used_by_a_visible_field(good_sdl: str) -> None:
    sdl = _replace(good_sdl, "type Review implements Node\n", "type Review implements Node @inaccessible\n")
    assert "API schema" in _refused(sdl)


def test_too_large() -> None:
    message = _refused("#" * (MAX_SUPERGRAPH_BYTES + 1))
    assert f"larger than {MAX_SUPERGRAPH_BYTES} bytes" in message
