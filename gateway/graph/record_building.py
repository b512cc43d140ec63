"""Records made from rows at the cost of a dictionary, not of a dataclass constructor call.

Every record a loader reads is a strawberry type, which is a dataclass: ``TaxCreditRating(**values)``
unpacks some thirty keyword arguments into the generated ``__init__``, which stores them one by one.
On a batch of a hundred subjects (five hundred records) that call was about 2 µs a record, as much as
reading the row. :func:`record_from` makes the same object by giving a new instance the values' dict as
its ``__dict__``: what ``__init__`` would have stored, without the call (about 0.5 µs).

It does so only where that is exactly what ``__init__`` would do:

- the class is a dataclass without ``__post_init__``, without ``__slots__`` anywhere in its classes,
  and without a field that ``__init__`` fills itself (``init=False`` with a default factory);
- the values are as many as the fields of ``__init__``.

Anything else (a field left to its default, a class with its own ``__post_init__``) goes through the
constructor, which fills defaults or raises its usual ``TypeError``. The count is what is checked on
each call, not the names (comparing thirty names would cost as much as the call saved): the values
must be keyed by the fields' names, as they are for the constructor. The tests hold every built-in
record type made this way equal to the one its constructor makes.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

RecordT = TypeVar("RecordT")

# Per class: how many fields __init__ takes when an instance can be made from its dict, else 0. Classes
# are defined at import, so this holds one entry per record type.
_INIT_FIELDS: dict[type, int] = {}
_new = object.__new__


def _init_fields(cls: type) -> int:
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__"):
        return 0
    if any("__slots__" in vars(klass) for klass in cls.__mro__ if klass is not object):
        return 0
    fields = dataclasses.fields(cls)
    if any(not f.init and f.default_factory is not dataclasses.MISSING for f in fields):
        return 0
    return sum(1 for f in fields if f.init)


def record_from(cls: type[RecordT], values: dict[str, Any], /, **fields: Any) -> RecordT:
    """``cls(**values, **fields)``, made without calling ``__init__`` where that gives the same object.

    Receives the record type, a dict of field values that the new record takes over (so the caller
    must not use it again: :func:`gateway.graph.records.envelope_kwargs` returns a fresh one per row),
    and the record type's own fields as keywords; a keyword also in ``values`` replaces it (where the
    constructor would refuse the pair). Returns the record. Example, in a loader::

        def rating_from_row(row):
            return record_from(TaxCreditRating, envelope_kwargs(row), year=row.year, grade=Grade(row.grade))
    """
    if fields:
        values.update(fields)
    count = _INIT_FIELDS.get(cls)
    if count is None:
        count = _INIT_FIELDS[cls] = _init_fields(cls)
    if len(values) != count:
        return cls(**values)
    record = _new(cls)
    record.__dict__ = values
    return record  # type: ignore[no-any-return]
