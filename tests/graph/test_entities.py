"""``_entities`` with malformed representations: each is a BAD_USER_INPUT error at its own index,
the well-formed ones beside it resolve, and the list has a maximum (the fuzz found each of these
as an INTERNAL_SERVER_ERROR)."""

from __future__ import annotations

import pytest

from gateway.host.demo import seed
from gateway.testing import GatewayHarness, error_codes

QUERY = "query($r: [_Any!]!) { _entities(representations: $r) { ... on CreditSubject { name } } }"
GOOD = {"__typename": "CreditSubject", "code": "91350100M000100Y43"}


@pytest.mark.parametrize(
    "bad",
    [
        {"code": "x"},
        "7",
        0,
        1.5,
        True,
        [],
        {"__typename": "Nope", "code": "q"},
        {"__typename": "", "code": "q"},
        {"__typename": "CreditRecord", "code": "8"},
        {"__typename": "Query", "code": "1"},
        {"__typename": "CreditSubject", "code": "x", "name": "x"},
        {"__typename": "CreditSubject"},
        {"__typename": "CreditSubject", "code": 7},
    ],
)
async def test_a_malformed_representation_is_refused_in_its_place(gw: GatewayHarness, bad: object) -> None:
    await seed(gw.engine, gw.graph.composition.manager, secret_key=gw.settings.secret_key, subjects=8)
    body = await gw.graphql(QUERY, {"r": [GOOD, bad, GOOD]})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["path"] == ["_entities", 1]
    first, refused, last = body["data"]["_entities"]
    assert refused is None and first == last == {"name": "福州闽都信用示范科技有限公司"}


async def test_representations_have_a_maximum(gw: GatewayHarness) -> None:
    maximum = gw.settings.max_batch_subjects
    body = await gw.graphql(QUERY, {"r": [GOOD] * (maximum + 1)})
    assert error_codes(body) == ["LIMIT_EXCEEDED"]
    assert body["errors"][0]["extensions"]["maximum"] == maximum
