"""``mutation_fields``: a plugin's mutation runs for the admin and its own domain's departments only."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from fixture_plugins import started
from strawberry.types import Info

from gateway.api import MutationField, hookimpl
from gateway.testing import error_codes


class StampPlugin:
    @hookimpl
    def mutation_fields(self) -> Sequence[MutationField]:
        def stamp_hookfix(info: Info, text: str) -> str:
            return f"{text} stamped for {info.context.principal.name}"

        return [MutationField("stampHookfix", stamp_hookfix, "A write of domain hookfix.")]


class OtherDomainPlugin:
    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {}


@pytest.mark.parametrize(
    ("role", "domain", "outcome"),
    [
        (None, None, "GRAPHQL_VALIDATION_FAILED"),  # not in the public schema at all
        ("portal", None, "GRAPHQL_VALIDATION_FAILED"),
        ("department", "other", "FORBIDDEN"),  # a department, of another domain
        ("department", "hookfix", "ok"),
        ("admin", None, "ok"),
    ],
)
async def test_hook_mutation_fields(
    database_url: str | None, role: str | None, domain: str | None, outcome: str
) -> None:
    async with started(database_url, ("hookfix", StampPlugin()), ("other", OtherDomainPlugin())) as gw:
        key = await gw.create_key(role, domain=domain, name=f"caller {role}") if role else None
        body = await gw.graphql('mutation { stampHookfix(text: "证") }', key=key)
        if outcome == "ok":
            assert body == {"data": {"stampHookfix": f"证 stamped for caller {role}"}}
        else:
            assert error_codes(body) == [outcome]
