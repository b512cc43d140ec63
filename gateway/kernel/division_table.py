"""The division table behind :func:`gateway.kernel.divisions.resolve`.

Placeholder until the places feature ships its table: python-stdnum's copy of GB/T 2260 (province and
county level, with history), the same one that resolves the region of a subject code.
"""

from __future__ import annotations

from stdnum import numdb

from gateway.kernel.divisions import Division, InvalidDivision, level_of, significant_prefix


def _current(name: str) -> str:
    # Entries carry validity ranges such as "[1983-]鼓楼区"; the last one is the current name.
    return name.split(",")[-1].split("]")[-1]


def lookup(code: str) -> Division:
    prefix = significant_prefix(code)
    info: dict[str, str] = {}
    for _part, props in numdb.get("cn/loc").info(code[:6]):
        info.update(props)
    county = _current(info.get("county", ""))
    if not info.get("province") or not county or len(prefix) == 9:
        raise InvalidDivision(f"{code!r} names no division in the table")
    level = level_of(code)
    parent = None if len(prefix) == 2 else (prefix[:-2] if len(prefix) <= 6 else prefix[:6]).ljust(6, "0")
    return Division(code=code, name=county, level=level, parent_code=parent)
