"""``query_fields``: a plugin's top-level ``Query`` fields answer over HTTP; one that returns subjects
returns the composed ``CreditSubject`` the hook receives, with every plugin's subject fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from fixture_plugins import started
from strawberry.types import Info

from gateway.api import QueryField, SubjectField, hookimpl, subject


async def resolve_shout(root: Any, info: Info) -> str | None:
    return f"{root.name}!"


class PingPlugin:
    def __init__(self, answer: str) -> None:
        self.answer = answer

    @hookimpl
    def query_fields(self, subject_type: type) -> Sequence[QueryField]:
        def hookfix_ping(info: Info, name: str) -> str | None:
            return f"{self.answer}, {name}"

        async def hookfix_first_subject(info: Info) -> Any:
            async with info.context.engine.connect() as conn:
                row = (await conn.execute(sa.select(subject).order_by(subject.c.id).limit(1))).one_or_none()
            return subject_type.from_row(row) if row is not None else None  # type: ignore[attr-defined]

        # The composed type exists only once the hook is called, so the annotation is set here.
        hookfix_first_subject.__annotations__["return"] = subject_type | None
        return [
            QueryField("hookfixPing", hookfix_ping, "Answers a greeting."),
            QueryField("hookfixFirstSubject", hookfix_first_subject, "The subject stored first."),
        ]

    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        return [SubjectField("hookfixShout", resolve_shout, "The name, loudly.")]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {
            "Query.hookfixPing": "public",
            "Query.hookfixFirstSubject": "public",
            "CreditSubject.hookfixShout": "public",
        }


async def test_hook_query_fields(database_url: str | None) -> None:
    async with started(database_url, ("hookfix", PingPlugin("pong"))) as gw:
        body = await gw.graphql("query($n: String!) { hookfixPing(name: $n) }", {"n": "闽都"})
        assert body == {"data": {"hookfixPing": "pong, 闽都"}}
        first = await gw.graphql("{ hookfixFirstSubject { name hookfixShout } }")
        name = "福州闽都信用示范科技有限公司"  # the first demo subject, seeded first
        assert first == {"data": {"hookfixFirstSubject": {"name": name, "hookfixShout": f"{name}!"}}}


async def test_without_the_plugin_the_field_is_unknown() -> None:
    async with started(None) as gw:
        body = await gw.graphql('{ hookfixPing(name: "x") }')
        assert body["data"] is None and "hookfixPing" in body["errors"][0]["message"]
