"""``loaders``: a plugin's batch loader is made per request and gets every subject's key in one call,
so the field costs one statement however many subjects a query asks for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from fixture_plugins import started
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.types import Info

from gateway.api import LoaderSpec, SubjectField, any_of, hookimpl, subject
from gateway.db.engine import count_statements
from gateway.host.demo import demo_subjects

LOADER = "hookfix.names"


class NameLengthPlugin:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []  # the keys of each call of the batch function

    async def load(self, conn: AsyncConnection, keys: Sequence[int]) -> Mapping[int, int]:
        self.batches.append(list(keys))
        rows = await conn.execute(
            sa.select(subject.c.id, sa.func.length(subject.c.name)).where(any_of(subject.c.id, name="ids")),
            {"ids": list(keys)},
        )
        return {row[0]: row[1] for row in rows}

    @hookimpl
    def loaders(self) -> Sequence[LoaderSpec]:
        return [LoaderSpec(LOADER, self.load, default=-1)]

    @hookimpl
    def subject_fields(self) -> Sequence[SubjectField]:
        async def hookfix_name_length(root: Any, info: Info) -> int | None:
            return await info.context.loaders.load(LOADER, root.id)

        return [SubjectField("hookfixNameLength", hookfix_name_length, "Length of the name, through a loader.")]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {"CreditSubject.hookfixNameLength": "public"}


def _query(count: int) -> tuple[str, list[Any]]:
    # Organisations only: a natural person is not public, so the anonymous caller would get null.
    people = [s for s in demo_subjects(20) if not s.code.is_natural_person][:count]
    fields = " ".join(f's{n}: subject(code: "{p.code.value}") {{ hookfixNameLength }}' for n, p in enumerate(people))
    return f"{{ {fields} }}", people


async def test_hook_loaders(database_url: str | None) -> None:
    plugin = NameLengthPlugin()
    async with started(database_url, ("hookfix", plugin)) as gw:
        statements = {}
        for count in (2, 8):
            query, people = _query(count)
            plugin.batches.clear()
            with count_statements(gw.engine) as counter:
                body = await gw.graphql(query)
            assert body.get("data") and not body.get("errors"), body
            lengths = [body["data"][f"s{n}"]["hookfixNameLength"] for n in range(count)]
            assert lengths == [len(p.name) for p in people], body
            assert len(plugin.batches) == 1 and len(set(plugin.batches[0])) == count, plugin.batches
            statements[count] = sum("length(" in s.lower() for s in counter.statements)
        assert statements == {2: 1, 8: 1}  # one statement of the loader, however many subjects
