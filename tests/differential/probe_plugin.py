"""A test plugin whose resolvers fail on purpose, at several depths, for some subjects only.

``CreditSubject.probe`` (nullable) raises for natural persons. Below it:
- ``inner`` (nullable) holds ``value`` (non-null), which raises for subjects whose name has 集团:
  ``null`` bubbles up to ``inner`` and stops there;
- ``strict`` (non-null) holds ``value`` (non-null), which raises for subjects whose name has 北京:
  ``null`` bubbles through ``strict`` up to ``probe``;
- ``items`` (nullable list of non-null items) and ``looseItems`` (list of nullable items): the item at
  index 1 raises in its ``value``, which nulls the whole ``items`` list but only one of ``looseItems``;
- ``asyncLabel`` is a coroutine, to mix sync and async resolvers in one level.

Registered as an extra plugin (as tests/host/test_plugins.py does), through the hooks of ``gateway.api``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.api import SubjectField, hookimpl


class ProbeFailure(RuntimeError):
    pass


@strawberry.type
class ProbeValue:
    owner: strawberry.Private[str]
    fails: strawberry.Private[bool]

    @strawberry.field
    def value(self) -> str:
        if self.fails:
            raise ProbeFailure(f"probe value of {self.owner} fails")
        return f"value of {self.owner}"

    @strawberry.field
    def note(self) -> str | None:
        return None


@strawberry.type
class Probe:
    owner: strawberry.Private[str]

    @strawberry.field
    def label(self) -> str:
        return f"probe of {self.owner}"

    @strawberry.field
    async def async_label(self) -> str:
        return f"async probe of {self.owner}"

    @strawberry.field
    def inner(self) -> ProbeValue | None:
        return ProbeValue(owner=self.owner, fails="集团" in self.owner)

    @strawberry.field
    def strict(self) -> ProbeValue:
        return ProbeValue(owner=self.owner, fails="北京" in self.owner)

    @strawberry.field
    def items(self) -> list[ProbeValue] | None:
        return [ProbeValue(owner=f"{self.owner} #{i}", fails=i == 1) for i in range(3)]

    @strawberry.field
    def loose_items(self) -> list[ProbeValue | None]:
        return [ProbeValue(owner=f"{self.owner} #{i}", fails=i == 1) for i in range(3)]

    @strawberry.field
    def tags(self, first: int = 2) -> list[str]:
        return [f"tag {i}" for i in range(max(0, min(first, 5)))]


def resolve_probe(root: Any, info: Info) -> Probe | None:
    if root.kind.value == "NATURAL_PERSON":
        raise ProbeFailure(f"no probe for {root.code}")
    return Probe(owner=root.name)


class ProbePlugin:
    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        return [SubjectField("probe", resolve_probe, "A test field that fails for some subjects.")]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {"CreditSubject.probe": "public", "Probe": "public", "ProbeValue": "public"}


PROBE = ("probe", ProbePlugin())
