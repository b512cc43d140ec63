"""``graphql_types``: a type no field reaches is in the schema because the plugin lists it."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from fixture_plugins import started

from gateway.api import hookimpl


@strawberry.type(description="Reached by no field: only graphql_types puts it in the schema.")
class HookfixBeacon:
    signal: int


class TypesPlugin:
    @hookimpl
    def graphql_types(self) -> Sequence[type]:
        return [HookfixBeacon]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {"HookfixBeacon": "portal"}


class SilentPlugin:
    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {}


QUERY = '{ __type(name: "HookfixBeacon") { name fields { name } } }'


async def test_hook_graphql_types(database_url: str | None) -> None:
    async with started(database_url, ("hookfix", TypesPlugin())) as gw:
        assert "type HookfixBeacon" in gw.graph.schema.as_str()
        body = await gw.graphql(QUERY, key=await gw.create_key("admin"))
        assert body["data"]["__type"] == {"name": "HookfixBeacon", "fields": [{"name": "signal"}]}


async def test_without_the_hook_the_type_is_absent() -> None:
    async with started(None, ("hookfix", SilentPlugin())) as gw:
        assert "HookfixBeacon" not in gw.graph.schema.as_str()
        body = await gw.graphql(QUERY, key=await gw.create_key("admin"))
        assert body["data"]["__type"] is None
