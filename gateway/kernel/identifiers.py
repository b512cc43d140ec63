"""Subject identifiers: unified social credit codes (GB 32100-2015) and resident ID numbers (GB 11643-1999).

The checks themselves are python-stdnum's; this module adds what the gateway needs around them:
which kind of subject a code denotes, the registering authority and region it encodes, the masked
form shown for natural persons, and the keyed hash under which every code is stored for look-up.
"""

from __future__ import annotations

import enum
import functools
import hmac
from collections.abc import Collection
from dataclasses import dataclass

from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from gateway.kernel.errors import InvalidSubjectCode
from gateway.kernel.limits import MAX_CODE_LENGTH


class CodeType(enum.StrEnum):
    USCC = "USCC"
    RESIDENT_ID = "RESIDENT_ID"


class SubjectKind(enum.StrEnum):
    LEGAL_PERSON = "LEGAL_PERSON"
    INDIVIDUAL_BUSINESS = "INDIVIDUAL_BUSINESS"
    NATURAL_PERSON = "NATURAL_PERSON"
    OTHER_ORGANIZATION = "OTHER_ORGANIZATION"


# GB 32100-2015 appendix: position 1 is the registration authority, position 2 the organisation type.
REGISTRATION_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("市场监督管理", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

_REASONS: dict[type[ValidationError], str] = {
    InvalidLength: "wrong length",
    InvalidFormat: "characters outside the code's alphabet",
    InvalidChecksum: "check character does not match",
    InvalidComponent: "a component (such as the birth date) is not valid",
}


@dataclass(frozen=True, slots=True)
class SubjectCode:
    """A validated, normalised subject code."""

    value: str
    type: CodeType

    @property
    def is_natural_person(self) -> bool:
        return self.type is CodeType.RESIDENT_ID

    @property
    def default_kind(self) -> SubjectKind:
        """The kind the code itself implies; organisations may be registered as OTHER_ORGANIZATION."""
        if self.is_natural_person:
            return SubjectKind.NATURAL_PERSON
        if self.value[:2] == "92":
            return SubjectKind.INDIVIDUAL_BUSINESS
        return SubjectKind.LEGAL_PERSON

    def allowed_kinds(self) -> frozenset[SubjectKind]:
        if self.is_natural_person:
            return frozenset({SubjectKind.NATURAL_PERSON})
        if self.value[:2] == "92":
            return frozenset({SubjectKind.INDIVIDUAL_BUSINESS})
        return frozenset({SubjectKind.LEGAL_PERSON, SubjectKind.OTHER_ORGANIZATION})

    @property
    def masked(self) -> str:
        """The form shown to anyone but the subject and the admin: ``110105********002X``."""
        if self.is_natural_person:
            return self.value[:6] + "*" * 8 + self.value[14:]
        return self.value

    @property
    def division_code(self) -> str:
        """The six-digit administrative division the code was issued in."""
        return self.value[2:8] if self.type is CodeType.USCC else self.value[:6]


def parse_subject_code(raw: str, *, uscc_allow_list: Collection[str] = ()) -> SubjectCode:
    """Validate a USCC or resident ID number, raising :class:`InvalidSubjectCode` with the reason."""
    allow = uscc_allow_list if isinstance(uscc_allow_list, frozenset) else frozenset(uscc_allow_list)
    return _parse_cached(raw, allow) if isinstance(raw, str) else _parse(raw, allow)


# Imports and batches repeat the same codes (the deciding authority and source unit on every row);
# stdnum's checks cost tens of microseconds each. Only successes are cached: an invalid code raises.
@functools.lru_cache(maxsize=65_536)
def _parse_cached(raw: str, uscc_allow_list: frozenset[str]) -> SubjectCode:
    return _parse(raw, uscc_allow_list)


def _parse(raw: str, uscc_allow_list: frozenset[str]) -> SubjectCode:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidSubjectCode(str(raw), "empty")
    if len(raw) > MAX_CODE_LENGTH:
        raise InvalidSubjectCode(raw[:MAX_CODE_LENGTH] + "…", "too long")
    value = raw.strip().upper().replace(" ", "")
    if value in uscc_allow_list:
        return SubjectCode(value, CodeType.USCC)
    if len(value) != 18:
        raise InvalidSubjectCode(raw, "a subject code has 18 characters")
    # A resident ID is 17 digits and a digit or X. Such a value can also be a USCC (X is in its
    # alphabet too: 91110105010000049X), so it is tried as both, ID first; anything else can only
    # be a USCC. The reason names each shape tried.
    looks_like_id = value[:17].isdigit() and value[17] in "0123456789X"
    if not looks_like_id and not set(value) <= _USCC_CHARACTERS:
        # stdnum would first strip separators such as "-" and then complain about the length.
        raise InvalidSubjectCode(raw, "as USCC: characters outside the code's alphabet")
    candidates = [(CodeType.RESIDENT_ID, ric)] if looks_like_id else []
    candidates.append((CodeType.USCC, uscc))
    reasons: list[str] = []
    for code_type, module in candidates:
        try:
            if module is uscc and value[0] in _LETTER_AUTHORITIES:
                _validate_letter_authority_uscc(value)
            else:
                module.validate(value)
        except ValidationError as exc:
            reasons.append(f"as {code_type.value}: {_REASONS.get(type(exc), 'invalid')}")
            continue
        return SubjectCode(value, code_type)
    raise InvalidSubjectCode(raw, "; ".join(reasons))


# stdnum's USCC check wants eight leading digits, yet GB 32100 also assigns letters to position 1
# (A, N, Y); such codes get the same alphabet and check-character test with stdnum's own checksum.
_LETTER_AUTHORITIES = frozenset(code for code in REGISTRATION_AUTHORITIES if not code.isdigit())
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_CHARACTERS = frozenset(_USCC_ALPHABET)


def _validate_letter_authority_uscc(value: str) -> None:
    if not value[1:8].isdigit() or any(c not in _USCC_ALPHABET for c in value[8:]):
        raise InvalidFormat()
    if value[-1] != uscc.calc_check_digit(value):
        raise InvalidChecksum()


def lookup_hash(code: SubjectCode, secret_key: str) -> str:
    """The keyed hash a subject is stored and found under; without the key it cannot be reversed."""
    # hmac.digest: OpenSSL's one-shot HMAC, one C call (hmac.new builds an object in Python first).
    return hmac.digest(secret_key.encode(), code.value.encode(), "sha256").hex()


@dataclass(frozen=True, slots=True)
class RegistrationAuthority:
    code: str
    name: str
    organization_type: str | None


def registration_authority(code: SubjectCode) -> RegistrationAuthority | None:
    if code.type is not CodeType.USCC:
        return None
    entry = REGISTRATION_AUTHORITIES.get(code.value[0])
    if entry is None:
        return None
    name, types = entry
    return RegistrationAuthority(code.value[0], name, types.get(code.value[1]))


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    province: str | None
    name: str | None


# Every profile shows its subject's region, and stdnum walks its table afresh on each look-up (5 % of a
# profile's CPU). The table never changes in a process; there are some 3,500 county-level codes.
@functools.lru_cache(maxsize=4096)
def region_of(division_code: str) -> Region:
    """Resolve a division code with stdnum's copy of the GB/T 2260 table (unknown parts stay None)."""
    info: dict[str, str] = {}
    for _part, props in numdb.get("cn/loc").info(division_code):
        info.update(props)
    name = info.get("county")
    if name:
        # Entries carry validity ranges such as "[1992-]浦东新区"; the latest one is the current name.
        name = name.split(",")[-1].split("]")[-1] or None
    return Region(division_code, info.get("province"), name)
