"""The places feature's queries: ``division(code:)`` and ``divisions(parent:)``, for every audience."""

from __future__ import annotations

from gateway.db.engine import count_statements
from gateway.testing import GatewayHarness, error_codes

DIVISION = """query($c: String!) { division(code: $c) { code name level parentCode parent { code name level } } }"""


async def test_a_division_with_its_parent(gw: GatewayHarness) -> None:
    with count_statements(gw.engine) as counter:
        body = await gw.graphql(DIVISION, {"c": "350102"})
    assert counter.count == 0  # the table ships with the code
    assert body["data"]["division"] == {
        "code": "350102",
        "name": "鼓楼区",
        "level": "COUNTY",
        "parentCode": "350100",
        "parent": {"code": "350100", "name": "福州市", "level": "CITY"},
    }
    haidian = (await gw.graphql(DIVISION, {"c": "110108"}))["data"]["division"]
    assert haidian["parent"] == {"code": "110000", "name": "北京市", "level": "PROVINCE"}
    town = (await gw.graphql(DIVISION, {"c": "350102001"}))["data"]["division"]
    assert (town["name"], town["level"], town["parentCode"]) == (None, "TOWN", "350102")
    province = (await gw.graphql(DIVISION, {"c": "350000"}))["data"]["division"]
    assert province["parent"] is None and province["parentCode"] is None


async def test_an_unknown_code_is_invalid_division(gw: GatewayHarness) -> None:
    for code in ("110100", "12", "999999"):
        body = await gw.graphql(DIVISION, {"c": code})
        assert error_codes(body) == ["INVALID_DIVISION"] and body["data"] is None


async def test_divisions_below_a_parent(gw: GatewayHarness) -> None:
    query = "query($p: String) { divisions(parent: $p) { code name level } }"
    provinces = (await gw.graphql(query, {"p": None}))["data"]["divisions"]
    assert len(provinces) == 34 and provinces[12] == {"code": "350000", "name": "福建省", "level": "PROVINCE"}
    fuzhou = (await gw.graphql(query, {"p": "350100"}))["data"]["divisions"]
    assert [d["name"] for d in fuzhou][:3] == ["鼓楼区", "台江区", "仓山区"]
    beijing = (await gw.graphql(query, {"p": "110000"}))["data"]["divisions"]
    assert {d["level"] for d in beijing} == {"COUNTY"} and len(beijing) == 16
    assert (await gw.graphql(query, {"p": "350102"}))["data"]["divisions"] == []
    assert error_codes(await gw.graphql(query, {"p": "350199"})) == ["INVALID_DIVISION"]
