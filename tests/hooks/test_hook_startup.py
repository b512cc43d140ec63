"""``startup``: called in the ASGI lifespan once the graph is built, in hook order, each awaited before
the next and before the first request; one that raises stops the start, naming its plugin."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from fixture_plugins import started
from strawberry.types import Info

from gateway.api import ConfigurationError, QueryField, hookimpl, subject


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """Drive ``app``'s ASGI lifespan as a server does: startup, then (on exit) shutdown. A failed
    startup raises what the app raised."""
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    task = asyncio.create_task(app(scope, received.get, sent.put))
    await received.put({"type": "lifespan.startup"})
    answer = await sent.get()
    if answer["type"] == "lifespan.startup.failed":
        await task  # raises the app's own exception
        raise AssertionError(f"startup failed without an exception: {answer}")
    assert answer["type"] == "lifespan.startup.complete", answer
    try:
        yield
    finally:
        await received.put({"type": "lifespan.shutdown"})
        answer = await sent.get()
        await task
        assert answer["type"] == "lifespan.shutdown.complete", answer


class Opener:
    """Counts the subjects at startup (through the graph's engine) and serves the count it found."""

    def __init__(self, events: list[str], name: str, refuse: bool = False) -> None:
        self.events, self.name, self.refuse = events, name, refuse
        self.subjects: int | None = None

    async def _count(self, graph: Any) -> int:
        async with graph.engine.connect() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(subject))).scalar_one())

    @hookimpl
    async def startup(self, app: Any, graph: Any) -> None:
        await asyncio.sleep(0)  # awaited: the next plugin starts only once this one has
        if self.refuse:
            raise RuntimeError("no tax bureau to connect to")
        assert graph.schema is not None and app.state.graph is graph  # the graph is built by now
        self.subjects = await self._count(graph)
        self.events.append(f"{self.name} started")

    @hookimpl
    def shutdown(self) -> None:
        self.events.append(f"{self.name} stopped")

    @hookimpl
    def query_fields(self) -> Sequence[QueryField]:
        def hookfix_subjects_at_start(info: Info) -> int | None:
            return self.subjects

        return [QueryField(f"{self.name}SubjectsAtStart", hookfix_subjects_at_start, "Counted at startup.")]

    @hookimpl
    def field_policies(self) -> dict[str, str]:
        return {f"Query.{self.name}SubjectsAtStart": "public"}


class EarlyOpener(Opener):
    @hookimpl(tryfirst=True)
    async def startup(self, app: Any, graph: Any) -> None:
        await super().startup(app, graph)

    @hookimpl(tryfirst=True)
    def shutdown(self) -> None:
        super().shutdown()


async def test_hook_startup(database_url: str | None) -> None:
    events: list[str] = []
    late, early = Opener(events, "late"), EarlyOpener(events, "early")
    async with started(database_url, ("late", late), ("early", early)) as gw:
        assert events == []  # building the app starts no plugin: the server's lifespan does
        async with lifespan(gw.app):
            assert events == ["early started", "late started"]  # hook order: tryfirst first
            body = await gw.graphql("{ earlySubjectsAtStart lateSubjectsAtStart }")
            assert body["data"] == {"earlySubjectsAtStart": 20, "lateSubjectsAtStart": 20}  # `started` seeds 20
        assert events[2:] == ["late stopped", "early stopped"]


async def test_hook_startup_that_raises_stops_the_start(database_url: str | None) -> None:
    events: list[str] = []
    plugins = ("refuser", Opener(events, "refuser", refuse=True)), ("early", EarlyOpener(events, "early"))
    async with started(database_url, *plugins) as gw:
        with pytest.raises(ConfigurationError, match=r"Plugin 'refuser' failed to start: RuntimeError: no tax bureau"):
            async with lifespan(gw.app):
                pass
    # The plugin started before the failure is shut down; the one that failed never started.
    assert events == ["early started", "early stopped"]
