"""Leaves of a plan: how a scalar or enum value becomes response data, worked out once per field.

Each coercer gives exactly what graphql-core's ``coerce_output_value`` gives for the value, answering
the common exact cases (a ``str`` for a String, a ``bool`` for a Boolean, an ``int`` in range for an
Int, a finite ``float`` for a Float, an enum member seen before, a ``date`` for a Date) without a call
into graphql-core.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

from graphql import GraphQLBoolean, GraphQLEnumType, GraphQLFloat, GraphQLID, GraphQLInt, GraphQLString
from graphql.pyutils import Undefined

from gateway.kernel.isodates import iso_date

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1

try:  # strawberry's Date scalar serialises with this (``value.isoformat()``); if it moves, no shortcut
    from strawberry.schema.types.base_scalars import isoformat as _STRAWBERRY_ISOFORMAT
except ImportError:  # pragma: no cover - depends on strawberry's internals
    _STRAWBERRY_ISOFORMAT = None


def exact_leaf_type(leaf_type: Any) -> type | None:
    """The Python type whose values a leaf of ``leaf_type`` answers unchanged (see Completion.exact)."""
    if leaf_type is GraphQLString or leaf_type is GraphQLID:
        return str
    if leaf_type is GraphQLBoolean:
        return bool
    return None


def leaf_coercer(leaf_type: Any) -> Callable[[Any], Any]:
    """The output coercion of a scalar or enum, with the common exact cases answered without a call
    into graphql-core (each gives exactly what graphql-core's coercion gives for that value)."""
    coerce = leaf_type.coerce_output_value

    def checked(value: Any) -> Any:
        coerced = coerce(value)
        if coerced is Undefined or coerced is None:
            raise TypeError(
                f"Expected `{leaf_type}.coerce_output_value({value!r})` to return non-nullable value, "
                f"returned: {coerced!r}"
            )
        return coerced

    if leaf_type is GraphQLString or leaf_type is GraphQLID:
        return lambda value: value if type(value) is str else checked(value)
    if leaf_type is GraphQLBoolean:
        return lambda value: value if type(value) is bool else checked(value)
    if leaf_type is GraphQLInt:
        return lambda value: value if type(value) is int and _INT_MIN <= value <= _INT_MAX else checked(value)
    if leaf_type is GraphQLFloat:
        return lambda value: value if type(value) is float and math.isfinite(value) else checked(value)
    if _STRAWBERRY_ISOFORMAT is not None and leaf_type.coerce_output_value is _STRAWBERRY_ISOFORMAT:
        # Date: the same text, remembered per day (gateway.kernel.isodates).
        return lambda value: iso_date(value) if type(value) is date else checked(value)
    if isinstance(leaf_type, GraphQLEnumType):
        names: dict[Any, Any] = {}

        def enum_value(value: Any) -> Any:
            try:
                return names[value]
            except KeyError:
                names[value] = name = checked(value)
                return name
            except TypeError:  # unhashable: not an enum member; graphql-core says why
                return checked(value)

        return enum_value
    return checked
