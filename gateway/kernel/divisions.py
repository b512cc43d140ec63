"""Administrative divisions (行政区划) by their national codes, and which division covers which.

Codes are those of GB/T 2260: six digits, two for the province, two for the city (prefecture), two for
the county, padded with zeros (``350000`` 福建省, ``350100`` 福州市, ``350102`` 鼓楼区). A town (乡镇、
街道) extends its county's code with three digits (``350102001``), as the statistical division codes do.
A division covers itself and every division whose code starts with its *significant prefix*: the code
without the zero pairs that stand for "the whole province / city".
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache

from gateway.kernel.errors import INVALID_DIVISION, GatewayError

_CODE = re.compile(r"^(?:\d{6}|\d{9})$")


class DivisionLevel(enum.StrEnum):
    PROVINCE = "PROVINCE"
    CITY = "CITY"
    COUNTY = "COUNTY"
    TOWN = "TOWN"


class InvalidDivision(GatewayError):
    def __init__(self, message: str) -> None:
        super().__init__(message, INVALID_DIVISION)


def significant_prefix(code: str) -> str:
    """``350000`` → ``35``, ``350100`` → ``3501``, ``350102`` → ``350102``, ``350102001`` unchanged."""
    if not _CODE.match(code):
        raise InvalidDivision(f"{code!r} is not a division code: 6 digits (GB/T 2260) or 9 for a town")
    if len(code) == 9:
        return code
    if code[2:] == "0000":
        return code[:2]
    if code[4:] == "00":
        return code[:4]
    return code


def level_of(code: str) -> DivisionLevel:
    prefix = significant_prefix(code)
    levels = {2: DivisionLevel.PROVINCE, 4: DivisionLevel.CITY, 6: DivisionLevel.COUNTY}
    return levels.get(len(prefix), DivisionLevel.TOWN)


def covers(outer: str | None, inner: str | None) -> bool:
    """Whether the division ``outer`` is ``inner`` or above it. ``None`` as ``outer`` is the whole platform
    (it covers everything); ``None`` as ``inner`` (a record whose place is unknown) is covered only by it."""
    if outer is None:
        return True
    if inner is None:
        return False
    return inner.startswith(significant_prefix(outer))


@dataclass(frozen=True, slots=True)
class Division:
    code: str
    name: str  # the latest name; "" for a town (no maintained source names towns)
    level: DivisionLevel
    parent_code: str | None  # None for a province


@lru_cache(maxsize=4096)
def resolve(code: str) -> Division:
    """The division ``code`` names, with its name and parent; :class:`InvalidDivision` when unknown."""
    from gateway.kernel.division_table import lookup  # the table is loaded on first use

    return lookup(code)


def check_division(code: str | None) -> str | None:
    """A division code as given by an operator or a token (surrounding blanks dropped), checked against the
    table: the code, None for None or blank (the whole platform); :class:`InvalidDivision` otherwise."""
    if code is None or not code.strip():
        return None
    return resolve(code.strip()).code


def children(parent: str | None) -> list[Division]:
    """The current divisions directly below ``parent`` (None: the provinces), in code order. Towns are not
    listed (no source names them): a county has no children here."""
    from gateway.kernel.division_table import child_codes

    if parent is not None:
        resolve(parent)  # an unknown parent is an error, not an empty list
    return [resolve(code) for code in child_codes(parent)]


def authority_division(authority_code: str | None) -> str | None:
    """The area of a deciding authority: characters 3–8 of its 18-character USCC (the registration
    authority's division); None without a code."""
    if authority_code is None or len(authority_code) != 18:
        return None
    area = authority_code[2:8]
    return area if area.isdigit() else None


def record_division(authority_code: str | None, subject_division: str | None) -> str | None:
    """The division a credit record belongs to: its deciding authority's area where the record names the
    authority's USCC, else its subject's registration area (``SubjectCode.division_code``)."""
    return authority_division(authority_code) or subject_division


def display_code_division(code_type: str, display_code: str) -> str | None:
    """A subject's registration area from its stored ``display_code`` (the masked ID keeps its first six
    digits): characters 3–8 of a USCC, the first six of a resident ID number."""
    area = display_code[2:8] if code_type == "USCC" else display_code[:6]
    return area if len(area) == 6 and area.isdigit() else None
