"""Walking strawberry types: which named GraphQL types a set of classes and resolvers reaches.

Composition uses it to attribute every type name to the plugin that defines it, so that a clash
names both plugins instead of surfacing as strawberry's anonymous duplicate-name error.
"""

from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from strawberry.types.base import StrawberryContainer

from gateway.graph.pagination import PageInfo
from gateway.graph.records import CreditRecord
from gateway.graph.subject import CreditSubjectBase, Region, RegistrationAuthority


def _unwrap(annotation: Any) -> Any:
    while isinstance(annotation, StrawberryContainer):  # Optional, List
        annotation = annotation.of_type
    resolve = getattr(annotation, "resolve_type", None)
    if callable(resolve) and type(annotation).__name__ == "LazyType":
        annotation = resolve()
    return annotation


def reachable_types(classes: Iterable[type], resolvers: Iterable[Callable[..., Any]] = ()) -> dict[str, type]:
    found: dict[str, type] = {}
    seen: set[Any] = set()
    pending: list[Any] = list(classes)
    for resolver in resolvers:
        field = strawberry.field(resolver=resolver)
        pending.append(field.type)
        pending.extend(argument.type for argument in field.arguments)
    while pending:
        cls = _unwrap(pending.pop())
        definition = getattr(cls, "__strawberry_definition__", None)
        if definition is None or cls in seen:
            continue
        seen.add(cls)
        # A specialised generic (Connection[X]) is named after X when the schema is built; its
        # generic name would make every plugin that pages a list seem to claim "Connection".
        if not (getattr(definition, "is_graphql_generic", False) or getattr(definition, "concrete_of", None)):
            found.setdefault(definition.name, cls)
        pending.extend(getattr(definition, "interfaces", ()))
        for field in getattr(definition, "fields", ()):
            pending.append(field.type)
            pending.extend(argument.type for argument in getattr(field, "arguments", ()))
    return found


def core_type_names() -> dict[str, type]:
    names = reachable_types([CreditSubjectBase, CreditRecord, PageInfo, Region, RegistrationAuthority])
    names.pop("CreditSubjectBase", None)  # only its subclass, CreditSubject, is in the schema
    # Built per schema, so not reachable from a static class, but the core's all the same.
    for reserved in ("CreditSubject", "CreditSubjectConnection", "CreditSubjectEdge", "Query", "Mutation"):
        names[reserved] = CreditSubjectBase
    return names
