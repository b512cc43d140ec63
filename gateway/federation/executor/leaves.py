"""Leaf values as subgraphs answered them, checked before they reach the client (the spec's result
coercion): a built-in scalar's value must be of its JSON kind, a custom scalar's (JSON, Date …) may be
anything but nested past MAX_SCALAR_NESTING. Else the value is invalid (null, and an error).

:func:`fast_types` lets the shaper pass the commonest values without a call: a value whose Python type is
in a scalar's set is valid as is. Int has none: its values must also be 32-bit ones (the spec's range, which
clients in other languages rely on), which only :func:`valid_leaf` checks.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLScalarType

from gateway.kernel.limits import MAX_SCALAR_NESTING

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
# Python types (of a parsed JSON value) each built-in scalar takes; bool is its own type here, so an int
# set does not take True. An ID may be a JSON number (the spec serialises it as a string or an int).
_BUILT_IN: dict[str, frozenset[type]] = {
    "String": frozenset({str}),
    "ID": frozenset({str, int}),
    "Int": frozenset({int}),
    "Float": frozenset({int, float}),
    "Boolean": frozenset({bool}),
}
# Valid as they are: every built-in's kinds but Int's (range-checked by valid_leaf), any custom scalar's flat ones.
_FAST: dict[str, frozenset[type]] = {**_BUILT_IN, "Int": frozenset()}
# A custom scalar's flat values: nothing to check.
_FLAT: frozenset[type] = frozenset({str, int, float, bool})


def fast_types(scalar: GraphQLScalarType) -> frozenset[type]:
    """The Python types of values of ``scalar`` that are valid without further checks."""
    return _FAST.get(scalar.name, _FLAT)


def valid_leaf(scalar: GraphQLScalarType, value: Any) -> bool:
    """Whether a subgraph's non-null ``value`` may be answered for a field of type ``scalar``."""
    kinds = _BUILT_IN.get(scalar.name)
    if kinds is not None:
        if type(value) not in kinds:
            return False
        return not (scalar.name == "Int" and not _INT_MIN <= value <= _INT_MAX)
    return _nesting_within(value, MAX_SCALAR_NESTING)


def _nesting_within(value: Any, maximum: int) -> bool:
    """Whether lists and objects in ``value`` nest at most ``maximum`` deep (iterative: no recursion
    limit to hit, whatever the depth)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= maximum:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True
