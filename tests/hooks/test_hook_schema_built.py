"""``schema_built``: called with each audience's schema before it serves; raising stops the start."""

from __future__ import annotations

from typing import Any

import pytest
from fixture_plugins import started

from gateway.api import ConfigurationError, Role, hookimpl


class SchemaWatcher:
    def __init__(self, refuse: bool = False) -> None:
        self.seen: list[tuple[Role, bool]] = []
        self.refuse = refuse

    @hookimpl
    def schema_built(self, schema: Any, role: Role) -> None:
        has_mutation = schema._schema.mutation_type is not None
        self.seen.append((role, has_mutation))
        if self.refuse:
            raise ConfigurationError("the watcher refuses this graph")


async def test_hook_schema_built(database_url: str | None) -> None:
    watcher = SchemaWatcher()
    async with started(database_url, ("watcher", watcher)) as gw:
        assert watcher.seen == [(Role.ADMIN, True)]  # the admin's schema is built (and checked) at start
        body = await gw.graphql("{ __typename }")
        assert body["data"] == {"__typename": "Query"}
    # The public audience's schema was built for that request, and only then.
    assert [role for role, _ in watcher.seen] == [Role.ADMIN, Role.PUBLIC]


async def test_hook_schema_built_can_stop_the_start(database_url: str | None) -> None:
    with pytest.raises(ConfigurationError, match="the watcher refuses this graph"):
        async with started(database_url, ("watcher", SchemaWatcher(refuse=True))):
            pass
