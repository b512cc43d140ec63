"""``shutdown``: called when the ASGI lifespan ends, in the reverse of hook order, while the graph's
engine still works; one that raises is logged and the others still stop."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import sqlalchemy as sa
from fixture_plugins import started
from test_hook_startup import lifespan

from gateway.api import hookimpl, subject


class Flusher:
    """At shutdown, reads the database through the graph's engine (as a plugin flushing pending
    writes would), or fails."""

    def __init__(self, events: list[str], name: str, broken: bool = False) -> None:
        self.events, self.name, self.broken = events, name, broken

    @hookimpl
    async def shutdown(self, app: Any, graph: Any) -> None:
        if self.broken:
            raise RuntimeError("the flush failed")
        async with graph.engine.connect() as conn:  # the core closes its engine only after the plugins
            subjects = (await conn.execute(sa.select(sa.func.count()).select_from(subject))).scalar_one()
        self.events.append(f"{self.name} flushed with {subjects} subjects, app {app.state.graph is graph}")


class FirstFlusher(Flusher):
    @hookimpl(tryfirst=True)
    async def shutdown(self, app: Any, graph: Any) -> None:
        await super().shutdown(app, graph)


async def test_hook_shutdown(database_url: str | None, caplog: pytest.LogCaptureFixture) -> None:
    events: list[str] = []
    plugins = (
        ("first", FirstFlusher(events, "first")),
        ("broken", Flusher(events, "broken", broken=True)),
        ("last", Flusher(events, "last")),
    )
    async with started(database_url, *plugins) as gw:
        with caplog.at_level(logging.ERROR, logger="gateway.host.loading"):
            async with lifespan(gw.app):
                assert events == []  # nothing stops while serving
                assert (await gw.graphql("{ __typename }"))["data"] == {"__typename": "Query"}
    # Hook order is first (tryfirst), then the most recently registered: last, broken. Shutdown reverses it,
    # and the broken one's exception does not keep `first` from flushing.
    assert events == ["last flushed with 20 subjects, app True", "first flushed with 20 subjects, app True"]
    failures = [r for r in caplog.records if "failed to shut down" in r.getMessage()]
    assert [r.getMessage() for r in failures] == ["plugin 'broken' failed to shut down"]
    assert "the flush failed" in str(failures[0].exc_info[1])  # type: ignore[index]
