"""Checking ``_entities`` representations before strawberry resolves them.

Strawberry's entities resolver trusts each representation to be an object naming an entity type
with exactly the arguments of that type's ``resolve_reference``; anything else (a string, an
unknown ``__typename``, a missing or extra key) raises inside it, and the whole field fails as an
internal error. A federation router sends well-formed ones, but ``_entities`` is a query field any
caller may send, so each representation is checked here: a malformed one becomes a
``BAD_USER_INPUT`` error at its own index, and the well-formed ones resolve as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from strawberry.utils.inspect import get_func_args

from gateway.kernel.errors import BadUserInput, LimitExceeded


def reference_keys(type_map: Mapping[str, Any], entity_names: Sequence[str]) -> dict[str, frozenset[str]]:
    """For each entity type, the keys its ``resolve_reference`` takes (besides ``info``)."""
    keys: dict[str, frozenset[str]] = {}
    for name in entity_names:
        origin = type_map[name].definition.origin
        resolve = getattr(origin, "resolve_reference", None)
        if resolve is not None:
            keys[name] = frozenset(arg for arg in get_func_args(resolve) if arg not in ("info", "cls", "self"))
    return keys


def malformation(representation: object, keys: Mapping[str, frozenset[str]]) -> str | None:
    """Why a representation cannot be resolved, or None when it can."""
    if not isinstance(representation, dict):
        return "a representation must be an object"
    type_name = representation.get("__typename")
    if type_name not in keys:
        return "a representation's __typename must name an entity type of this schema"
    given = frozenset(representation) - {"__typename"}
    wanted = keys[type_name]
    if given != wanted:
        return f"a {type_name} representation takes exactly the keys {', '.join(sorted(wanted))}"
    if not all(isinstance(representation[key], str) for key in wanted):
        return f"a {type_name} representation's keys must be strings"
    return None


def resolve_entities(
    representations: Sequence[object],
    keys: Mapping[str, frozenset[str]],
    maximum: int,
    resolve: Callable[[list[Any]], list[Any]],
) -> list[Any]:
    """Resolve the well-formed representations in one call of ``resolve`` (strawberry's resolver),
    with a ``BAD_USER_INPUT`` error in the place of each malformed one."""
    if len(representations) > maximum:
        raise LimitExceeded("representations", len(representations), maximum)
    problems = [malformation(r, keys) for r in representations]
    # strawberry pops __typename from what it is given: hand it copies, the request's values stay whole.
    resolved = iter(resolve([dict(r) for r, p in zip(representations, problems, strict=True) if p is None]))  # type: ignore[call-overload]
    return [
        next(resolved) if problem is None else BadUserInput(problem, argument=f"representations[{index}]")
        for index, problem in enumerate(problems)
    ]
