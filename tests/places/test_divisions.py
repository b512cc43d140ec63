"""The division table: names and parents from GB/T 2260 codes, the municipalities without a city level,
towns as nine-digit codes under a county, and which division covers which."""

from __future__ import annotations

import pytest

from gateway.db.divisions import within_division
from gateway.db.tables import credit_record
from gateway.kernel.divisions import (
    DivisionLevel,
    InvalidDivision,
    authority_division,
    check_division,
    children,
    covers,
    display_code_division,
    level_of,
    record_division,
    resolve,
    significant_prefix,
)
from gateway.kernel.limits import MAX_DIVISIONS_LISTED


@pytest.mark.parametrize(
    ("code", "name", "level", "parent"),
    [
        ("350000", "福建省", DivisionLevel.PROVINCE, None),
        ("350100", "福州市", DivisionLevel.CITY, "350000"),
        ("350102", "鼓楼区", DivisionLevel.COUNTY, "350100"),
        ("350181", "福清市", DivisionLevel.COUNTY, "350100"),  # a county-level city
        # Municipalities: the 1101xx "市辖区" rows are no city; a district's parent is the municipality.
        ("110000", "北京市", DivisionLevel.PROVINCE, None),
        ("110108", "海淀区", DivisionLevel.COUNTY, "110000"),
        ("500236", "奉节县", DivisionLevel.COUNTY, "500000"),  # 重庆's 5002xx "县" rows alike
        ("429004", "仙桃市", DivisionLevel.COUNTY, "420000"),  # 省直辖县级行政单位
        ("441900", "东莞市", DivisionLevel.CITY, "440000"),  # a city without counties
        ("110228", "密云县", DivisionLevel.COUNTY, "110000"),  # abolished in 2015: still resolves (old codes)
        ("350102001", "", DivisionLevel.TOWN, "350102"),  # a town: placed by its code, unnamed
        ("441900003", "", DivisionLevel.TOWN, "441900"),  # a town directly under a city without counties
    ],
)
def test_resolve_names_and_parents(code: str, name: str, level: DivisionLevel, parent: str | None) -> None:
    division = resolve(code)
    assert (division.code, division.name, division.level, division.parent_code) == (code, name, level, parent)
    if parent is not None:
        assert covers(parent, code) and not covers(code, parent)


@pytest.mark.parametrize(
    "code",
    [
        "110100",  # 北京 市辖区: a grouping of the code table, not a division
        "429000",  # 湖北 省直辖县级行政单位
        "350101",  # 福州 市辖区 at county level
        "999999",
        "350100001",  # a town must hang under a county (福州 has counties)
        "350102000",  # 000 is the county itself
        "35010",
        "3501020011",
        "35a100",
        "",
    ],
)
def test_codes_that_name_no_division_are_refused(code: str) -> None:
    with pytest.raises(InvalidDivision) as raised:
        resolve(code)
    assert raised.value.extensions["code"] == "INVALID_DIVISION"


def test_a_grouping_row_points_to_the_province() -> None:
    with pytest.raises(InvalidDivision, match="use 110000"):
        check_division("110100")


def test_check_division_trims_and_treats_blank_as_the_whole_platform() -> None:
    assert check_division(" 350100 ") == "350100"
    assert check_division(None) is None and check_division("  ") is None


def test_significant_prefix_and_levels() -> None:
    assert [significant_prefix(c) for c in ("350000", "350100", "350102", "350102001")] == [
        "35",
        "3501",
        "350102",
        "350102001",
    ]
    assert [level_of(c) for c in ("350000", "350100", "350102", "350102001")] == list(DivisionLevel)


def test_covers() -> None:
    assert covers(None, "110108") and covers(None, None)  # the whole platform
    assert covers("350000", "350102") and covers("350100", "350102") and covers("350100", "350102001")
    assert covers("350102", "350102") and not covers("350102", "350103")
    assert not covers("350100", "110108") and not covers("350100", None)  # a record of no known place
    assert not covers("350102001", "350102")


def test_children_list_current_divisions_only() -> None:
    provinces = children(None)
    assert [d.code for d in provinces][:3] == ["110000", "120000", "130000"]
    assert all(d.level is DivisionLevel.PROVINCE for d in provinces)
    fuzhou = [d.name for d in children("350100")]
    assert fuzhou[0] == "鼓楼区" and "福清市" in fuzhou and "市辖区" not in fuzhou
    beijing = {d.code: d.name for d in children("110000")}
    assert beijing["110118"] == "密云区" and "110228" not in beijing  # abolished 密云县 is not listed
    assert "429004" in {d.code for d in children("420000")}  # 仙桃 directly under 湖北
    assert children("350102") == []  # towns are not listed
    with pytest.raises(InvalidDivision):
        children("999999")


def test_no_list_of_children_exceeds_the_bound() -> None:
    from gateway.kernel.division_table import _table

    assert max(len(codes) for codes in _table().children.values()) <= MAX_DIVISIONS_LISTED


def test_record_division_rule() -> None:
    assert authority_division("11350102MB1705127X") == "350102"
    assert authority_division(None) is None and authority_division("short") is None
    assert record_division("11350102MB1705127X", "110108") == "350102"  # the authority first
    assert record_division(None, "110108") == "110108"  # else the subject
    assert display_code_division("USCC", "91110108551385082Q") == "110108"
    assert display_code_division("RESIDENT_ID", "110105********002X") == "110105"  # masked keeps the area


def test_within_division_sql() -> None:
    assert str(within_division(credit_record.c.division_code, None)) == "true"
    clause = within_division(credit_record.c.division_code, "350100")
    compiled = clause.compile(compile_kwargs={"literal_binds": True})
    assert "LIKE '3501' || '%'" in str(compiled) or "LIKE '3501%'" in str(compiled)
    town = within_division(credit_record.c.division_code, "350102001").compile(compile_kwargs={"literal_binds": True})
    assert "= '350102001'" in str(town)
