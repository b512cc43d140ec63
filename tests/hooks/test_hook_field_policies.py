"""``field_policies``: each audience's schema has the plugin's field only if the policy lets it see it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from fixture_plugins import ANCHOR, started
from strawberry.types import Info

from gateway.api import SubjectField, hookimpl
from gateway.testing import error_codes


async def resolve_flag(root: Any, info: Info) -> str | None:
    return f"flag of {root.name}"


class PolicyPlugin:
    def __init__(self, visibility: str) -> None:
        self.visibility = visibility

    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        return [SubjectField("hookfixFlag", resolve_flag, "A flag only some audiences see.")]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {"CreditSubject.hookfixFlag": self.visibility}


QUERY = "query($c: String!) { subject(code: $c) { hookfixFlag } }"


@pytest.mark.parametrize(
    ("visibility", "public_sees", "portal_sees"),
    [("public", True, True), ("portal", False, True), ("admin", False, False)],
)
async def test_hook_field_policies(
    database_url: str | None, visibility: str, public_sees: bool, portal_sees: bool
) -> None:
    async with started(database_url, ("hookfix", PolicyPlugin(visibility))) as gw:
        portal, admin = await gw.create_key("portal"), await gw.create_key("admin")
        for key, sees in [(None, public_sees), (portal, portal_sees), (admin, True)]:
            body = await gw.graphql(QUERY, {"c": ANCHOR}, key=key)
            if sees:
                assert body["data"]["subject"]["hookfixFlag"].startswith("flag of "), (key, body)
            else:  # absent from this audience's schema, not merely null
                assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"], (key, body)
