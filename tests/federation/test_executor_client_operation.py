"""The positions of a client's response that a run's errors may point at (executor.client_operation):
response keys through aliases, fragments and list indexes, with @skip/@include as the shaping has them."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from gateway.federation.executor.client_operation import ClientOperation

QUERY = """
query($hide: Boolean!) {
  mine: loans {
    key: id
    ... on Loan { id: note }
    ...More
    secret @include(if: $hide)
  }
}
fragment More on Loan { borrower { name } }
"""


def _client(variables: dict[str, Any]) -> ClientOperation:
    document = parse(QUERY)
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return ClientOperation(operation.selection_set, fragments, variables)


def test_the_keys_at_an_object_are_the_clients_through_fragments_and_list_indexes() -> None:
    client = _client({"hide": False})
    assert set(client.keys_at(())) == {"mine"}
    assert set(client.keys_at(("mine", 2))) == {"key", "id", "borrower"}
    assert set(client.keys_at(("mine", 0, "borrower"))) == {"name"}
    assert not client.keys_at(("loans", 0))  # the field's name: not a position of the response


def test_include_and_skip_are_read_with_the_variables() -> None:
    assert "secret" not in _client({"hide": False}).keys_at(("mine", 0))
    assert "secret" in _client({"hide": True}).keys_at(("mine", 0))


@pytest.mark.parametrize(
    ("path", "clipped"),
    [
        (("mine", 1, "id"), ("mine", 1, "id")),
        (("mine", 1, "id__key"), ("mine", 1)),
        (("mine", 1, "borrower", "email__key", 0), ("mine", 1, "borrower")),
        (("mine", 1, "borrower", "name"), ("mine", 1, "borrower", "name")),
        (("loans", 1, "id"), ()),
    ],
)
def test_a_path_is_clipped_to_the_last_position_the_client_has(
    path: tuple[str | int, ...], clipped: tuple[str | int, ...]
) -> None:
    assert _client({"hide": False}).clip(path) == clipped
