"""Subject codes: the standards' own examples, masking, derived authority and region."""

import pytest

from gateway.kernel.errors import InvalidSubjectCode
from gateway.kernel.identifiers import (
    CodeType,
    SubjectKind,
    lookup_hash,
    parse_subject_code,
    region_of,
    registration_authority,
)

VALID_USCC = [
    "91350100M000100Y43",
    "91110000600037341L",
    "91110108551385082Q",
    "91310115MA1K3BTP2B",
    "121200004013590816",
    "91110105010000049X",  # digits and an X check character: the shape of an ID number, yet a USCC
]
VALID_IDS = ["11010519491231002X", "110102199101010078"]


@pytest.mark.parametrize("code", VALID_USCC)
def test_valid_uscc(code: str) -> None:
    parsed = parse_subject_code(code)
    assert parsed.type is CodeType.USCC
    assert parsed.masked == code


@pytest.mark.parametrize("code", VALID_IDS)
def test_valid_resident_id_is_masked(code: str) -> None:
    parsed = parse_subject_code(code)
    assert parsed.type is CodeType.RESIDENT_ID
    assert parsed.default_kind is SubjectKind.NATURAL_PERSON
    assert parsed.masked == code[:6] + "********" + code[14:]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91110000600037341N", "check character"),
        ("9111000060003IOZSV", "alphabet"),
        ("36042619910102009X", "check character"),
        ("", "empty"),
        ("9" * 400, "too long"),
        ("91350100", "18 characters"),
        ("'OR1=1--AAAAAAAAAA", "alphabet"),
    ],
)
def test_invalid_codes_say_why(code: str, reason: str) -> None:
    with pytest.raises(InvalidSubjectCode) as raised:
        parse_subject_code(code)
    assert raised.value.extensions["code"] == "INVALID_SUBJECT_CODE"
    assert reason in raised.value.extensions["reason"]


def test_fujian_allow_list_admits_listed_code_only() -> None:
    legacy = "91350100M0001TGQXM"
    with pytest.raises(InvalidSubjectCode):
        parse_subject_code(legacy)
    assert parse_subject_code(legacy, uscc_allow_list=[legacy]).type is CodeType.USCC
    with pytest.raises(InvalidSubjectCode):  # the allow-list is no weaker check for others
        parse_subject_code("91350100M0001TGQXN", uscc_allow_list=[legacy])


def test_letter_authority_codes_use_the_same_check() -> None:
    from stdnum.cn import uscc

    body = "Y1350100MA2XXXXX0"
    code = body + uscc.calc_check_digit(body)
    assert registration_authority(parse_subject_code(code)).name == "其他"
    with pytest.raises(InvalidSubjectCode):
        parse_subject_code(body + ("0" if code[-1] != "0" else "1"))


def test_normalises_case_and_spaces() -> None:
    assert parse_subject_code(" 91350100m000100y43 ").value == "91350100M000100Y43"


def test_individual_business_kind_from_code() -> None:
    from stdnum.cn import uscc

    body = "92350100MA2Y0AB1C"
    parsed = parse_subject_code(body + uscc.calc_check_digit(body))
    assert parsed.default_kind is SubjectKind.INDIVIDUAL_BUSINESS
    assert parsed.allowed_kinds() == {SubjectKind.INDIVIDUAL_BUSINESS}


def test_authority_and_region() -> None:
    authority = registration_authority(parse_subject_code("121200004013590816"))
    assert (authority.name, authority.organization_type) == ("机构编制", "事业单位")
    assert region_of("310115").name == "浦东新区"
    assert region_of("350100").province == "福建省"
    assert registration_authority(parse_subject_code("11010519491231002X")) is None


def test_lookup_hash_is_keyed() -> None:
    code = parse_subject_code("11010519491231002X")
    assert lookup_hash(code, "k" * 16) != lookup_hash(code, "j" * 16)
    assert "11010519491231002X" not in lookup_hash(code, "k" * 16)
