"""The composed ``CreditSubject`` type: the core's fields plus every plugin's, built once per graph.

Query fields that return subjects (the core's, the query record's ``me``) need this class, so it
is built during composition, before the ``query_fields`` hook is called with it.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.types import Info
from strawberry.types.base import StrawberryOptional

from gateway.engine.eager import eager
from gateway.graph.subject import CreditSubjectBase
from gateway.kernel.errors import ConfigurationError


def compose_subject_type(subject_fields: Sequence[Any]) -> type[CreditSubjectBase]:
    """``subject_fields``: the plugins' ``SubjectField`` items, each with its ``plugin`` (``Owned``)."""
    namespace: dict[str, Any] = {"__module__": __name__}
    for owned in subject_fields:
        resolver = owned.item.resolver
        if inspect.iscoroutinefunction(resolver):
            resolver = eager(resolver)  # a plain value when its records were prefetched
        namespace[owned.item.name] = strawberry.field(
            resolver=resolver, name=owned.item.name, description=owned.item.description
        )

    def resolve_reference(cls: type, info: Info, code: str) -> Any:
        # The graph finds a subject with the request's access rules (gateway.server.schema).
        return info.context.graph.find_subject(cls, info, code)

    namespace["resolve_reference"] = classmethod(resolve_reference)
    cls = type("CreditSubject", (CreditSubjectBase,), namespace)
    subject_cls = strawberry.federation.type(
        cls, keys=["code"], description="A credit subject and what every domain holds about it."
    )
    for subject_field in subject_cls.__strawberry_definition__.fields:
        if subject_field.python_name in namespace and not isinstance(subject_field.type, StrawberryOptional):
            owner = next(o.plugin for o in subject_fields if o.item.name == subject_field.python_name)
            raise ConfigurationError(
                f"Plugin {owner!r}: CreditSubject.{subject_field.python_name} must be nullable, "
                "so that a failing plugin yields null and the rest of the profile stands"
            )
    return subject_cls
