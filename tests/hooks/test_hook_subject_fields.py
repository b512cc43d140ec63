"""``subject_fields``: a plugin's field on ``CreditSubject`` resolves with the subject as ``root``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fixture_plugins import ANCHOR, started
from strawberry.types import Info

from gateway.api import SubjectField, hookimpl


async def resolve_initial(root: Any, info: Info) -> str | None:
    return f"{root.name[:2]}:{root.id}"


class InitialPlugin:
    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        return [SubjectField("hookfixInitial", resolve_initial, "The subject's name's first two characters.")]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {"CreditSubject.hookfixInitial": "public"}


async def test_hook_subject_fields(database_url: str | None) -> None:
    async with started(database_url, ("hookfix", InitialPlugin())) as gw:
        body = await gw.graphql("query($c: String!) { subject(code: $c) { name hookfixInitial } }", {"c": ANCHOR})
        subject = body["data"]["subject"]
        initial, subject_id = subject["hookfixInitial"].split(":")
        assert initial == subject["name"][:2] == "福州"
        assert int(subject_id) > 0  # root is the stored subject, with its id for the plugin's loaders
