"""Objects of a type the caller may not see never reach it (issue 13 review, items 1 and 2): a type
hidden from the audience (its subgraph declared for the admin only) or @inaccessible in the supergraph,
answered through an interface or a union the caller does see, is an invalid value: null at its path,
with an error (the hidden type unnamed), and null bubbling up a non-null path as the spec says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.auth.principal import PUBLIC, Principal, Role
from gateway.kernel.errors import SUBGRAPH_INVALID_VALUE
from tests.federation.hardening_harness import canned_gateway, supergraph_text_of

HIDDEN_SDLS = {
    "pub": """
type Query { nodes: [Node] search: [Result] strict: [Node!] }
interface Node { id: ID! }
type Loan implements Node @key(fields: "id") { id: ID! amount: Int }
type Secret implements Node @key(fields: "id") { id: ID! }
union Result = Loan | Secret
""",
    "hidden": 'type Secret @key(fields: "id") { id: ID! code: String }\n',
}
INACCESSIBLE_SDLS = {
    "pub": """
type Query { nodes: [Node!]! maybe: [Node] }
interface Node { id: ID! }
type Loan implements Node @key(fields: "id") { id: ID! }
type Internal implements Node @key(fields: "id") @inaccessible { id: ID! }
"""
}
LOAN = {"__typename": "Loan", "id": "L1"}
SECRET = {"__typename": "Secret", "id": "TOP-SECRET-7"}
INTERNAL = {"__typename": "Internal", "id": "INTERNAL-9"}


@pytest.fixture(scope="module")
def supergraphs() -> Iterator[dict[str, str]]:
    yield {"hidden": supergraph_text_of(HIDDEN_SDLS), "inaccessible": supergraph_text_of(INACCESSIBLE_SDLS)}


def _answer(data: dict[str, Any]) -> Any:
    return lambda operation, variables: {"data": data}


async def test_a_type_hidden_from_the_audience_is_null_with_an_unnamed_error(
    supergraphs: dict[str, str], tmp_path: Path
) -> None:
    data = {"nodes": [LOAN, SECRET], "search": [LOAN, SECRET], "strict": [LOAN, SECRET]}
    gateway, _ = canned_gateway(
        supergraphs["hidden"],
        {"pub": "public", "pub:Secret": "admin", "hidden": "admin"},
        {"pub": _answer(data), "hidden": _answer(data)},
        tmp_path,
    )
    assert gateway.loaded.schemas[PUBLIC.role].get_type("Secret") is None
    out = await gateway.execute("{ nodes { id __typename } search { __typename } strict { id } }", None, None, PUBLIC)
    assert out["data"] == {
        "nodes": [{"id": "L1", "__typename": "Loan"}, None],
        "search": [{"__typename": "Loan"}, None],
        "strict": None,  # [Node!]: the hidden element's null bubbles to the nullable list
    }
    assert "Secret" not in repr(out) and "TOP-SECRET" not in repr(out)
    paths = sorted(error["path"] for error in out["errors"])
    assert paths == [["nodes", 1], ["search", 1], ["strict", 1]]
    assert {error["extensions"]["code"] for error in out["errors"]} == {SUBGRAPH_INVALID_VALUE}

    # The admin's schema has the type: the same answer is shown whole.
    admin = await gateway.execute("{ nodes { id __typename } }", None, None, Principal(Role.ADMIN))
    assert admin == {
        "data": {"nodes": [{"id": "L1", "__typename": "Loan"}, {"id": "TOP-SECRET-7", "__typename": "Secret"}]}
    }


async def test_an_inaccessible_type_is_an_invalid_value_up_the_non_null_path(
    supergraphs: dict[str, str], tmp_path: Path
) -> None:
    data = {"nodes": [LOAN, INTERNAL], "maybe": [LOAN, INTERNAL]}
    gateway, _ = canned_gateway(supergraphs["inaccessible"], {"pub": "public"}, {"pub": _answer(data)}, tmp_path)
    for principal in (PUBLIC, Principal(Role.ADMIN)):
        strict = await gateway.execute("{ nodes { id __typename } }", None, None, principal)
        # [Node!]! at the root: the invalid element makes the whole data null, with an error at it.
        assert strict["data"] is None
        assert [error["path"] for error in strict["errors"]] == [["nodes", 1]]
        assert "INTERNAL" not in repr(strict).upper().replace("INTERNAL_SERVER_ERROR", "")
        lenient = await gateway.execute("{ maybe { id __typename } }", None, None, principal)
        assert lenient["data"] == {"maybe": [{"id": "L1", "__typename": "Loan"}, None]}
        assert "Internal" not in repr(lenient)
