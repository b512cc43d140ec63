"""Rows and results of the read path's short way (:mod:`gateway.db.fast_reads`).

asyncpg builds each row as a ``Record`` in C. Here every statement shape gets a ``Record`` subclass whose
columns are properties (``operator.itemgetter``), so ``row.subject_id`` costs a C call, about ten times
less than a SQLAlchemy ``Row``'s attribute (which goes through its key map), and no row is copied. The
loaders read some twenty columns of every record they build, so on a batch of a hundred subjects this is
most of what turning rows into records costs.

The rows and :class:`RowsResult` answer the part of SQLAlchemy's ``Row`` and ``Result`` API that
readers use: attributes, indexes, unpacking, ``_mapping`` (by name or by ``Column``), ``_fields``,
``_asdict()``, ``_t``/``tuple()``; ``all()``, ``first()``, ``one()``, ``one_or_none()``, ``scalar*()``,
``scalars()``, ``mappings()``, iteration. A statement whose column names would clash with that API is
not given a row class (:func:`row_class_for` returns None) and stays on SQLAlchemy's way.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import asyncpg
from sqlalchemy.exc import MultipleResultsFound, NoResultFound

# Names a column may not take here: asyncpg's Record methods and SQLAlchemy's Row API.
_RESERVED = frozenset({"get", "keys", "values", "items", "count", "index", "tuple", "t"})


class _Mapping(Mapping[Any, Any]):
    """``row._mapping``: the row's values by column name or by the selected ``Column`` itself."""

    __slots__ = ("_keymap", "_row")

    def __init__(self, row: Any, keymap: Mapping[Any, int]) -> None:
        self._row = row
        self._keymap = keymap

    def __getitem__(self, key: Any) -> Any:
        return self._row[self._keymap[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._row._fields)

    def __len__(self) -> int:
        return len(self._row)


def row_class_for(result_columns: Sequence[Any]) -> type[Any] | None:
    """A Record subclass for a compiled statement's result columns (SQLAlchemy's ``_result_columns``:
    key name, name, the selected objects, type), or None when a name would clash."""
    names = tuple(str(column[0]) for column in result_columns)
    if len(set(names)) != len(names) or any(name.startswith("_") or name in _RESERVED for name in names):
        return None
    keymap: dict[Any, int] = {}
    for position, column in enumerate(result_columns):
        keymap[names[position]] = position
        for selected in column[2]:
            keymap.setdefault(selected, position)

    def _mapping(self: Any) -> _Mapping:
        return _Mapping(self, keymap)

    def _asdict(self: Any) -> dict[str, Any]:
        return dict(zip(names, self, strict=True))

    def _tuple(self: Any) -> tuple[Any, ...]:
        return tuple(self)

    attributes: dict[str, Any] = {
        "__slots__": (),
        "_fields": names,
        "_mapping": property(_mapping),
        "_asdict": _asdict,
        "_t": property(_tuple),
        "tuple": _tuple,
        "_tuple": _tuple,
    }
    for position, name in enumerate(names):
        attributes[name] = property(operator.itemgetter(position))
    row_class = type("Row", (asyncpg.Record,), attributes)
    # One object per shape, which gateway.formats.graphql keys its per-shape work on (as SQLAlchemy's
    # rows share their result's metadata).
    row_class._parent = row_class
    return row_class


class RowsResult:
    """The rows of one statement, read once, with SQLAlchemy ``Result``'s common methods."""

    __slots__ = ("_fields", "_rows")

    def __init__(self, rows: list[Any], fields: tuple[str, ...] = ()) -> None:
        self._rows = rows
        self._fields = fields

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return self._rows

    fetchall = all

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one_or_none(self) -> Any:
        if len(self._rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when one or none was required")
        return self.first()

    def one(self) -> Any:
        if not self._rows:
            raise NoResultFound("No row was found when one was required")
        return self.one_or_none()

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row[0]

    def scalars(self, index: int = 0) -> RowsResult:
        return _Values([row[index] for row in self._rows])

    def mappings(self) -> RowsResult:
        return _Values([row._mapping for row in self._rows])

    def keys(self) -> tuple[str, ...]:
        return self._fields


class _Values(RowsResult):
    """``scalars()`` and ``mappings()``: single values, whose ``first()``/``one()`` are the values."""

    __slots__ = ()

    def scalar(self) -> Any:
        return self.first()

    def scalar_one(self) -> Any:
        return self.one()

    def scalar_one_or_none(self) -> Any:
        return self.one_or_none()
